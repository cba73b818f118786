"""The /privacy service on a real database: status, the export document, and what forget refuses."""

from __future__ import annotations

import json

import pytest

from bot.domain.clock import FakeClock
from bot.privacy import PrivacyRefusedError, PrivacyService
from bot.storage import Storage
from bot.storage.privacy import MEMBER_TABLES
from tests.helpers import SEED_AT, SEED_GUILD, seed_run

ANN, BEN = 123456789012345678, 2


async def test_status_export_and_forget_of_one_member(storage: Storage) -> None:
    service = PrivacyService(storage, FakeClock(SEED_AT))
    await seed_run(storage, [(0, ANN, "ann", 0, 1.0), (1, ANN, "ann", 2, 2.0), (0, BEN, "ben", 0, 1.0)])
    assert (await service.status(SEED_GUILD, ANN)).answers == 2
    hidden = await service.set_hidden(SEED_GUILD, ANN, True)
    assert hidden.hidden and hidden.answers == 2

    export = await service.export(SEED_GUILD, ANN)
    assert export.filename == f"quizbot-{SEED_GUILD}-{ANN}-20261120.json"
    document = json.loads(export.data)
    # Ids as text: a reader that parses numbers as doubles would turn 123456789012345678 into ...680.
    assert (document["member_id"], document["server_id"]) == (str(ANN), str(SEED_GUILD))
    assert document["exported_at"] == "2026-11-20T12:00:00Z" and "docs/privacy.md" in document["explained_in"]
    assert list(document["tables"]) == [table.key for table in MEMBER_TABLES]
    assert document["tables"]["answers"]["forget_me"] == "deleted"
    assert document["tables"]["board_totals"]["forget_me"].startswith("recomputed")
    assert document["tables"]["member_privacy"]["forget_me"].startswith("kept: so that you stay hidden")
    answers = document["tables"]["answers"]["rows"]
    assert [(row["choice_in_quiz_file"], row["run_id"], row["server_id"]) for row in answers] == [
        ("A", "1", str(SEED_GUILD)),
        ("C", "1", str(SEED_GUILD)),
    ]
    assert {row["user_id"] for row in document["tables"]["board_totals"]["rows"]} == {str(ANN)}
    assert export.rows == sum(len(table["rows"]) for table in document["tables"].values())

    assert await service.forget_preview(SEED_GUILD, ANN) == 2
    assert (await service.forget(SEED_GUILD, ANN)).answers == 2
    with pytest.raises(PrivacyRefusedError, match="nothing to forget"):
        await service.forget_preview(SEED_GUILD, ANN)
    assert (await service.status(SEED_GUILD, BEN)).answers == 1, "ben's answers stay"
