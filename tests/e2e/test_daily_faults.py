"""Daily posts and reveals when Discord refuses or fails them (issue 13): the real bot against the test bed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.daily.scheduler import RETRY, DailyScheduler
from bot.domain.clock import FakeClock
from bot.domain.daily import PostStatus, Slot
from tests.discord_testbed.model import Channel, Message, Permission
from tests.discord_testbed.testbed import TestBed

START = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # Monday 07:00 in Berlin
POST_AT = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 in Berlin
REVEAL_AT = POST_AT + timedelta(hours=2)
MESSAGES = "/channels/{channel_id}/messages"


pytestmark = pytest.mark.fake_clock(START)


async def daily_channel(testbed: TestBed, bot: Any) -> tuple[Channel, DailyScheduler]:
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    channel = testbed.add_channel(name="daily")
    done = await testbed.slash(
        "daily set",
        {"channel": channel, "time": "09:00", "timezone": "Europe/Berlin", "quizzes": "day48", "reveal": 2},
        user=admin,
    )
    assert "scheduled" in done.message.content
    scheduler: DailyScheduler = bot.scheduler
    await scheduler.wait_idle()
    return channel, scheduler


async def at(clock: FakeClock, scheduler: DailyScheduler, when: datetime) -> None:
    await clock.advance_to(when)
    await scheduler.wait_idle()


def questions(testbed: TestBed, channel: Channel) -> list[Message]:
    return [m for m in testbed.visible_messages(channel) if m.buttons]


def reveals(testbed: TestBed, channel: Channel) -> list[Message]:
    return [m for m in testbed.visible_messages(channel) if m.embed and "Answer:" in m.text()]


def scheduler_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    records = [r for r in caplog.records if r.name == "bot.daily.scheduler" and r.levelno >= logging.WARNING]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "one line, no traceback"
    return [r.getMessage() for r in records]


async def post_status(bot: Any, slot_date: datetime) -> PostStatus:
    (config,) = await bot.storage.daily.guild_schedules(bot.guilds[0].id)
    post = await bot.storage.daily.get_post(config.id, Slot(slot_date.date()))
    assert post is not None
    return PostStatus(post.status)


async def test_a_question_post_that_fails_on_the_way_is_sent_again_with_its_nonce(
    testbed: TestBed, running_bot: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    channel, scheduler = await daily_channel(testbed, running_bot)
    failing = testbed.fail("POST", MESSAGES, status=503, after=True)  # it arrives; only the answer is lost
    await at(clock, scheduler, POST_AT)
    assert failing.spent and len(questions(testbed, channel)) == 1  # members already see it
    assert scheduler.next_wakeup == POST_AT + RETRY.delay(1)
    assert await post_status(running_bot, POST_AT) is PostStatus.CLAIMED

    await at(clock, scheduler, POST_AT + RETRY.delay(1))
    (question,) = questions(testbed, channel)
    assert await post_status(running_bot, POST_AT) is PostStatus.POSTED
    tries = [r for r in testbed.calls("POST", MESSAGES) if r.body and r.body.get("components")]
    assert [r.status for r in tries] == [503, 200] and len({r.body["nonce"] for r in tries}) == 1
    bob = testbed.add_member(name="bob")
    click = await testbed.click(question, "A", user=bob)
    assert click.message.content.startswith("Locked in: A")
    (line,) = scheduler_lines(caplog)
    assert "failed (try 1)" in line and "503 Service Unavailable" in line


async def test_a_refused_question_post_is_skipped_not_sent_again_and_the_schedule_goes_on(
    testbed: TestBed, running_bot: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    channel, scheduler = await daily_channel(testbed, running_bot)
    testbed.fail("POST", MESSAGES, status=400)
    await at(clock, scheduler, POST_AT)
    await at(clock, scheduler, POST_AT + timedelta(minutes=30))

    assert questions(testbed, channel) == []
    assert len(testbed.calls("POST", MESSAGES)) == 1, "never sent again as is"
    assert await post_status(running_bot, POST_AT) is PostStatus.SKIPPED
    (config,) = await running_bot.storage.daily.guild_schedules(testbed.guild.id)
    assert config.paused_reason is None
    (line,) = scheduler_lines(caplog)
    assert "daily skip" in line and "Discord refused the post: posting in the daily channel: 400" in line
    await at(clock, scheduler, POST_AT + timedelta(days=1))
    assert len(questions(testbed, channel)) == 1, "the next day's question goes out"


async def posted_and_answered(testbed: TestBed, bot: Any, clock: FakeClock) -> tuple[Channel, DailyScheduler, Message]:
    channel, scheduler = await daily_channel(testbed, bot)
    await at(clock, scheduler, POST_AT)
    (question,) = questions(testbed, channel)
    await testbed.click(question, "A", user=testbed.add_member(name="alice"))
    return channel, scheduler, question


@pytest.mark.parametrize("arrived", [False, True], ids=["lost-on-the-way-in", "answer-lost-on-the-way-back"])
async def test_a_reveal_that_fails_on_the_way_is_sent_again_with_its_nonce_and_shown_once(
    testbed: TestBed, running_bot: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture, arrived: bool
) -> None:
    channel, scheduler, question = await posted_and_answered(testbed, running_bot, clock)
    testbed.fail("POST", MESSAGES, status=503, times=2, after=arrived)
    await at(clock, scheduler, REVEAL_AT)
    assert scheduler.next_wakeup == REVEAL_AT + RETRY.delay(1)
    await at(clock, scheduler, REVEAL_AT + RETRY.delay(1))
    assert scheduler.next_wakeup == REVEAL_AT + RETRY.delay(1) + RETRY.delay(2), "the back-off grows"
    await at(clock, scheduler, REVEAL_AT + RETRY.delay(1) + RETRY.delay(2))

    (reveal,) = reveals(testbed, channel)
    assert int(reveal.message_reference["message_id"]) == question.id
    assert await post_status(running_bot, POST_AT) is PostStatus.REVEALED
    lines = scheduler_lines(caplog)
    assert len(lines) == 2 and all("503" in line and "the same reveal again" in line for line in lines)


async def test_a_reveal_refused_as_a_reply_goes_out_alone(
    testbed: TestBed, running_bot: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    channel, scheduler, _ = await posted_and_answered(testbed, running_bot, clock)
    # Replying takes Read Message History; the reveal's text does not need the reply.
    testbed.deny(channel, Permission.READ_MESSAGE_HISTORY)
    await at(clock, scheduler, REVEAL_AT)

    (reveal,) = reveals(testbed, channel)
    assert reveal.message_reference is None and "of 1 got it right" in reveal.text()
    assert await post_status(running_bot, POST_AT) is PostStatus.REVEALED
    (config,) = await running_bot.storage.daily.guild_schedules(testbed.guild.id)
    assert config.paused_reason is None, "the channel is usable: no pause"
    sent = [r for r in testbed.calls("POST", MESSAGES) if r.body and r.body.get("nonce", "").startswith("r")]
    assert [r.status for r in sent] == [403, 200] and sent[0].body["nonce"] == sent[1].body["nonce"]
    (line,) = scheduler_lines(caplog)
    assert "refused as a reply" in line and "sending it alone" in line


async def test_a_reveal_refused_in_both_forms_is_left_out_once_and_the_schedule_goes_on(
    testbed: TestBed, running_bot: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    channel, scheduler, _ = await posted_and_answered(testbed, running_bot, clock)
    testbed.fail("POST", MESSAGES, status=400, times=2)
    await at(clock, scheduler, REVEAL_AT)
    await at(clock, scheduler, REVEAL_AT + timedelta(minutes=30))

    assert reveals(testbed, channel) == []
    assert len(testbed.calls("POST", MESSAGES)) == 2 + 1, "the question, then the reveal once in each form"
    assert await post_status(running_bot, POST_AT) is PostStatus.REVEALED
    (config,) = await running_bot.storage.daily.guild_schedules(testbed.guild.id)
    assert config.paused_reason is None
    lines = scheduler_lines(caplog)
    assert len(lines) == 2 and "sending it alone" in lines[0] and "left out" in lines[1]
