"""Parse one source text in a given or detected format: the single entry point over all parsers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from bot.domain.problems import Problem
from bot.importers.aiken import parse_aiken
from bot.importers.csv_format import parse_csv
from bot.importers.detect import FORMATS, detect_format
from bot.importers.markdown import parse_markdown
from bot.importers.result import ImportResult

Parser = Callable[..., ImportResult]

PARSERS: dict[str, Parser] = {"markdown": parse_markdown, "aiken": parse_aiken, "csv": parse_csv}


def parse_source(
    text: str, path: str | PurePath, *, fmt: str | None = None, quiz_id: str | None = None
) -> ImportResult:
    """Parse `text` as `fmt` (detected from `path` and `text` when None)."""
    chosen = fmt or detect_format(PurePath(path), text)
    if chosen not in PARSERS:
        choices = " | ".join(FORMATS)
        message = (
            f"unknown format {fmt!r}; use --format {choices}"
            if fmt
            else f"cannot tell which quiz format this is; pass --format {choices}"
        )
        # found_questions=False lets a folder walk skip stray notes instead of failing on them.
        return ImportResult(None, errors=[Problem(str(path), 0, message)], found_questions=bool(fmt))
    return PARSERS[chosen](text, path, quiz_id=quiz_id)
