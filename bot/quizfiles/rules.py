"""Limits a quiz file must respect beyond the domain model, so the live quiz can always show it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import limits
from bot.domain.quiz import letter_of

DESCRIPTION = limits.EXPLANATION
SERIES = 100
TAG = 32
MAX_TAGS = 10
# The prompt and its "A) choice" lines share one embed description with the live quiz's own lines.
QUESTION_BODY = limits.EMBED_DESCRIPTION - limits.QUESTION_CHROME


def question_body(prompt: str, choices: Sequence[str]) -> str:
    """Return the text a question is shown with: the prompt, a blank line, then one "A) choice" line each."""
    lines = [f"{letter_of(index)}) {choice}" for index, choice in enumerate(choices)]
    return "\n".join([prompt, "", *lines])

