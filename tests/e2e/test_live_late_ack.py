"""A click that Discord has already given up on (10062) costs one log line, not a traceback storm.

Under overload every late click used to log two chained tracebacks and send a second doomed request,
which made the next clicks later still (measured in docs/performance.md).
"""

from __future__ import annotations

import logging

import pytest

from bot.app import QuizBot
from tests.discord_testbed import TestBed
from tests.helpers import fast_settings, right, start_fast_quiz, stored_choice

pytestmark = pytest.mark.fake_clock


async def test_a_click_acknowledged_too_late_logs_one_line_and_keeps_the_answer(
    testbed: TestBed, running_bot: object, caplog: pytest.LogCaptureFixture
) -> None:
    assert isinstance(running_bot, QuizBot)
    quiz = running_bot.catalog.get("day48")
    assert quiz is not None
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    q1 = await start_fast_quiz(testbed, alice)
    caplog.set_level(logging.INFO)

    testbed.interaction_deadline = 0.0  # whatever the bot answers now arrives after Discord's deadline
    click = await testbed.click(q1, right(quiz, 0), user=alice, wait=False)
    await testbed.wait_until(
        lambda: any("10062" in r.getMessage() for r in caplog.records), what="the too-late log line"
    )

    assert len(testbed.take_violations("late-response")) == 1, "one callback, never a second attempt"
    assert click.response_type is None
    ours = [r for r in caplog.records if r.name.startswith(("cogs", "bot", "discord"))]  # not GC noise of others
    assert not [r for r in ours if r.exc_info or r.levelno >= logging.ERROR], "no traceback, no error"
    assert await stored_choice(running_bot.storage, 1, 0, alice.id) == quiz.questions[0].answer
