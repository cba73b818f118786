"""Tell which format a quiz source is in: by extension first, then by what its lines look like."""

from __future__ import annotations

import re
from pathlib import PurePath

FORMATS = ("markdown", "aiken", "csv")

_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_MARKDOWN_LINE = re.compile(r"^\s{0,3}(#{1,6}\s+\S|\d{1,3}[.)]\s+(\*\*|__)\S)", re.MULTILINE)
_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*[A-Ea-e]\s*$", re.MULTILINE)
_CSV_HEADER = re.compile(r"^\ufeff?[^\n]*\bquestion\b[^\n]*[,;\t][^\n]*\banswer\b", re.IGNORECASE)


def detect_format(path: PurePath, text: str) -> str | None:
    """Return "markdown", "aiken" or "csv", or None when neither the name nor the content tells."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in _MARKDOWN_SUFFIXES:
        return "markdown"
    # .txt (and anything else) is decided by content: the Day 48 seed is markdown saved as .txt.
    if _MARKDOWN_LINE.search(text):
        return "markdown"
    if _AIKEN_ANSWER.search(text):
        return "aiken"
    if _CSV_HEADER.match(text):
        return "csv"
    return None
