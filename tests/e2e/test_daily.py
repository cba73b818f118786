"""Daily questions end to end: the real bot and discord.py against the offline test bed, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.clock import FakeClock
from bot.domain.daily import Slot
from tests.discord_testbed.model import Permission
from tests.discord_testbed.testbed import TestBed

# Monday 2026-06-01, 07:00 in Berlin: two hours before the 09:00 post.
START = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
pytestmark = pytest.mark.fake_clock(START)


async def test_set_now_answer_reveal_and_streak(testbed: TestBed, running_bot: object, clock: FakeClock) -> None:
    testbed.forbid_pings = True
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    members = [testbed.add_member(name=name) for name in ("alice", "bob", "@everyone carol")]
    channel = testbed.add_channel(name="daily")

    denied = await testbed.slash(
        "daily set",
        {"channel": channel, "time": "09:00", "timezone": "Europe/Berlin", "quizzes": "day48"},
        user=members[0],
    )
    assert denied.ephemeral and "Manage Server" in denied.message.content
    choices = await testbed.autocomplete(
        "daily set",
        {"channel": channel, "time": "09:00", "timezone": "berl", "quizzes": "day48"},
        focused="timezone",
        user=admin,
    )
    assert choices[0]["value"] == "Europe/Berlin"
    wrong = await testbed.slash(
        "daily set", {"channel": channel, "time": "9am", "timezone": "Europe/Berlin", "quizzes": "day4"}, user=admin
    )
    assert wrong.ephemeral and "HH:MM" in wrong.message.content

    done = await testbed.slash(
        "daily set", {"channel": channel, "time": "09:00", "timezone": "Europe/Berlin", "quizzes": "day48"}, user=admin
    )
    assert done.ephemeral and "scheduled" in done.message.content and "Europe/Berlin" in done.message.content

    now = await testbed.slash("daily now", {"channel": channel}, user=admin)
    confirmation = await now.wait_final()
    assert "today's post" in confirmation.content
    post = await testbed.wait_for_message(channel, lambda m: bool(m.buttons))
    assert "Daily question #1" in post.text() and post.nonce

    storage = running_bot.storage
    (config,) = await storage.daily.guild_schedules(testbed.guild.id)
    stored = await storage.daily.get_post(config.id, Slot(START.date()))
    quiz = running_bot.catalog.get("day48")
    question = quiz.question(stored.question_key.split("/")[1])
    right = "ABCDE"[question.answer]
    wrong_letter = "ABCDE"[(question.answer + 1) % len(question.choices)]
    for member, letter in zip(members, (right, right, wrong_letter), strict=True):
        click = await testbed.click(post, letter, user=member)
        assert click.ephemeral
        assert click.message.content.startswith(f"Locked in: {letter} — the answer is revealed at <t:")
        assert f"<t:{int(stored.reveal_at.timestamp())}:t>" in click.message.content
    assert "got it right" not in post.text()  # nobody sees the distribution before the reveal

    await clock.advance_to(stored.reveal_at)
    reveal = await testbed.wait_for_message(channel, lambda m: m.message_reference is not None)
    text = reveal.text()
    assert f"Answer: {right})" in text and question.explanation[:40] in text
    assert "2 of 3 got it right" in text and "alice, bob" in text and "carol" not in text
    assert int(reveal.message_reference["message_id"]) == post.id

    late = await testbed.click(post, right, user=admin)
    assert "closed" in late.message.content

    streak = await testbed.slash("daily streak", {}, user=members[0])
    assert "current 1, best 1" in streak.message.content
    other = await testbed.slash("daily streak", {"member": members[2]}, user=members[0])
    assert "current 0, best 0" in other.message.content

    status = await testbed.slash("daily status", {}, user=admin)
    assert "Next post:" in status.message.content and ":F>" in status.message.content


async def test_lost_permission_pauses_and_status_says_why(
    testbed: TestBed, running_bot: object, clock: FakeClock
) -> None:
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    channel = testbed.add_channel(name="daily")
    await testbed.slash(
        "daily set", {"channel": channel, "time": "09:00", "timezone": "Europe/Berlin", "quizzes": "all"}, user=admin
    )
    testbed.deny(channel, Permission.SEND_MESSAGES)
    scheduler = running_bot.scheduler
    await clock.advance_to(datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    await scheduler.wait_idle()
    assert [r.status for r in testbed.calls("POST", "/channels/{channel_id}/messages")] == [403]
    shown = await testbed.slash("daily status", {}, user=admin)
    assert "Paused" in shown.message.content and "50013" in shown.message.content
    resumed = await testbed.slash(
        "daily set", {"channel": channel, "time": "09:00", "timezone": "Europe/Berlin", "quizzes": "all"}, user=admin
    )
    assert "Paused" not in resumed.message.content
