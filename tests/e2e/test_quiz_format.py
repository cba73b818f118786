"""Issue 14's quiz format additions played end to end: shuffled choices (what every screen and report says about
them), question images, and the choice explanations a member sees under their answer."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.app import QuizBot
from bot.domain.quiz import Quiz, letter_of
from bot.ops.answers_csv import read_answers_csv
from bot.settings import Settings
from tests.discord_testbed import Permission, TestBed
from tests.discord_testbed.model import Message
from tests.discord_testbed.runner import settings_for
from tests.helpers import fast_settings, question_message, revealed, titled

pytestmark = pytest.mark.fake_clock
GREEN = 3

SHUFFLED_QUIZ = """\
title: Shuffled numbers
shuffle_choices: true
questions:
  - id: prime
    prompt: Which number is prime?
    image: https://example.com/numbers/prime.png
    choices: ["4", "7", "9", "10", "12"]
    answer: B
    explanation: 7 has no divisor but 1 and itself.
    choice_explanations:
      A: |-
        4 is 2 × 2.
        Even numbers above 2 are never prime.
      C: 9 is 3 × 3.
  - id: even
    prompt: Which number is even?
    choices: ["3", "5", "8", "11", "13"]
    answer: C
    choice_explanations:
      E: 13 leaves 1 when halved.
  - id: square
    prompt: Which number is a square?
    choices: ["2", "3", "5", "16", "6"]
    answer: D
  - id: kept
    prompt: Which of these are numbers?
    choices: ["1", "2", "All of the above"]
    answer: C
    shuffle_choices: false
