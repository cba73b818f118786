"""Live quizzes when things go wrong: a slow database, a rate-limited channel, a permission lost mid-run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import cogs.live_views
from bot.app import QuizBot, create_bot
from bot.domain.clock import FakeClock
from bot.domain.runs import AnswerResult
from bot.settings import Settings
from tests.discord_testbed import TestBed
from tests.discord_testbed.runner import BotFactory
from tests.test_live_quiz import START, fast_settings, right, start_fast_quiz

CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
DEFERRED_CHANNEL_MESSAGE = 5
EPHEMERAL = 1 << 6
SLOW_COMMIT_SECONDS = 0.3


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def bot_factory(clock: FakeClock) -> BotFactory:
    def factory(settings: Settings) -> QuizBot:
        return create_bot(settings, clock=clock)

    return factory


@pytest.fixture
def bot(running_bot: object) -> QuizBot:
    assert isinstance(running_bot, QuizBot)
    return running_bot


async def test_a_slow_commit_is_deferred_ephemerally_then_confirmed(
    testbed: TestBed, bot: QuizBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    q1 = await start_fast_quiz(testbed, alice)

    # A busy disk: the commit takes longer than the (shortened) budget for answering directly.
    monkeypatch.setattr(cogs.live_views, "ACK_BUDGET_SECONDS", 0.05)
    record_answer = bot.storage.runs.record_answer
    committed_at: list[float] = []

    async def slow_record_answer(**kwargs: Any) -> AnswerResult:
        await asyncio.sleep(SLOW_COMMIT_SECONDS)
        result = await record_answer(**kwargs)
        committed_at.append(time.monotonic())
        return result

    monkeypatch.setattr(bot.storage.runs, "record_answer", slow_record_answer)
    click = await testbed.click(q1, right(quiz, 0), user=alice)
    final = await click.wait_final()

    (callback,) = [r for r in testbed.calls("POST", CALLBACK_ROUTE) if r.body.get("type") == DEFERRED_CHANNEL_MESSAGE]
    assert callback.body["data"]["flags"] & EPHEMERAL
    assert click.response_type == DEFERRED_CHANNEL_MESSAGE
    assert committed_at and callback.at < committed_at[0], "the defer must reach Discord before the commit ends"
    assert final.ephemeral and final.content == f"Locked in: {right(quiz, 0)}"
    assert await bot.storage.runs.member_answer(1, 0, alice.id) == quiz.questions[0].answer
    # Teardown fails the test on any late-response (10062) or double-ack (40060) violation.
