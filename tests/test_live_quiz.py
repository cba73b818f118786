"""Live quizzes end to end through the offline Discord test bed, with the bot's clock in the test's hands."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.app import QuizBot, create_bot
from bot.domain.clock import FakeClock
from bot.domain.quiz import Quiz, letter_of
from bot.domain.runs import QuestionState, RunStatus
from bot.settings import Settings
from tests.discord_testbed import TestBed
from tests.discord_testbed.model import Channel, Message, User
from tests.discord_testbed.runner import BotFactory

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EDIT_ROUTE = "/channels/{channel_id}/messages/{message_id}"
GREEN, GREY = 3, 2


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


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 3.0, what: str = "") -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def titled(prefix: str) -> Callable[[Message], bool]:
    return lambda m: m.embed is not None and str(m.embed.get("title", "")).startswith(prefix)


async def question_message(tb: TestBed, channel: Channel, number: int, total: int) -> Message:
    return await tb.wait_for_message(channel, titled(f"Question {number}/{total}"))


async def revealed(tb: TestBed, message: Message) -> None:
    await tb.wait_until(lambda: "closed" in str(message.embed and message.embed.get("title")), what="the reveal")


async def fast_settings(tb: TestBed, admin: User) -> None:
    reply = await tb.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=admin)
    assert reply.ephemeral and "Lead before the first question: 0 s" in reply.message.content


def wrong(quiz: Quiz, index: int) -> str:
    return letter_of((quiz.questions[index].answer + 1) % len(quiz.questions[index].choices))


def right(quiz: Quiz, index: int) -> str:
    return quiz.questions[index].answer_letter


async def test_three_members_play_day48_to_the_leaderboard(testbed: TestBed, bot: QuizBot, clock: FakeClock) -> None:
    testbed.forbid_pings = True
    alice, bob, cy = (testbed.add_member(name=n) for n in ("alice", "bob", "cy"))
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    total = len(quiz.questions)

    started = await testbed.slash("quiz", {"name": "day48"}, user=alice)
    assert started.ephemeral and "Starting" in started.message.content
    intro = await testbed.wait_for_message(testbed.general, titled(quiz.title[:40]))
    assert "10** questions" in intro.text() and [b.label for b in intro.buttons] == ["Start now"]
    not_starter = await testbed.click(intro, "Start now", user=bob)
    assert "Only" in not_starter.message.content
    await clock.advance(5)  # the default lead

    # Question 1: alice right, bob wrong then again, cy only after the question closed.
    q1 = await question_message(testbed, testbed.general, 1, total)
    assert quiz.questions[0].prompt in q1.text()
    assert all(f"**{letter_of(i)})** {c}" in q1.text() for i, c in enumerate(quiz.questions[0].choices))
    assert "<t:" in q1.text() and ":R>" in q1.text()
    assert [b.label.split(")")[0] for b in q1.buttons] == ["A", "B", "C", "D", "Next"]
    locked = await testbed.click(q1, right(quiz, 0), user=alice)
    assert locked.ephemeral and locked.message.content == f"Locked in: {right(quiz, 0)}"
    first = await testbed.click(q1, wrong(quiz, 0), user=bob)
    again = await testbed.click(q1, right(quiz, 0), user=bob)
    assert first.message.content == f"Locked in: {wrong(quiz, 0)}"
    assert again.ephemeral and again.message.content == f"You already answered {wrong(quiz, 0)}"

    await clock.advance(4)  # one counter tick: the message shows how many answered
    await testbed.wait_until(lambda: "answered: 2" in q1.text(), what="the answered counter")
    testbed.force_429("PATCH", EDIT_ROUTE, retry_after=1.0)  # holds the reveal edit back for a moment
    await clock.advance(26)

    async def q1_closed() -> bool:
        question = await bot.storage.runs.get_question(1, 0)
        return question is not None and question.state is QuestionState.CLOSED

    await eventually(q1_closed, what="question 1 to close")
    late = await testbed.click(q1, right(quiz, 0), user=cy)
    assert late.ephemeral and late.message.content.startswith("This question is closed")
    await revealed(testbed, q1)
    assert testbed.rate_limited
    assert all(b.disabled for b in q1.buttons)
    assert [b.style for b in q1.buttons] == [GREEN if b.label.startswith(right(quiz, 0)) else GREY for b in q1.buttons]
    assert "1 of 2 right" in q1.text() and "(50%)" in q1.text()
    await clock.advance(5)  # the default pause after a reveal

    # The rest: alice always right, bob always wrong; cy answers question 2 right; alice moves on with Next.
    for index in range(1, total):
        message = await question_message(testbed, testbed.general, index + 1, total)
        await testbed.click(message, right(quiz, index), user=alice)
        await testbed.click(message, wrong(quiz, index), user=bob)
        if index == 1:
            await testbed.click(message, right(quiz, index), user=cy)
            denied = await testbed.click(message, "Next", user=bob)
            assert "Only" in denied.message.content
        await clock.advance(1)
        nexted = await testbed.click(message, "Next", user=alice)
        assert nexted.message.content == "Closing this question now."
        await revealed(testbed, message)
        await clock.advance(5)

    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results"))
    board = results.embed["description"].splitlines()
    assert [line.split(" — ")[0] for line in board] == ["🥇 alice", "🥈 cy", "🥉 bob"]
    assert "10 pts · 10/10 right" in board[0] and "1 pt · 1/10 right" in board[1]
    await testbed.wait_for_message(testbed.general, titled("Answers and explanations"))
    everything = "\n".join(m.text() for m in testbed.visible_messages(testbed.general))
    for question in quiz.questions:
        assert question.explanation in everything

    async def finished() -> bool:
        run = await bot.storage.runs.get_run(1)
        return run is not None and run.status is RunStatus.FINISHED and run.results_done

    await eventually(finished, what="the run to be recorded as finished")

    mine = await testbed.click(results, "My answers", user=bob)
    assert mine.ephemeral and "0 of 10 right" in mine.message.text()
    assert f"you: **{wrong(quiz, 0)}** · correct: **{right(quiz, 0)}**" in mine.message.text()
