"""A live quiz in a thread, and a daily channel deleted under a schedule, end to end through the test bed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.domain.quiz import letter_of
from tests.discord_testbed import Permission, TestBed
from tests.helpers import titled

# Monday 2026-06-01, 07:00 in Berlin: two hours before a 09:00 daily post.
START = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
NINE_IN_BERLIN = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
pytestmark = pytest.mark.fake_clock(START)


async def test_a_live_quiz_runs_in_a_thread_to_its_results(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    thread = testbed.add_thread(testbed.general, name="week 1 review")
    await testbed.wait_until(lambda: bot.get_channel(thread.id), what="the bot to see the thread")
    fast = await testbed.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=testbed.owner)
    assert "Lead before the first question: 0 s" in fast.message.content
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    total = len(quiz.questions)

    started = await testbed.slash("quiz", {"name": "day48"}, user=alice, channel=thread)
    assert started.ephemeral and "Starting" in started.message.content, started.message.content
    for index, question in enumerate(quiz.questions):
        message = await testbed.wait_for_message(thread, titled(f"Question {index + 1}/{total}"))
        locked = await testbed.click(message, question.answer_letter, user=alice)
        assert locked.ephemeral and locked.message.content == f"Locked in: {question.answer_letter}"
        await testbed.click(message, letter_of((question.answer + 1) % len(question.choices)), user=bob)
        await testbed.click(message, "Next", user=alice)
        await testbed.wait_until(lambda m=message: all(b.disabled for b in m.buttons), what="the reveal")

    results = await testbed.wait_for_message(thread, titled("🏆 Results"))
    board = results.embed["description"].splitlines()
    assert [line.split(" — ")[0] for line in board] == ["🥇 alice", "🥈 bob"]
    await testbed.wait_for_message(thread, titled("Answers and explanations"))
    assert testbed.visible_messages(testbed.general) == [], "nothing of the run leaks into the parent channel"
    mine = await testbed.click(results, "My answers", user=bob)
    assert mine.ephemeral and f"0 of {total} right" in mine.message.text()


async def test_quiz_in_a_thread_without_send_messages_in_threads_is_refused_naming_it(
    testbed: TestBed, bot: QuizBot
) -> None:
    alice = testbed.add_member(name="alice")
    thread = testbed.add_thread(testbed.general, name="locked for the bot")
    testbed.deny(testbed.general, Permission.SEND_MESSAGES_IN_THREADS)  # the bot may still post in #general
    await testbed.wait_until(lambda: bot.get_channel(thread.id), what="the bot to see the thread")

    refused = await testbed.slash("quiz", {"name": "day48"}, user=alice, channel=thread)

    assert refused.ephemeral
    assert "missing the Send Messages in Threads permission" in refused.message.content
    assert testbed.calls("POST", "/channels/{channel_id}/messages") == []


async def test_a_deleted_daily_channel_pauses_its_schedule_and_other_guilds_still_post(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    testbed.forbid_pings = True
    other_guild = testbed.add_guild("Other Guild")
    schedules = []
    for guild in (testbed.guild, other_guild):
        admin = testbed.add_member(guild, name="admin", permissions=Permission.MANAGE_GUILD)
        channel = testbed.add_channel(guild, name="daily")
        done = await testbed.slash(
            "daily set",
            {"channel": channel, "time": "09:00", "timezone": "Europe/Berlin", "quizzes": "day48"},
            user=admin,
            channel=channel,
        )
        assert "scheduled" in done.message.content, done.message.content
        schedules.append((admin, channel))
    (admin, deleted), (_, surviving) = schedules

    testbed.delete_channel(deleted)
    await testbed.wait_until(lambda: bot.get_channel(deleted.id) is None, what="the bot to see the deletion")
    await clock.advance_to(NINE_IN_BERLIN)
    await bot.scheduler.wait_idle()

    post = await testbed.wait_for_message(surviving, lambda m: bool(m.buttons))
    assert "Daily question #1" in post.text()
    status = await testbed.slash("daily status", {}, user=admin, channel=testbed.general)
    assert status.ephemeral
    assert "Paused" in status.message.content and "was deleted" in status.message.content
    assert "Run /daily set with another channel" in status.message.content
    assert "Next post:" not in status.message.content  # paused: nothing is due until an admin acts
