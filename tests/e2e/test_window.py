"""/quiz window: end to end: one post, each member through the quiz privately, the results at the close."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.domain.runs import RunStatus
from bot.settings import Settings
from tests.discord_testbed import TestBed
from tests.discord_testbed.model import Message, User
from tests.discord_testbed.runner import BotFactory
from tests.helpers import eventually, labels, restart, settings_with_numbers, titled

pytestmark = pytest.mark.fake_clock
UPDATE, NEW_MESSAGE = 7, 4


@pytest.fixture
def bot_settings(testbed: TestBed, tmp_path: Path) -> Settings:
    return settings_with_numbers(testbed, tmp_path)


async def take(testbed: TestBed, post: Message, member: User, letters: str) -> Message:
    """The member presses Start and answers the next questions with `letters`; their private message."""
    started = await testbed.click(post, "Start", user=member)
    assert started.ephemeral and started.response_type == NEW_MESSAGE
    screen = started.message
    assert screen is not None
    for letter in letters:
        answered = await testbed.click(screen, letter, user=member)
        assert answered.response_type == UPDATE and f"Locked in: {letter}" in screen.text()
    return screen


async def test_members_take_an_open_quiz_privately_and_the_results_come_at_the_close_after_a_restart(
    testbed: TestBed, bot: QuizBot, clock: FakeClock, bot_factory: BotFactory, bot_settings: Settings
) -> None:
    testbed.forbid_pings = True
    alice, bob, cy = (testbed.add_member(name=n) for n in ("alice", "bob", "cy"))
    opened = await testbed.slash("quiz", {"name": "numbers", "window": "24h"}, user=alice)
    assert opened.ephemeral and "Opened **Numbers** here until <t:" in opened.message.content
    assert "(1 d)" in opened.message.content
    post = await testbed.wait_for_message(testbed.general, titled("Numbers"))
    assert labels(post) == ["Start"] and "**3** questions · open until <t:" in post.text()

    bob_screen = await take(testbed, post, bob, "BC")
    assert "Question 3/3" in bob_screen.text() and "The quiz closes <t:" in bob_screen.text()
    assert "✅" not in bob_screen.text() and "right" not in bob_screen.text()  # no verdict before the close
    await clock.advance(30)
    last = await testbed.click(bob_screen, "B", user=bob)
    assert "all done" in last.message.text() and "You answered all 3 questions" in last.message.text()
    assert labels(bob_screen) == []
    again = await testbed.click(post, "Start", user=bob)
    assert "You answered all 3 questions" in again.message.text()

    cy_screen = await take(testbed, post, cy, "A")
    back = await testbed.click(post, "Start", user=cy)  # a new private message: where he is, and the close
    assert "Question 2/3" in back.message.text() and "The quiz closes <t:" in back.message.text()
    old_question = await testbed.click(cy_screen, "B", user=cy)  # question 2 from the first message, still fine
    assert "Locked in: B" in old_question.message.text() and "Question 3/3" in old_question.message.text()
    twice = await testbed.click(back.message, "C", user=cy)  # question 2 again, from the second message
    assert "You already answered B" in twice.message.text()

    hidden = await testbed.slash("leaderboard", {"scope": "run"}, user=cy)
    assert "is still open for answers" in hidden.message.content
    early = await testbed.slash("mistakes", {}, user=cy)  # no key before the close, not even there
    assert "No wrong answers here yet" in early.message.text()
    busy = await testbed.slash("quiz", {"name": "day48", "window": "2h"}, user=cy)
    assert busy.message.content.startswith("A quiz is already open here until <t:")

    # Down across the close: the next start closes it and posts the results, once.
    await bot.close()
    await clock.advance(24 * 3600)
    testbed.advance(24 * 3600)
    bot = await restart(testbed, bot, bot_factory, bot_settings)
    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results: Numbers"))
    board = results.embed["description"].splitlines()
    assert board[0].startswith("🥇 bob — 3 pts · 3/3 right") and board[1].startswith("🥈 cy — 0 pts · 0/3 right")
    distribution = await testbed.wait_for_message(testbed.general, titled("Answers per question"))
    assert "✅ **B)** `█████░░░░░` 1 (50%)" in distribution.text() and "1 of 2 right" in distribution.text()
    await testbed.wait_for_message(testbed.general, titled("Answers and explanations"))
    assert "7 has no divisor but 1 and itself." in "\n".join(
        m.text() for m in testbed.visible_messages(testbed.general)
    )

    async def posted() -> bool:
        run = await bot.storage.runs.get_run(1)
        return run is not None and run.status is RunStatus.FINISHED and run.results_done

    await eventually(posted, what="the window to be closed and its results posted")
    mistakes = await testbed.slash("mistakes", {}, user=cy)
    assert "Which number is even?" in mistakes.message.text() and "2 wrong answers" in mistakes.message.text()
    mine = await testbed.click(results, "My answers", user=cy)
    assert "you: **A** · correct: **B**" in mine.message.text() and "0 of 3 right" in mine.message.text()
    closed = await testbed.click(cy_screen, "A", user=cy)
    assert closed.response_type == NEW_MESSAGE
    assert (
        closed.message.content.startswith("This quiz closed <t:")
        and f"<#{testbed.general.id}>" in closed.message.content
    )
    late_start = await testbed.click(post, "Start", user=alice)
    assert late_start.message.content.startswith("This quiz closed")
    bot = await restart(testbed, bot, bot_factory, bot_settings)
    assert len([m for m in testbed.visible_messages(testbed.general) if titled("🏆 Results")(m)]) == 1


async def test_quiz_stop_closes_a_window_early_and_its_deadline_closes_it_on_time(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    wrong = await testbed.slash("quiz", {"name": "numbers", "window": "forever"}, user=alice)
    assert "“forever” is not a duration: write it like 30m, 24h, 2d or 1d12h" in wrong.message.content
    timed = await testbed.slash("quiz", {"name": "numbers", "window": "1h", "seconds": 20}, user=alice)
    assert timed.message.content.startswith("An open window has no timer")
    long = await testbed.slash("quiz", {"name": "numbers", "window": "8d"}, user=alice)
    assert "at most 7 days" in long.message.content

    await testbed.slash("quiz", {"name": "numbers", "window": "2h"}, user=alice)
    post = await testbed.wait_for_message(testbed.general, titled("Numbers"))
    await take(testbed, post, bob, "B")
    refused = await testbed.slash("quiz-stop", user=bob)
    assert refused.message.content.startswith(f"Only <@{alice.id}>")
    stopped = await testbed.slash("quiz-stop", user=alice)
    assert stopped.message.content == "Quiz stopped; the results are being posted."
    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results: Numbers"))
    assert results.embed["description"].startswith("🥇 bob — 1 pt · 1/3 right")
    run = await bot.storage.runs.get_run(1)
    assert run is not None and run.status is RunStatus.STOPPED

    # A second window closes by itself at its deadline, the bot running all along.
    other = testbed.add_channel(name="study")
    await testbed.slash("quiz", {"name": "numbers", "window": "30m"}, user=bob, channel=other)
    second = await testbed.wait_for_message(other, titled("Numbers"))
    await take(testbed, second, alice, "BCB")
    await clock.advance(29 * 60)
    assert not [m for m in testbed.visible_messages(other) if titled("🏆 Results")(m)]
    await clock.advance(60)
    closed = await testbed.wait_for_message(other, titled("🏆 Results: Numbers"))
    assert closed.embed["description"].startswith("🥇 alice — 3 pts · 3/3 right")
