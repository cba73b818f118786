"""A command or button that fails is answered privately, never left to Discord's "did not respond"."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import QuizBot
from bot.boards import BoardRequest, ShownBoard, ShownStats
from bot.domain.quiz import Question, Quiz
from tests.discord_testbed.testbed import TestBed
from tests.helpers import open_first_question


def _error_id(text: str) -> str:
    found = re.search(r"error `([0-9a-f]{8})`", text)
    assert found is not None, f"no error id in {text!r}"
    return found.group(1)


async def test_a_command_that_breaks_answers_with_an_error_id_that_is_in_the_log(
    testbed: TestBed, bot: QuizBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    alice = testbed.add_member(name="alice")

    async def broken(guild_id: int, user_id: int, viewer_id: int) -> ShownStats:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.boards, "member_stats", broken)
    with caplog.at_level(logging.ERROR, logger="bot.ui.failures"):
        result = await testbed.slash("stats", {}, user=alice)

    assert result.ephemeral
    text = result.message.content
    assert "Something went wrong on our side" in text and "disk on fire" not in text
    error_id = _error_id(text)
    (record,) = [r for r in caplog.records if error_id in r.getMessage()]
    assert "/stats" in record.getMessage() and record.exc_info is not None
    assert "disk on fire" in str(record.exc_info[1])


async def test_a_refusal_is_answered_with_its_own_words_and_logs_nothing(
    testbed: TestBed, bot: QuizBot, caplog: pytest.LogCaptureFixture
) -> None:
    member = testbed.add_member(name="member")
    with caplog.at_level(logging.ERROR, logger="bot.ui.failures"):
        refused = await testbed.slash("quiz-settings", {"lead_seconds": 3}, user=member)

    assert refused.ephemeral
    assert refused.message.content == "Only members with the Manage Server permission can change quiz settings."
    assert [r for r in caplog.records if r.name == "bot.ui.failures"] == []


async def test_a_button_that_breaks_answers_with_an_error_id(
    testbed: TestBed, bot: QuizBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    alice = testbed.add_member(name="alice")
    now = datetime.now(UTC) - timedelta(hours=1)
    quiz = Quiz(id="lora", title="LoRA basics", questions=(Question("q1", "Rank?", ("r", "alpha"), 0),))
    run_id = await open_first_question(
        bot.storage, quiz, now=now, deadline=now + timedelta(minutes=5), guild_id=testbed.guild.id
    )
    for user_id in [alice.id, *range(10_000, 10_012)]:  # 13 members: two pages
        await bot.storage.runs.record_answer(
            run_id=run_id, index=0, user_id=user_id, user_name=f"m{user_id}", choice=0, now=now
        )
    board = await testbed.slash("leaderboard", {}, user=alice)

    async def broken(request: BoardRequest) -> ShownBoard:
        raise KeyError("lost page")

    monkeypatch.setattr(bot.boards, "show", broken)
    with caplog.at_level(logging.ERROR, logger="bot.ui.failures"):
        clicked = await testbed.click(board.message, "Next", user=alice)

    assert clicked.ephemeral
    error_id = _error_id(clicked.message.content)
    assert any(error_id in r.getMessage() and "lb:n:" in r.getMessage() for r in caplog.records)
