"""A private run's screens: within Discord's limits for the largest question, and the buttons each shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.domain import limits
from bot.domain.private import Score, Screen, Stage
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import Run, RunKind, RunStatus, ScoringMode
from bot.ui.private_views import screen_message

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BIG = Question(
    "q",
    "?" * limits.PROMPT,
    tuple(letter * limits.CHOICE for letter in "abcde"),
    4,
    explanation="e" * limits.EXPLANATION,
    choice_explanations=("w" * limits.CHOICE_EXPLANATION,) * 5,
)
QUIZ = Quiz("big", "T" * limits.QUIZ_TITLE, (BIG, BIG))


def _run(kind: RunKind) -> Run:
    return Run(
        123456789012345678,
        10,
        20,
        kind,
        "big",
        QUIZ.title,
        None,
        5,
        AT,
        RunStatus.RUNNING,
        30,
        ScoringMode.ACCURACY,
        0,
        2,
        closes_at=AT + timedelta(days=7),
    )


def _size(embeds: list[discord.Embed]) -> int:
    return sum(len(e.title or "") + len(e.description or "") + len(e.footer.text or "") for e in embeds)


@pytest.mark.parametrize(
    ("kind", "stage", "chosen", "buttons"),
    [
        (RunKind.PRACTICE, Stage.QUESTION, None, ["A", "B", "C", "D", "E"]),
        (RunKind.PRACTICE, Stage.VERDICT, 0, ["A", "B", "C", "D", "E", "Next"]),
        (RunKind.PRACTICE, Stage.VERDICT, None, ["A", "B", "C", "D", "E", "Next"]),
        (RunKind.PRACTICE, Stage.OFFER, None, ["Continue", "Start over"]),
        (RunKind.PRACTICE, Stage.DONE, None, ["Start over"]),
        (RunKind.WINDOW, Stage.QUESTION, None, ["A", "B", "C", "D", "E"]),
        (RunKind.WINDOW, Stage.DONE, None, []),
    ],
)
def test_every_screen_of_the_largest_question_fits_discord(
    kind: RunKind, stage: Stage, chosen: int | None, buttons: list[str]
) -> None:
    screen = Screen(stage, _run(kind), QUIZ, 0, Score(1, 1, 2.0), AT, chosen, note="Locked in: E")
    embeds, view = screen_message(screen)
    assert len(embeds) <= limits.EMBEDS_PER_MESSAGE and _size(embeds) <= limits.EMBED_TOTAL
    assert all(len(e.description or "") <= limits.EMBED_DESCRIPTION for e in embeds)
    assert all(len(e.title or "") <= limits.EMBED_TITLE for e in embeds)
    # Persistent buttons are DynamicItems around the button Discord sees.
    items = [item.item for item in view.children if isinstance(item, discord.ui.DynamicItem)]
    assert [(b.label or "").split(")")[0] for b in items] == buttons
    assert all(b.custom_id is not None and len(b.custom_id) <= limits.CUSTOM_ID for b in items)
    assert all(len(b.label or "") <= limits.BUTTON_LABEL for b in items)
    if stage is Stage.VERDICT:
        text = "\n".join(e.description or "" for e in embeds)
        assert ("w" * limits.CHOICE_EXPLANATION in text) is (chosen is not None)
        assert "e" * limits.EXPLANATION in text
