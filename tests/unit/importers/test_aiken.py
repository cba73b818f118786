"""The Aiken importer (Moodle's plain-text multiple-choice format)."""

from __future__ import annotations

from bot.importers.aiken import parse_aiken
from tests.helpers import TEST_DATA

FIXTURES = TEST_DATA / "import"


def test_the_fixture_imports_with_title_and_id_from_the_file_name() -> None:
    path = FIXTURES / "mixed" / "geography.txt"

    result = parse_aiken(path.read_text(encoding="utf-8"), "geography.txt")

    assert result.errors == [] and result.warnings == []
    quiz = result.quiz
    assert quiz is not None
    assert (quiz.id, quiz.title, quiz.day) == ("geography", "Geography", None)
    first, second = quiz.questions
    assert (first.prompt, first.choices, first.answer_letter) == (
        "What is the capital of France?",
        ("Paris", "Lyon", "Marseille"),
        "A",
    )
    assert second.choices == ("The Nile", "The Amazon")
    assert second.explanation == "Cairo sits on the Nile delta."


def test_day_from_the_file_name_gives_the_day_id() -> None:
    text = "Pick B\nA. no\nB. yes\nANSWER: B\n"

    quiz = parse_aiken(text, "course/day-4.txt").quiz

    assert quiz is not None
    assert (quiz.id, quiz.title, quiz.day) == ("day04", "Day 4", 4)


def test_generic_file_names_take_the_folder_name() -> None:
    text = "Pick B\nA. no\nB. yes\nANSWER: B\n"

    quiz = parse_aiken(text, "course/vectors/quiz.txt").quiz

    assert quiz is not None
    assert (quiz.id, quiz.title) == ("vectors", "Vectors")


def test_unicode_lowercase_letters_and_five_options() -> None:
    text = "Quelle lettre ? « é »\na) à\nb) é\nc) ï\nd) ô\ne) ü\nANSWER: b\n"

    quiz = parse_aiken(text, "lettres.txt").quiz

    assert quiz is not None
    assert quiz.questions[0].prompt == "Quelle lettre ? « é »"
    assert quiz.questions[0].choices == ("à", "é", "ï", "ô", "ü")
    assert quiz.questions[0].answer_letter == "B"


def test_a_question_without_answer_is_an_error_at_its_first_line() -> None:
    text = "First?\nA. x\nB. y\n\nSecond?\nA. x\nB. y\nANSWER: A\n"

    result = parse_aiken(text, "quiz.txt")

    assert result.quiz is None
    assert [str(problem) for problem in result.errors] == [
        "quiz.txt:1: question 1 has no `ANSWER: X` line after its options; add one"
    ]


def test_an_answer_beyond_the_options_and_a_bad_letter_are_errors() -> None:
    text = "First?\nA. x\nB. y\nANSWER: C\n\nSecond?\nA. x\nB. y\nANSWER: maybe\n"

    result = parse_aiken(text, "quiz.txt")

    assert [str(problem) for problem in result.errors] == [
        "quiz.txt:4: question 1: ANSWER C but the options stop at B",
        "quiz.txt:9: question 2: ANSWER must be one letter A to E, not 'maybe'",
    ]


def test_an_answer_with_no_question_and_a_single_option_are_errors() -> None:
    text = "ANSWER: A\n\nOnly one?\nA. x\nANSWER: A\n"

    result = parse_aiken(text, "quiz.txt")

    assert [str(problem) for problem in result.errors] == [
        "quiz.txt:1: ANSWER: line with no question above it; put the question and options first",
        "quiz.txt:3: question 1 has 1 option(s); give it 2 to 5 options",
    ]


def test_an_empty_file_has_no_questions() -> None:
    result = parse_aiken("\n\n", "empty.txt")

    assert result.quiz is None and not result.found_questions
    assert [str(problem) for problem in result.errors] == [
        "empty.txt: no questions found; Aiken questions are a line, options `A. ...`, then `ANSWER: X`"
    ]
