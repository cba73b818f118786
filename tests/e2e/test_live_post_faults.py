"""Question posts that fail on the way (5xx, network): sent again with their nonce, never twice, never skipped."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.live.runner import RETRY
from tests.discord_testbed import Message, TestBed
from tests.helpers import eventually, fast_settings, question_message, revealed, right, start_fast_quiz

MESSAGES = "/channels/{channel_id}/messages"
EDIT = "/channels/{channel_id}/messages/{message_id}"


pytestmark = pytest.mark.fake_clock


def question_posts(testbed: TestBed, number: int) -> list[Message]:
    return [
        m
        for m in testbed.visible_messages(testbed.general)
        if m.embed and str(m.embed.get("title", "")).startswith(f"Question {number}/")
    ]


@pytest.mark.parametrize("fault", ["503-after-it-arrived", "connection-dropped-before"])
async def test_a_question_post_that_fails_on_the_way_is_posted_once_with_its_full_time(
    testbed: TestBed, bot: QuizBot, clock: FakeClock, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    await fast_settings(testbed, testbed.owner)
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    q1 = await start_fast_quiz(testbed, alice)
    if fault.startswith("503"):
        failing = testbed.fail("POST", MESSAGES, status=503, files=False, after=True)
    else:
        failing = testbed.drop_connection("POST", MESSAGES, files=False)
    await testbed.click(q1, "Next", user=alice)
    await revealed(testbed, q1)

    await testbed.wait_until(lambda: failing.spent, what="question 2's first try")
    await testbed.wait_until(lambda: clock.next_wakeup is not None, what="the back-off")
    assert clock.next_wakeup == clock.now() + RETRY.delay(1)
    await clock.advance(RETRY.delay(1))
    q2 = await question_message(testbed, testbed.general, 2, 10)

    async def recorded() -> bool:
        stored = await bot.storage.runs.get_question(1, 1)
        return stored is not None and stored.message_id == q2.id

    await eventually(recorded, what="the post to be recorded")
    question = await bot.storage.runs.get_question(1, 1)
    assert question is not None and question.deadline is not None
    assert question.deadline == clock.now() + timedelta(seconds=30), "the retry did not eat into its time"
    countdown = f"<t:{int(question.deadline.timestamp())}:R>"
    await testbed.wait_until(lambda: countdown in q2.text(), what="the post to show the full countdown")

    assert len(question_posts(testbed, 2)) == 1, "never two copies"
    tries = [r for r in testbed.calls("POST", MESSAGES) if r.body and r.body.get("nonce") == "qz1q1"]
    assert len(tries) == 2
    locked = await testbed.click(q2, right(quiz, 1), user=bob)
    assert locked.message.content == f"Locked in: {right(quiz, 1)}"
    await clock.advance(30)
    await revealed(testbed, q2)
    assert "1 of 1 right" in q2.text()
    await question_message(testbed, testbed.general, 3, 10)  # and the quiz goes on
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.live.runner" and r.levelno >= logging.WARNING]
    assert "posting question 2" in line and "the same request again in 2 s" in line
    assert not [r for r in caplog.records if r.exc_info]
