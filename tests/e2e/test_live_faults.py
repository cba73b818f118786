"""Live quizzes when things go wrong: a slow database, a rate-limited channel, a permission lost mid-run."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.domain.runs import AnswerResult, RunStatus
from bot.live.runner import COUNTER_INTERVAL_SECONDS
from bot.settings import Settings
from bot.ui import live_buttons
from tests.discord_testbed import Permission, TestBed
from tests.discord_testbed.runner import BotFactory
from tests.helpers import (
    EDIT_ROUTE,
    eventually,
    fast_settings,
    question_message,
    restart,
    revealed,
    right,
    start_fast_quiz,
    stored_choice,
    titled,
    wrong,
)

CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
DEFERRED_CHANNEL_MESSAGE = 5
EPHEMERAL = 1 << 6
SLOW_COMMIT_SECONDS = 0.3
EDIT_WINDOW_SECONDS = 0.5
pytestmark = pytest.mark.fake_clock


async def test_a_slow_commit_is_deferred_ephemerally_then_confirmed(
    testbed: TestBed, bot: QuizBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    q1 = await start_fast_quiz(testbed, alice)

    # A busy disk: the commit takes longer than the (shortened) budget for answering directly.
    monkeypatch.setattr(live_buttons, "ACK_BUDGET_SECONDS", 0.05)
    monkeypatch.setattr(live_buttons, "COMMIT_GRACE_SECONDS", 0.05)
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
    assert await stored_choice(bot.storage, 1, 0, alice.id) == quiz.questions[0].answer
    # Teardown fails the test on any late-response (10062) or double-ack (40060) violation.


async def test_a_rate_limited_channel_delays_edits_but_loses_nothing(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    testbed.forbid_pings = True
    members = [testbed.add_member(name=n) for n in ("alice", "bob", "cy")]
    alice = members[0]
    await fast_settings(testbed, testbed.owner)
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    # Discord's ~5 edits per 5 s per channel, with the window shortened so the test stays fast.
    testbed.limit_route("PATCH", EDIT_ROUTE, limit=5, per=EDIT_WINDOW_SECONDS)
    message = await start_fast_quiz(testbed, alice)
    played = 3
    for index in range(played):
        if index:
            message = await question_message(testbed, testbed.general, index + 1, 10)
        # Right, right, wrong: each click followed by a counter tick, so every tick has news to show.
        for member, letter in zip(members, (right(quiz, index), right(quiz, index), wrong(quiz, index)), strict=True):
            click = await testbed.click(message, letter, user=member)
            assert click.message.content == f"Locked in: {letter}"
            await clock.advance(COUNTER_INTERVAL_SECONDS)
        await testbed.click(message, "Next", user=alice)
        await revealed(testbed, message)
        assert "2 of 3 right" in message.text() and "(67%)" in message.text()
    stopped = await testbed.slash("quiz-stop", user=alice)
    assert stopped.message.content == "Quiz stopped; the results are being posted."
    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results"))
    board = [line.split(" · ")[0] for line in results.embed["description"].splitlines()]
    assert board == ["🥇 alice — 3 pts", "🥈 bob — 3 pts", "🥉 cy — 0 pts"]
    assert len(await bot.storage.runs.answers(1)) == played * len(members)

    # The bot asked for more edits than one window allows (the limit was really in play), yet Discord
    # never had to refuse one: discord.py reads the X-RateLimit headers and waits for the window, and
    # the runner coalesces counter updates while an edit waits (a waiting one is dropped for the reveal).
    edits = testbed.calls("PATCH", EDIT_ROUTE)
    assert len(edits) > 5
    assert [r.status for r in edits] == [200] * len(edits)
    assert not [r for r in testbed.rate_limited if r.route == EDIT_ROUTE]
    for first, sixth in zip(edits, edits[5:], strict=False):
        assert sixth.at - first.at >= EDIT_WINDOW_SECONDS * 0.9


async def stopped_run(bot: QuizBot) -> None:
    async def stopped() -> bool:
        run = await bot.storage.runs.get_run(1)
        return run is not None and run.status is RunStatus.STOPPED and run.results_done

    await eventually(stopped, what="the run to stop")


async def test_a_permission_lost_after_a_restart_is_told_in_the_channel(
    testbed: TestBed, bot: QuizBot, bot_factory: BotFactory, bot_settings: Settings
) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    q1 = await start_fast_quiz(testbed, alice)
    # The new process has no /quiz interaction to follow up on (nor would an old one after 15 minutes).
    bot = await restart(testbed, bot, bot_factory, bot_settings)
    testbed.deny(testbed.general, Permission.EMBED_LINKS)
    await testbed.click(q1, "Next", user=alice)
    notice = await testbed.wait_for_message(testbed.general, lambda m: "missing the Embed Links" in m.content)
    assert notice.embed is None and "Ask a server admin to grant them" in notice.content
    await stopped_run(bot)


async def test_a_lost_send_permission_ends_the_run_with_a_log_line_and_no_crash(
    testbed: TestBed,
    bot: QuizBot,
    bot_factory: BotFactory,
    bot_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    q1 = await start_fast_quiz(testbed, alice)
    bot = await restart(testbed, bot, bot_factory, bot_settings)
    testbed.deny(testbed.general, Permission.SEND_MESSAGES)
    caplog.set_level(logging.INFO, logger="bot.live")
    caplog.set_level(logging.INFO, logger="cogs")
    await testbed.click(q1, "Next", user=alice)
    await stopped_run(bot)

    async def logged() -> bool:
        return any("could not tell the starter" in r.getMessage() for r in caplog.records)

    await eventually(logged, what="the log line saying nobody could be told")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "nothing may crash"
    refused = [r for r in testbed.calls("POST", "/channels/{channel_id}/messages") if r.status == 403]
    assert any("missing the Send Messages" in str(r.body) for r in refused), "the channel notice was tried"
    assert not [m for m in testbed.visible_messages(testbed.general) if m.embed and "Question 2/" in str(m.embed)]
