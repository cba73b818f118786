"""Answer clicks whose interaction callback fails with a 5xx (issue 13): "Locked in" only for a stored answer,
and a stored answer is never lost. discord.py sends a failed callback again by itself after a real second
(its own back-off, not the bot's clock): each test here waits for that once.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import pytest

from bot.app import QuizBot
from bot.domain.quiz import Quiz
from bot.domain.runs import AnswerResult
from bot.ui import live_buttons
from tests.discord_testbed import InteractionResult, Message, TestBed, User
from tests.helpers import fast_settings, right, start_fast_quiz, stored_choice

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
DEFERRED = 5
WAIT_FOR_DISCORD_PY_RETRY = 5.0  # discord.py sleeps 1 s (real time) before sending a failed callback again


pytestmark = pytest.mark.fake_clock


async def first_question(testbed: TestBed, bot: QuizBot) -> tuple[Quiz, User, Message]:
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    return quiz, alice, await start_fast_quiz(testbed, alice)


def callbacks(testbed: TestBed, click: InteractionResult) -> list[int]:
    """The statuses Discord answered this click's callbacks with."""
    mine = f"/interactions/{click.interaction.id}/"
    return [r.status for r in testbed.calls("POST", CALLBACK) if mine in r.path]


async def retried(testbed: TestBed, click: InteractionResult) -> list[int]:
    await testbed.wait_until(lambda: len(callbacks(testbed, click)) == 2, timeout=3, what="discord.py's retry")
    return callbacks(testbed, click)


def quiet(caplog: pytest.LogCaptureFixture) -> None:
    ours = [r for r in caplog.records if r.name.startswith(("cogs", "bot", "discord"))]
    assert not [r for r in ours if r.exc_info or r.levelno >= logging.ERROR], "no traceback, no error"


@pytest.mark.parametrize("arrived", [False, True], ids=["lost-on-the-way-in", "answer-lost-on-the-way-back"])
async def test_a_reply_that_fails_with_a_5xx_still_says_locked_in_once_for_the_stored_answer(
    testbed: TestBed, bot: QuizBot, caplog: pytest.LogCaptureFixture, arrived: bool
) -> None:
    quiz, alice, q1 = await first_question(testbed, bot)
    caplog.set_level(logging.INFO)
    failing = testbed.fail("POST", CALLBACK, status=503, after=arrived)
    click = await testbed.click(q1, right(quiz, 0), user=alice, timeout=WAIT_FOR_DISCORD_PY_RETRY)
    statuses = await retried(testbed, click)

    assert failing.spent
    assert click.ephemeral and click.message.content == f"Locked in: {right(quiz, 0)}"
    assert [m.content for m in testbed.ephemerals(alice)][-1] == f"Locked in: {right(quiz, 0)}"
    assert len([m for m in testbed.ephemerals(alice) if m.content.startswith("Locked in")]) == 1, "said once"
    assert await stored_choice(bot.storage, 1, 0, alice.id) == quiz.questions[0].answer
    # On the way back the reply had arrived: the retry gets 40060, which is no bot bug (no violation).
    assert statuses == ([503, 400] if arrived else [503, 200])
    quiet(caplog)


async def test_a_deferred_click_whose_defer_answer_was_lost_is_still_confirmed(
    testbed: TestBed, bot: QuizBot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiz, alice, q1 = await first_question(testbed, bot)
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(live_buttons, "ACK_BUDGET_SECONDS", 0.0)
    monkeypatch.setattr(live_buttons, "COMMIT_GRACE_SECONDS", 0.0)
    record_answer = bot.storage.runs.record_answer
    commit = asyncio.Event()

    async def held_record_answer(**kwargs: Any) -> AnswerResult:
        await commit.wait()  # a busy disk: the commit ends only once the test says so
        return await record_answer(**kwargs)

    monkeypatch.setattr(bot.storage.runs, "record_answer", held_record_answer)
    testbed.fail("POST", CALLBACK, status=503, after=True)  # Discord shows "thinking…", the bot hears 503
    click = await testbed.click(q1, right(quiz, 0), user=alice, timeout=WAIT_FOR_DISCORD_PY_RETRY)
    assert click.response_type == DEFERRED
    assert await retried(testbed, click) == [503, 400]
    commit.set()

    final = await click.wait_final()
    assert final.ephemeral and final.content == f"Locked in: {right(quiz, 0)}"
    assert await stored_choice(bot.storage, 1, 0, alice.id) == quiz.questions[0].answer
    quiet(caplog)


async def test_a_reply_that_cannot_arrive_in_time_loses_nothing_and_the_next_click_says_so(
    testbed: TestBed, bot: QuizBot, caplog: pytest.LogCaptureFixture
) -> None:
    quiz, alice, q1 = await first_question(testbed, bot)
    caplog.set_level(logging.INFO)
    failing = testbed.fail("POST", CALLBACK, status=503)
    click = await testbed.click(q1, right(quiz, 0), user=alice, wait=False)
    await testbed.wait_until(lambda: failing.spent, what="the first try")
    testbed.interaction_deadline = 0.0  # discord.py's retry comes after Discord's 3 s
    await testbed.wait_until(
        lambda: any("10062" in r.getMessage() for r in caplog.records),
        timeout=WAIT_FOR_DISCORD_PY_RETRY,
        what="the too-late log line",
    )
    assert len(testbed.take_violations("late-response")) == 1
    assert click.response_type is None, "the member saw no reply, so was never told Locked in"
    (line,) = [r.getMessage() for r in caplog.records if "10062" in r.getMessage()]
    assert line.endswith("answer recorded")
    assert await stored_choice(bot.storage, 1, 0, alice.id) == quiz.questions[0].answer

    testbed.interaction_deadline = 3.0
    again = await testbed.click(q1, right(quiz, 0), user=alice)
    assert again.message.content == f"You already answered {right(quiz, 0)}", "the stored answer was kept"
    quiet(caplog)


async def test_a_commit_that_fails_is_never_confirmed_even_when_the_reply_is_retried(
    testbed: TestBed, bot: QuizBot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiz, alice, q1 = await first_question(testbed, bot)

    async def locked(**kwargs: Any) -> AnswerResult:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(bot.storage.runs, "record_answer", locked)
    testbed.fail("POST", CALLBACK, status=503, after=True)
    click = await testbed.click(q1, right(quiz, 0), user=alice, timeout=WAIT_FOR_DISCORD_PY_RETRY)
    assert await retried(testbed, click) == [503, 400]

    assert click.ephemeral and click.message.content.startswith("Your answer was not recorded")
    assert not [m for m in testbed.ephemerals(alice) if "Locked in" in m.content]
    assert await stored_choice(bot.storage, 1, 0, alice.id) is None
    (failure,) = [r for r in caplog.records if r.exc_info]
    assert failure.getMessage().startswith("recording an answer failed"), "the one traceback is the bug's"
