"""Every quiz shipped in quizzes/ loads without a single problem."""

from __future__ import annotations

from pathlib import Path

from bot.quizfiles import QuizCatalog, load_quiz_file

QUIZZES = Path(__file__).resolve().parent.parent / "quizzes"


def test_every_shipped_quiz_loads_without_problems() -> None:
    catalog = QuizCatalog.load(QUIZZES)

    assert [str(problem) for problem in catalog.problems()] == []
    assert catalog.ids(), "quizzes/ holds no quiz; ship at least one"
    assert sorted(path.stem for path in QUIZZES.glob("*.yaml")) == catalog.ids()


def test_day48_is_shipped_with_ten_questions() -> None:
    path = QUIZZES / "day48.yaml"
    assert path.is_file(), "quizzes/day48.yaml is missing; generate it with `quizbot import` from the seed"

    quiz = load_quiz_file(path)

    assert quiz.id == "day48"
    assert len(quiz.questions) == 10
    assert quiz.title.startswith("Day 48 Quiz")
    assert all(len(question.choices) == 4 and question.explanation for question in quiz.questions)
