"""Quiz ids, titles, days and series derived from a quiz's title or its file name."""

from __future__ import annotations

import re
from pathlib import PurePath

from bot.domain.quiz import is_valid_quiz_id

MAX_ID_LENGTH = 32

# A course keeps one quiz per folder under a name that says nothing (`days/day-07/quiz.md`):
# the folder name is the one that tells quizzes apart.
GENERIC_STEMS = frozenset(
    {"quiz", "quizzes", "index", "readme", "questions", "test", "exam", "assessment", "knowledge-quiz"}
)

_DAY = re.compile(r"\bday\s*[-#]?\s*(\d{1,3})\b", re.IGNORECASE)
# What may separate a series name from "Day N" in a title: "LLM Course - Day 3: ..." / "LLM Course | Day 3".
_SERIES_TAIL = re.compile(r"[\s\-–—:|·,/]+$")


def slug(text: str) -> str:
    """Lowercase `text` and keep only what a quiz id allows, words joined by '-', at most 32 chars."""
    lowered = text.strip().lower()
    dashed = re.sub(r"[^a-z0-9_]+", "-", lowered)
    collapsed = re.sub(r"-{2,}", "-", dashed).strip("-_")
    return collapsed[:MAX_ID_LENGTH].rstrip("-_")


def day_id(day: int) -> str:
    return f"day{day:02d}"


def id_from_path(path: PurePath) -> str:
    """Return an id from the file name, or from its folder when the file name is generic ("quiz.md")."""
    stem = slug(path.stem)
    if (not stem or stem in GENERIC_STEMS) and path.parent.name:
        folder = slug(path.parent.name)
        if folder:
            return folder
    return stem if is_valid_quiz_id(stem) else "quiz"


def title_from_path(path: PurePath) -> str:
    """A readable title for formats that have none (Aiken, CSV): "lora_basics.csv" -> "Lora Basics"."""
    name = path.stem if slug(path.stem) not in GENERIC_STEMS else (path.parent.name or path.stem)
    words = re.sub(r"[_\-]+", " ", name).split()
    return " ".join(word[:1].upper() + word[1:] for word in words) or "Quiz"


def day_and_series(title: str) -> tuple[int | None, str | None]:
    """Read "Day N" from a title, and the series named before it ("LLM Course - Day 3: ..." -> llm-course)."""
    match = _DAY.search(title)
    if match is None:
        return None, None
    day = int(match.group(1))
    prefix = _SERIES_TAIL.sub("", title[: match.start()])
    series = slug(prefix) or None
    return day, series
