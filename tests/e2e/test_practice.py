"""/practice end to end: a member alone on private messages, at their own pace, resumable for days."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.domain.runs import RunStatus
from bot.settings import Settings
from tests.discord_testbed import TestBed
from tests.discord_testbed.model import Message
from tests.discord_testbed.runner import BotFactory
from tests.helpers import labels, restart, settings_with_numbers

pytestmark = pytest.mark.fake_clock
UPDATE = 7  # Discord's "update the message the button is on"
GREEN, RED = 3, 4
TOKEN_LIFE = 15 * 60


def buttons_message(testbed: TestBed, *custom_ids: str) -> Message:
    """A message holding buttons with these custom_ids (as a forged or outdated client would send clicks for)."""
    row = [{"type": 2, "style": 1, "label": f"b{i}", "custom_id": c} for i, c in enumerate(custom_ids)]
    return testbed.new_message(
        testbed.general.id, {"content": "buttons", "components": [{"type": 1, "components": row}]}, {}
    )


@pytest.fixture
def bot_settings(testbed: TestBed, tmp_path: Path) -> Settings:
    return settings_with_numbers(testbed, tmp_path)


async def test_practice_alone_with_verdicts_explanations_and_stats_but_no_public_board(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    started = await testbed.slash("practice", {"name": "numbers"}, user=alice)
    screen = started.message
    assert started.ephemeral and screen is not None
    assert "Practice · Numbers · Question 1/3" in screen.text() and "Which number is prime?" in screen.text()
    assert labels(screen) == ["A) 4", "B) 7", "C) 9", "D) 10"]
    assert "Time's up" not in screen.text()  # no timer unless asked for
    assert screen not in testbed.visible_messages(testbed.general, user=bob)

    await clock.advance(6)
    wrong = await testbed.click(screen, "A", user=alice)
    assert wrong.response_type == UPDATE and wrong.message is screen  # the same message, updated
    text = screen.text()
    assert "❌ Not quite: you chose A, the answer is B" in text
    assert "Why B:** 7 has no divisor but 1 and itself." in text and "Why not A:** 4 is 2 × 2." in text
    assert [b.disabled for b in screen.buttons] == [True, True, True, True, False]
    assert [b.style for b in screen.buttons[:2]] == [RED, GREEN] and labels(screen)[-1] == "Next"
    assert "0 of 1 right so far" in text
    # The verdict is out, so the wrong answer is a mistake to review at once, practice unfinished or not.
    mistakes = await testbed.slash("mistakes", {}, user=alice)
    assert "Which number is prime?" in mistakes.message.text() and "1 wrong answers" in mistakes.message.text()

    await testbed.click(screen, "Next", user=alice)
    assert "Question 2/3" in screen.text() and labels(screen) == ["A) 3", "B) 5", "C) 8"]
    await clock.advance(3)
    await testbed.click(screen, "C", user=alice)
    assert "✅ Right: C" in screen.text() and "8 is 2 × 4." in screen.text() and "1 of 2 right so far" in screen.text()
    await testbed.click(screen, "Next", user=alice)
    await testbed.click(screen, "B", user=alice)
    assert labels(screen)[-1] == "See my score"
    await testbed.click(screen, "See my score", user=alice)
    assert "Practice · Numbers · finished" in screen.text() and "**2 of 3 right** (67%)" in screen.text()
    assert labels(screen) == ["Start over"]

    stats = await testbed.slash("stats", {}, user=alice)
    assert "Questions answered 3 (3 in practice)" in stats.message.text()
    assert "Accuracy 67% (2 correct)" in stats.message.text()
    board = await testbed.slash("leaderboard", {"scope": "all"}, user=alice)
    assert "Nobody has answered on this board yet." in board.message.text()
    series = await testbed.slash("leaderboard", {"scope": "series", "quiz": "numbers"}, user=alice)
    assert "alice" not in series.message.text()

    # A server that counts practice on its series board shows it there, marked as practice.
    await testbed.slash("quiz-settings", {"practice_on_series": True}, user=testbed.owner)
    series = await testbed.slash("leaderboard", {"scope": "series", "quiz": "numbers"}, user=alice)
    assert "series maths (practice counted)" in series.message.text()
    assert "alice** · 2/3 correct (3 in practice)" in series.message.text()

    again = await testbed.click(screen, "Start over", user=alice)
    assert again.response_type == UPDATE and "Question 1/3" in screen.text() and "0 of 0 right so far" in screen.text()
    runs = [await bot.storage.runs.get_run(run_id) for run_id in (1, 2)]
    assert [r.status for r in runs if r is not None] == [RunStatus.FINISHED, RunStatus.RUNNING]


async def test_unfinished_practice_continues_after_a_restart_and_a_day_and_old_buttons_still_answer(
    testbed: TestBed, bot: QuizBot, clock: FakeClock, bot_factory: BotFactory, bot_settings: Settings
) -> None:
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    first = await testbed.slash("practice", {"name": "numbers"}, user=alice)
    old = first.message
    assert old is not None
    await testbed.click(old, "B", user=alice)
    await testbed.click(old, "Next", user=alice)
    assert "Question 2/3" in old.text()

    bot = await restart(testbed, bot, bot_factory, bot_settings)
    await clock.advance(24 * 3600)
    testbed.advance(24 * 3600)  # every token of yesterday's messages has expired
    offer = await testbed.slash("practice", {"name": "numbers"}, user=alice)
    assert offer.message is not None and labels(offer.message) == ["Continue", "Start over"]
    assert "You are on question 2 of 3 (1 of 1 right so far)" in offer.message.text()
    # Yesterday's message still works: the click is a new interaction with its own token.
    late = await testbed.click(old, "C", user=alice)
    assert late.response_type == UPDATE and "✅ Right: C" in old.text()
    resumed = await testbed.click(offer.message, "Continue", user=alice)
    assert resumed.response_type == UPDATE and "Question 2/3" in offer.message.text()
    assert "✅ Right: C" in offer.message.text()  # where she is: question 2 answered, Next to go on
    assert [testbed.take_violations()] == [[]]

    fresh = await testbed.click(offer.message, "Next", user=alice)
    assert "Question 3/3" in fresh.message.text()
    stale_next = await testbed.click(old, "Next", user=alice)  # question 2's Next again, on the old message
    assert "Question 3/3" in stale_next.message.text()  # no double step: where she is now

    # Start over from a new /practice replaces the unfinished run; the old run's buttons say how to go on.
    restart_offer = await testbed.slash("practice", {"name": "numbers"}, user=alice)
    assert restart_offer.message is not None
    await testbed.click(restart_offer.message, "Start over", user=alice)
    assert "Question 1/3" in restart_offer.message.text()
    replaced = await testbed.click(old, "A", user=alice)
    assert replaced.ephemeral and replaced.response_type == 4
    assert "You started this practice over: run /practice name:numbers" in replaced.message.content

    # Another member's forged click on alice's run is refused, privately, and changes nothing.
    forged = await testbed.click(buttons_message(testbed, "qp:a:2:0:1", "qp:x:2"), user=bob, custom_id="qp:a:2:0:1")
    assert (
        forged.ephemeral and forged.message.content == "This practice is someone else's: start your own with /practice."
    )
    unknown = await testbed.click(buttons_message(testbed, "qp:x:2"), user=bob, custom_id="qp:x:2")
    assert unknown.message.content.startswith("This quiz button is no longer active")
    assert await bot.storage.private.choice_of(2, 0, bob.id) is None


async def test_a_timer_when_asked_for_and_an_answer_after_it_does_not_count(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    alice = testbed.add_member(name="alice")
    started = await testbed.slash("practice", {"name": "numbers", "seconds": 20}, user=alice)
    screen = started.message
    assert screen is not None and "Time's up <t:" in screen.text() and "20 s per question" in screen.text()
    early = await testbed.click(buttons_message(testbed, "qp:n:1:0"), custom_id="qp:n:1:0", user=alice)
    assert "Answer this question first." in early.message.text() and "Question 1/3" in early.message.text()
    await clock.advance(21)
    late = await testbed.click(screen, "B", user=alice)
    assert late.response_type == UPDATE
    assert "⏰ Time's up" in screen.text() and "Why B:** 7 has no divisor" in screen.text()
    assert await bot.storage.private.choice_of(1, 0, alice.id) is None
    await testbed.click(screen, "Next", user=alice)
    progress = await bot.storage.private.progress(1, alice.id)
    assert progress is not None and progress.deadline == clock.now() + timedelta(seconds=20)
    await clock.advance(5)
    await testbed.click(screen, "C", user=alice)
    assert "✅ Right: C" in screen.text() and "1 of 1 right so far" in screen.text()