"""
# Per question: the text alice picks (right) and the text bob picks (wrong).
PICKS = {"prime": ("7", "4"), "even": ("8", "13"), "square": ("16", "2"), "kept": ("All of the above", "1")}


@pytest.fixture
def bot_settings(testbed: TestBed, tmp_path: Path) -> Settings:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "shuffled.yaml").write_text(SHUFFLED_QUIZ, encoding="utf-8")
    return settings_for(testbed, tmp_path, quizzes_dir=folder)


def shown_choices(message: Message) -> list[str]:
    """The choices of a question message, in the order its embed shows them (A, B, ...)."""
    assert message.embed is not None
    found = re.findall(r"^(?:\S+ )?\*\*([A-E])\)\*\* (.*)$", str(message.embed["description"]), re.MULTILINE)
    assert [letter for letter, _ in found] == [letter_of(i) for i in range(len(found))]
    return [text for _, text in found]


def letter_shown(shown: dict[str, list[str]], question_id: str, text: str) -> str:
    """The letter the run showed `text` under, in question `question_id`."""
    return letter_of(shown[question_id].index(text))


async def test_shuffled_choices_agree_on_every_screen_and_reports_use_the_file_letters(
    testbed: TestBed, bot: QuizBot
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    await fast_settings(testbed, admin)
    quiz = bot.catalog.get("shuffled")
    assert isinstance(quiz, Quiz) and quiz.shuffle_choices
    await testbed.slash("quiz", {"name": "shuffled"}, user=alice)

    shown: dict[str, list[str]] = {}
    for number, question in enumerate(quiz.questions, start=1):
        message = await question_message(testbed, testbed.general, number, len(quiz.questions))
        shown[question.id] = shown_choices(message)
        assert sorted(shown[question.id]) == sorted(question.choices)
        right_text, wrong_text = PICKS[question.id]
        right, wrong = letter_shown(shown, question.id, right_text), letter_shown(shown, question.id, wrong_text)
        assert [b.label for b in message.buttons][:-1] == [
            f"{letter_of(i)}) {text}" for i, text in enumerate(shown[question.id])
        ]
        locked = await testbed.click(message, right, user=alice)
        assert locked.message.content == f"Locked in: {right}"
        missed = await testbed.click(message, wrong, user=bob)
        assert missed.message.content == f"Locked in: {wrong}"
        image = (message.embed or {}).get("image", {}).get("url")
        assert image == (question.image or None)
        await testbed.click(message, "Next", user=alice)
        await revealed(testbed, message)
        assert (message.embed or {}).get("image", {}).get("url") == image  # the reveal keeps it
        assert [b.label.split(")")[0] for b in message.buttons if b.style == GREEN] == [right]
        assert f"✅ **{right})** {right_text}" in message.text() and "1 of 2 right" in message.text()

    # The run kept the order it showed, and only the questions that shuffle were dealt anew.
    stored = await bot.storage.runs.questions(1)
    for question, run_question in zip(quiz.questions, stored, strict=True):
        order = run_question.choice_order or tuple(range(len(question.choices)))
        assert [question.choices[i] for i in order] == shown[question.id]
    assert stored[3].choice_order is None and shown["kept"] == list(quiz.questions[3].choices)
    # 3 questions of 5 choices dealt at random: all three in the file's order is a 1 in 1.7 million chance.
    assert any(shown[q.id] != list(q.choices) for q in quiz.questions[:3])

    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results"))
    explanations = await testbed.wait_for_message(testbed.general, titled("Answers and explanations"))
    assert f"✅ **{letter_shown(shown, 'prime', '7')})** 7" in explanations.text()
    mine = await testbed.click(results, "My answers", user=bob)
    for number, question in enumerate(quiz.questions, start=1):
        right_text, wrong_text = PICKS[question.id]
        you, correct = letter_shown(shown, question.id, wrong_text), letter_shown(shown, question.id, right_text)
        heading = f"**{number}.** {' '.join(question.prompt.split())}"
        assert f"{heading}\n❌ you: **{you}** · correct: **{correct}**" in mine.message.text()
    # Each member sees the explanation of the choice they picked, under their answer, and no other.
    assert "> 4 is 2 × 2.\n> Even numbers above 2 are never prime." in mine.message.text()
    assert "> 13 leaves 1 when halved." in mine.message.text()
    assert "9 is 3 × 3" not in mine.message.text()
    theirs = await testbed.click(results, "My answers", user=alice)
    assert "4 is 2 × 2" not in theirs.message.text() and "4 of 4 right" in theirs.message.text()

    # The report and its CSV count in the file's letters: bob's "4" is A, alice's "7" is the key B.
    report = await (await testbed.slash("quiz-report", {"quiz": "shuffled", "csv": True}, user=admin)).wait_final()
    prime_line = next(line for line in report.text().splitlines() if "% correct" in line)
    assert prime_line.startswith("50% correct · A 1 · **B 1** ✓ · C 0 · D 0 · E 0")
    (name,) = report.files
    rows = read_answers_csv(io.StringIO(report.files[name].decode()))
    assert {(r.question_id, r.user_name, letter_of(r.choice), r.correct) for r in rows} == {
        ("prime", "alice", "B", True),
        ("prime", "bob", "A", False),
        ("even", "alice", "C", True),
        ("even", "bob", "E", False),
        ("square", "alice", "D", True),
        ("square", "bob", "A", False),
        ("kept", "alice", "C", True),
        ("kept", "bob", "A", False),
    }



async def test_a_daily_post_shows_the_image_and_the_file_order(testbed: TestBed, bot: QuizBot) -> None:
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    daily = testbed.add_channel(name="daily")
    params = {"channel": daily, "time": "09:00", "timezone": "UTC", "quizzes": "shuffled", "order": "sequential"}
    scheduled = await testbed.slash("daily set", params, user=admin)
    assert scheduled.ephemeral and "scheduled" in scheduled.message.content
    await (await testbed.slash("daily now", {"channel": daily}, user=admin)).wait_final()

    post = await testbed.wait_for_message(daily, lambda m: bool(m.buttons))
    assert "Which number is prime?" in post.text()
    assert shown_choices(post) == ["4", "7", "9", "10", "12"]  # daily posts are never shuffled
    assert post.embed is not None and post.embed["image"]["url"] == "https://example.com/numbers/prime.png"
