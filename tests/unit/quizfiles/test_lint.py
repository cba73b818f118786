"""Warnings on valid quizzes: printed by `quizbot validate`, which still succeeds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.quizfiles.lint import lint_quiz
from bot.quizfiles.loader import parse_quiz_source
from bot.quizfiles.validate_cli import run_validate

ADVICE = "add `explanation:` (shown after the question closes; strongly recommended)"


def question(prompt: str, choices: list[str], answer: str, explanation: str = "Because.") -> str:
    lines = [f"  - prompt: {prompt}", f"    choices: {choices!r}", f"    answer: {answer}"]
    if explanation:
        lines.append(f"    explanation: {explanation}")
    return "\n".join(lines) + "\n"


def quiz_text(*questions: str) -> str:
    return "title: Lint\nquestions:\n" + "".join(questions)


def warnings(text: str) -> list[str]:
    return [str(warning) for warning in lint_quiz(parse_quiz_source(textwrap.dedent(text), "lint", "lint.yaml"))]


def test_a_quiz_without_explanations_is_valid_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bare.yaml"
    path.write_text(quiz_text(question("One?", ["a", "b"], "A", ""), question("Two?", ["a", "b"], "B", "")))

    assert run_validate([path]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:2: warning: no question has an explanation; {ADVICE}",
        'bare: 2 questions, "Lint"',
    ]


def test_questions_without_an_explanation_are_named_in_one_line() -> None:
    text = quiz_text(
        question("One?", ["a", "b"], "A"),
        question("Two?", ["a", "b"], "B", ""),
        question("Three?", ["a", "b"], "A", ""),
    )

    assert warnings(text) == [f"lint.yaml:7: warning: questions 2 and 3 have no explanation; {ADVICE}"]


def test_a_quiz_with_nothing_to_warn_about_gives_no_warning() -> None:
    assert warnings(quiz_text(question("One?", ["a", "b"], "A"), question("Two?", ["c", "d"], "B"))) == []


def test_the_same_prompt_twice() -> None:
    text = quiz_text(question("What is r?", ["a", "b"], "A"), question("what is  r", ["c", "d"], "B"))

    assert warnings(text) == [
        "lint.yaml:7: warning: question 2 has the same prompt as question 1; change one or remove the copy"
    ]


def test_all_of_the_above_beside_another_key_and_a_choice_inside_the_answer() -> None:
    text = quiz_text(
        question("Which?", ["Queries", "Queries, keys and values", "Images"], "B"),
        question("Pick", ["x", "y", "All of the above"], "A"),
        question("Pick again", ["x", "y", "All of the above"], "C"),
        question("Numbers?", ["1", "11", "111"], "B"),
    )

    assert warnings(text) == [
        'lint.yaml:3: warning: question 1: choice A "Queries" is part of the answer B "Queries, keys and '
        'values"; players may find both right, so reword one',
        'lint.yaml:7: warning: question 2: choice C is "All of the above" but the answer is A; if A is right, '
        "so is C (only one choice can be correct), so check the key",
    ]


def test_a_lopsided_answer_key() -> None:
    never = quiz_text(*(question(f"Q{n}?", ["a", "b", "c"], "BC"[n % 2]) for n in range(8)))
    mostly = quiz_text(*(question(f"Q{n}?", ["a", "b"], "A" if n < 5 else "B") for n in range(8)))
    short = quiz_text(*(question(f"Q{n}?", ["a", "b"], "A") for n in range(7)))

    assert warnings(never) == [
        "lint.yaml:2: warning: the answer key is lopsided: A is never the answer (answers: B 4, C 4); "
        "players can guess it, so spread the correct answers over the letters"
    ]
    assert warnings(mostly) == [
        "lint.yaml:2: warning: the answer key is lopsided: A is the answer of 5 of the 8 questions "
        "(answers: A 5, B 3); players can guess it, so spread the correct answers over the letters"
    ]
    assert warnings(short) == []


def test_each_warning_names_its_check() -> None:
    text = quiz_text(question("Same?", ["a", "b"], "A", ""), question("Same?", ["a", "b"], "B", ""))

    found = lint_quiz(parse_quiz_source(text, "lint", "lint.yaml"))

    assert [warning.code for warning in found] == ["no-explanations", "same-prompt"]
