"""Live quizzes with a bigger quiz folder: /quizzes pages, /quiz seconds:, "Start now", speed scoring, and
results too long for one message, all through the offline test bed (which checks every payload's limits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.settings import Settings
from tests.discord_testbed import TestBed
from tests.discord_testbed.runner import settings_for
from tests.helpers import question_message, titled

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SMALL_QUIZZES = 20
LONG_QUESTIONS = 40
pytestmark = pytest.mark.fake_clock(START)


def write_quiz(folder: Path, quiz_id: str, title: str, questions: int, explanation: str) -> None:
    document = {
        "title": title,
        "seconds_per_question": 30,
        "questions": [
            {
                "id": f"q{n}",
                "prompt": f"{title}: question {n}?",
                "choices": ["yes", "no", "maybe"],
                "answer": "A",
                "explanation": f"{n}: {explanation}",
            }
            for n in range(1, questions + 1)
        ],
    }
    (folder / f"{quiz_id}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")


@pytest.fixture
def bot_settings(testbed: TestBed, tmp_path: Path) -> Settings:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    for n in range(1, SMALL_QUIZZES + 1):
        write_quiz(folder, f"topic{n:02d}", f"Topic {n:02d}", 2, "short")
    # 40 explanations of ~900 characters: about 36 000 characters, far over one message's 6 000.
    write_quiz(folder, "long", "Long quiz", LONG_QUESTIONS, "because " * 110)
    return settings_for(testbed, tmp_path, quizzes_dir=folder)


async def test_the_quiz_list_pages_with_previous_and_next(testbed: TestBed, bot: QuizBot) -> None:
    alice = testbed.add_member(name="alice")
    listing = await testbed.slash("quizzes", user=alice)
    first = listing.message
    assert first is not None and listing.ephemeral
    assert "Page 1/2" in first.text() and "`topic01` — Topic 01 (2 questions)" in first.text()
    assert "`topic20`" not in first.text()
    assert [(b.label, b.disabled) for b in first.buttons] == [("Previous", True), ("Next", False)]

    await testbed.click(first, "Next", user=alice)
    assert "Page 2/2" in first.text() and "`topic20` — Topic 20" in first.text()
    assert "`topic01`" not in first.text()
    assert [(b.label, b.disabled) for b in first.buttons] == [("Previous", False), ("Next", True)]
    await testbed.click(first, "Previous", user=alice)
    assert "Page 1/2" in first.text()


async def test_seconds_override_start_now_and_results_split_across_messages(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    settings = await testbed.slash("quiz-settings", {"scoring": "speed", "reveal_seconds": 0}, user=testbed.owner)
    assert "Scoring: speed" in settings.message.content

    started = await testbed.slash("quiz", {"name": "long", "seconds": 7}, user=alice)
    assert started.ephemeral and f"{LONG_QUESTIONS} questions, 7 s each" in started.message.content
    intro = await testbed.wait_for_message(testbed.general, titled("Long quiz"))
    assert "**7 s** each" in intro.text() and "scoring: **speed**" in intro.text()
    now = await testbed.click(intro, "Start now", user=alice)  # no clock advance: the lead is skipped
    assert now.ephemeral

    q1 = await question_message(testbed, testbed.general, 1, LONG_QUESTIONS)
    question = await bot.storage.runs.get_question(1, 0)
    assert question is not None and question.deadline == START + timedelta(seconds=7)
    await testbed.click(q1, "A", user=alice)
    await clock.advance(3)
    await testbed.click(q1, "B", user=bob)
    await clock.advance(4)  # 7 s after the start: question 1 closes on the overridden deadline
    await question_message(testbed, testbed.general, 2, LONG_QUESTIONS)
    await testbed.slash("quiz-stop", user=alice)

    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results: Long quiz (speed scoring)"))
    board = results.embed["description"].splitlines()
    assert board[0].startswith("🥇 alice — 1000 pts · 1/40 right") and board[1].startswith("🥈 bob — 0 pts")

    def explanation_messages() -> list[str]:
        return [
            m.text()
            for m in testbed.visible_messages(testbed.general)
            if any(str(e.get("title", "")).startswith("Answers and explanations") for e in m.embeds)
        ]

    await testbed.wait_until(
        lambda: f"{LONG_QUESTIONS}: because" in "\n".join(explanation_messages()), what="the last explanation"
    )
    posted = explanation_messages()
    assert len(posted) > 1  # split, and the test bed refused nothing over Discord's limits
    everything = "\n".join(posted)
    assert all(f"**{n}. Long quiz: question {n}?**" in everything for n in range(1, LONG_QUESTIONS + 1))
    assert all(f"\n{n}: because" in everything for n in range(1, LONG_QUESTIONS + 1))
