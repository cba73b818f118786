"""/review and /mistakes panels: what they say, and that the largest quiz content stays within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord

from bot.domain import limits
from bot.domain.quiz import Question
from bot.domain.review import (
    CardPhase,
    CardQuestion,
    Graded,
    GradeOutcome,
    Mistake,
    MistakesPage,
    ReviewCard,
    ReviewCounts,
    ReviewQueue,
)
from bot.ui.review import mistakes_panel, review_panel, verdict_panel

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MINUTE = 10**10 - 1  # the widest minute a custom_id holds
LARGEST = Question(
    "q" * 40,
    "p" * limits.PROMPT,
    tuple("c" * limits.CHOICE for _ in range(5)),
    4,
    explanation="e" * limits.EXPLANATION,
    image="https://example.com/p.png",
    choice_explanations=("w" * limits.CHOICE_EXPLANATION,) * 5,
)
CARD = ReviewCard(10**18 - 1, 1, 2, "q" * 32, "q" * 40, 3, 99, AT, CardPhase.LEARNING, 99_999, 3, AT, "{}")
SHOWN = CardQuestion(CARD, "T" * limits.QUIZ_TITLE, LARGEST, 4)
COUNTS = ReviewCounts(cards=900, due=12, mature=40, next_due=AT + timedelta(days=1))


def buttons(view: discord.ui.View) -> list[discord.ui.Button[discord.ui.View]]:
    """The view's buttons (each persistent one wrapped in its DynamicItem)."""
    found = [item.item if isinstance(item, discord.ui.DynamicItem) else item for item in view.children]
    assert all(isinstance(button, discord.ui.Button) for button in found)
    return found


def within_limits(embed: discord.Embed, view: discord.ui.View) -> None:
    assert len(embed.title or "") <= limits.EMBED_TITLE
    assert len(embed.description or "") <= limits.EMBED_DESCRIPTION
    assert all(len(f.value or "") <= limits.EMBED_FIELD_VALUE for f in embed.fields)
    assert len(embed) <= limits.EMBED_TOTAL
    custom_ids = [button.custom_id for button in buttons(view)]
    assert all(c is not None and len(c) <= limits.CUSTOM_ID for c in custom_ids)
    assert len(set(custom_ids)) == len(custom_ids)


def test_a_card_shows_its_question_and_one_button_per_choice() -> None:
    embed, view = review_panel(ReviewQueue(SHOWN, COUNTS), MINUTE)
    within_limits(embed, view)
    assert embed.title == "Review · 12 due" and embed.image.url == "https://example.com/p.png"
    assert [(b.label or "")[:2] for b in buttons(view)] == ["A)", "B)", "C)", "D)", "E)"]
    assert "**12** due now · next <t:" in (embed.description or "")


def test_the_verdict_shows_the_key_the_pick_and_why_within_limits() -> None:
    graded = Graded(GradeOutcome.RECORDED, SHOWN, 0, False, AT + timedelta(minutes=1), COUNTS)
    embed, view = verdict_panel(graded, MINUTE)
    within_limits(embed, view)
    assert embed.title == "❌ Not this time: the answer is E"
    assert [f.name for f in embed.fields] == ["Explanation", "Why not A", "Next"]
    assert [b.label for b in buttons(view)] == ["Next"]
    last = ReviewCounts(cards=900, due=0, mature=40, next_due=AT)
    embed, view = verdict_panel(Graded(GradeOutcome.ALREADY, SHOWN, 4, True, AT, last), MINUTE)
    assert embed.title.startswith("Already answered") and view.children == []
    assert "comes back" not in embed.fields[-1].value


def test_nothing_due_says_when_the_next_card_is_or_how_cards_are_made() -> None:
    embed, view = review_panel(ReviewQueue(None, ReviewCounts(3, 0, 1, AT)), MINUTE)
    assert "All caught up: nothing due now · next <t:" in (embed.description or "") and view.children == []
    embed, _ = review_panel(ReviewQueue(None, ReviewCounts(0, 0, 0, None)), MINUTE)
    assert "no review cards here yet" in (embed.description or "")


def test_a_page_of_the_largest_mistakes_stays_within_limits() -> None:
    mistake = Mistake(1, "q" * 32, "T" * limits.QUIZ_TITLE, LARGEST, 0, 4, AT)
    page = MistakesPage("q" * 32, 999_997, 999_999, 5 * 999_999, (mistake,) * 5)
    embed, view = mistakes_panel(page, MINUTE)
    within_limits(embed, view)
    assert (embed.description or "").count("❌ you: **A)**") == 5
    assert [(b.label, b.disabled) for b in buttons(view)] == [
        ("Previous", False),
        ("Next", False),
    ]
