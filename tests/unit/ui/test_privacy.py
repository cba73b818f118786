"""The /privacy export as a file Discord takes: JSON, gzipped JSON when too large, or nothing."""

from __future__ import annotations

import gzip
import json

from bot.privacy import MemberExport
from bot.ui.privacy import export_file


def test_the_export_is_json_gzipped_when_over_the_upload_limit_and_refused_when_even_that_is() -> None:
    data = json.dumps({"rows": [{"answer": i % 4} for i in range(5000)]}).encode()
    export = MemberExport("quizbot-1-2-20261120.json", data, 5000)

    plain = export_file(export, size_limit=len(data))
    assert plain is not None and plain.filename == "quizbot-1-2-20261120.json" and plain.fp.read() == data

    packed = export_file(export, size_limit=len(data) - 1)
    assert packed is not None and packed.filename == "quizbot-1-2-20261120.json.gz"
    assert gzip.decompress(packed.fp.read()) == data

    assert export_file(export, size_limit=100) is None
