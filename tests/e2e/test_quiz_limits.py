"""A quiz at every size limit the validator allows is shown by the bot without Discord refusing anything.

The validator promises that a file it accepts fits everything Discord will show; the test bed fails a
test on any request Discord would refuse (50035), so playing a maximal quiz through it checks that promise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import QuizBot
from bot.domain import limits
from bot.domain.clock import FakeClock
from bot.quizfiles.loader import parse_quiz_text
from bot.settings import Settings
from tests.discord_testbed import Permission, TestBed
from tests.discord_testbed.runner import settings_for

QUESTIONS = 12
pytestmark = pytest.mark.fake_clock


def _text(mark: str, size: int) -> str:
    # Words, not one long run of letters, so wrapping and truncation are exercised like real text.
    return (f"{mark}é word " * size)[: size - len(mark)].rstrip().ljust(size - len(mark), "w") + mark


def maximal_quiz_yaml() -> str:
    lines = [
        f'title: "{_text("T", limits.QUIZ_TITLE)}"',
        f'description: "{_text("D", 1000)}"',
        "series: llm-course",
        "day: 7",
        "seconds_per_question: 600",
        "questions:",
    ]
    choice = limits.CHOICE
    # The prompt takes what the embed budget leaves after five maximal choices.
    prompt = limits.PROMPT
    for number in range(1, QUESTIONS + 1):
        lines += [
            f'  - prompt: "{_text(f"P{number}", prompt)}"',
            "    choices:",
            *[f'      - "{_text(f"{letter}{number}", choice)}"' for letter in "ABCDE"],
            "    answer: E",
            f'    explanation: "{_text(f"X{number}", limits.EXPLANATION)}"',
            f"    tags: [{', '.join(f't{number}-{i}' + 'x' * 26 for i in range(10))}]",
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def bot_settings(testbed: TestBed, tmp_path: Path) -> Settings:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "big.yaml").write_text(maximal_quiz_yaml(), encoding="utf-8")
    return settings_for(testbed, tmp_path, quizzes_dir=folder)


def test_the_maximal_quiz_is_valid() -> None:
    quiz = parse_quiz_text(maximal_quiz_yaml(), "big", "big.yaml")
    assert len(quiz.questions) == QUESTIONS
    assert len(quiz.title) == limits.QUIZ_TITLE
    assert {len(c) for q in quiz.questions for c in q.choices} == {limits.CHOICE}
    assert {len(q.explanation or "") for q in quiz.questions} == {limits.EXPLANATION}
    assert {len(q.prompt) for q in quiz.questions} == {limits.PROMPT}


async def test_a_maximal_quiz_plays_to_the_end_without_a_refused_request(
    testbed: TestBed, running_bot: object, clock: FakeClock
) -> None:
    assert isinstance(running_bot, QuizBot)
    testbed.forbid_pings = True
    alice = testbed.add_member(name="a" * 32)
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    await testbed.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=admin)
    choices = await testbed.autocomplete("quiz", {"name": "b"}, focused="name", user=alice)
    assert [c["value"] for c in choices] == ["big"]
    listing = await testbed.slash("quizzes", user=alice)
    assert listing.message is not None
    started = await testbed.slash("quiz", {"name": "big"}, user=alice)
    assert started.ephemeral
    for number in range(1, QUESTIONS + 1):
        question = await testbed.wait_for_message(
            testbed.general, lambda m, n=number: f"Question {n}/{QUESTIONS}" in m.text()
        )
        assert f"E{number}é" in question.text()
        await testbed.click(question, "E", user=alice)
        await testbed.click(question, "Next", user=alice)
    await testbed.wait_until(
        lambda: any(f"X{QUESTIONS}é" in m.text() for m in testbed.visible_messages(testbed.general)),
        what="the last explanation",
    )
    mine = [m for m in testbed.visible_messages(testbed.general) if any(b.label == "My answers" for b in m.buttons)]
    assert mine
    await testbed.click(mine[-1], "My answers", user=alice)
    report = await testbed.slash("quiz-report", {"quiz": "big"}, user=admin)
    assert report.message is not None
    stats = await testbed.slash("stats", user=alice)
    assert stats.message is not None
    board = await testbed.slash("leaderboard", user=alice)
    assert board.message is not None

    daily = testbed.add_channel(name="daily")
    params = {"channel": daily, "time": "09:00", "timezone": "UTC", "quizzes": "big"}
    scheduled = await testbed.slash("daily set", params, user=admin)
    assert scheduled.ephemeral and "scheduled" in scheduled.message.content
    now = await testbed.slash("daily now", {"channel": daily}, user=admin)
    await now.wait_final()
    post = await testbed.wait_for_message(daily, lambda m: bool(m.buttons))
    await testbed.click(post, "E", user=alice)
    await clock.advance(24 * 3600)
    reveal = await testbed.wait_for_message(daily, lambda m: m.message_reference is not None)
    assert "é word" in reveal.text()
    assert testbed.violations == []
