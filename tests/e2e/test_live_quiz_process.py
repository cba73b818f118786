"""A live quiz survives `kill -9` of the bot process: every acknowledged answer counts, nothing is posted twice."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.discord_testbed import Message, TestBed
from tests.discord_testbed.runner import BotProcess
from tests.helpers import titled

TINY_QUIZ = """\
title: Tiny restart quiz
seconds_per_question: 20
questions:
  - id: one
    prompt: Which letter comes first?
    choices: ["A", "B"]
    answer: A
    explanation: A comes before B.
  - id: two
    prompt: Which letter comes second?
    choices: ["A", "B"]
    answer: B
    explanation: B follows A.
"""


@pytest.fixture
def bot_settings(bot_settings: Settings, tmp_path: Path) -> Settings:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY_QUIZ, encoding="utf-8")
    return replace(bot_settings, quizzes_dir=folder)


def count_titled(tb: TestBed, prefix: str) -> int:
    return sum(1 for m in tb.visible_messages(tb.general) if m.embed and str(m.embed.get("title")).startswith(prefix))


async def test_sigkill_mid_question_then_the_run_completes_with_every_answer(
    testbed: TestBed, bot_process: BotProcess
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    fast = await testbed.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=testbed.owner)
    assert fast.ephemeral
    await testbed.slash("quiz", {"name": "tiny"}, user=alice)
    q1: Message = await testbed.wait_for_message(testbed.general, titled("Question 1/2"), timeout=5)
    locked = await testbed.click(q1, "A", user=alice)
    assert locked.message.content == "Locked in: A"

    await bot_process.kill9()
    await bot_process.restart()

    # The old message's buttons still work, and alice's acknowledged answer is still hers.
    late = await testbed.click(q1, "B", user=bob, timeout=10)
    assert late.message.content == "Locked in: B"
    again = await testbed.click(q1, "B", user=alice)
    assert again.message.content == "You already answered A"
    await testbed.click(q1, "Next", user=alice)
    q2: Message = await testbed.wait_for_message(testbed.general, titled("Question 2/2"), timeout=5)
    assert "1 of 2 right" in q1.text()
    await testbed.click(q2, "B", user=bob)
    await testbed.click(q2, "B", user=alice)
    await testbed.click(q2, "Next", user=alice)

    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results"), timeout=5)
    board = results.embed["description"].splitlines()
    assert board[0].startswith("🥇 alice — 2 pts · 2/2 right")
    assert board[1].startswith("🥈 bob — 1 pt · 1/2 right")
    await testbed.wait_for_message(testbed.general, titled("Answers and explanations"), timeout=5)
    for prefix in ("Tiny restart quiz", "Question 1/2", "Question 2/2", "🏆 Results", "Answers and explanations"):
        assert count_titled(testbed, prefix) == 1, prefix
    await testbed.wait_until(lambda: "quiz finished: run=1" in bot_process.output(), what="the finish log line")
    assert "resuming quiz run 1 (running, question 1)" in bot_process.output()
