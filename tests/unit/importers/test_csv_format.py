"""The CSV importer (spreadsheet quiz templates: a header row, one question per row)."""

from __future__ import annotations

from bot.importers.csv_format import parse_csv
from tests.helpers import TEST_DATA

FIXTURES = TEST_DATA / "import"


def errors(text: str, name: str = "quiz.csv") -> list[str]:
    return [str(problem) for problem in parse_csv(text, name).errors]


def test_the_fixture_imports_with_seconds_and_day_from_the_file_name() -> None:
    path = FIXTURES / "mixed" / "day-05-vectors.csv"

    result = parse_csv(path.read_text(encoding="utf-8"), "day-05-vectors.csv")

    assert result.errors == [] and result.warnings == []
    quiz = result.quiz
    assert quiz is not None
    assert (quiz.id, quiz.title, quiz.day, quiz.seconds_per_question) == ("day05", "Day 05 Vectors", 5, 45)
    first, second = quiz.questions
    assert first.prompt == "What is the dot product of (1, 2) and (3, 4)?"
    assert first.choices == ("11", "10", "7")
    assert first.explanation == "1×3 + 2×4 = 11"
    assert second.choices == ("(1, 0) and (0, 1)", "(1, 1) and (1, 1)")


def test_headers_in_any_case_and_order_with_an_e_column_and_tags() -> None:
    text = (
        "Answer,Question,Option A,Option B,Option C,Option D,Option E,Tags\n"
        "c,Third letter?,a,b,c,d,e,letters; basics\n"
    )

    quiz = parse_csv(text, "letters.csv").quiz

    assert quiz is not None
    question = quiz.questions[0]
    assert (question.choices, question.answer_letter, question.tags) == (
        ("a", "b", "c", "d", "e"),
        "C",
        ("letters", "basics"),
    )


def test_answer_as_option_number_or_option_text() -> None:
    text = "question,A,B,C,answer\nBy number?,x,y,z,2\nBy text?,red,Blue,green,blue\n"

    quiz = parse_csv(text, "answers.csv").quiz

    assert quiz is not None
    assert [question.answer_letter for question in quiz.questions] == ["B", "B"]


def test_semicolon_separated_files_with_a_byte_order_mark() -> None:
    text = "\ufeffquestion;A;B;answer\nWhich?;x, with a comma;y;A\n"

    quiz = parse_csv(text, "semi.csv").quiz

    assert quiz is not None
    assert quiz.questions[0].choices == ("x, with a comma", "y")


def test_row_errors_name_the_line_where_the_row_starts_even_after_multiline_cells() -> None:
    text = (
        "question,A,B,C,answer,explanation\n"
        '"A prompt\nover two lines",x,y,,A,"and an explanation\nover two lines"\n'
        "Bad answer,x,y,,D,\n"
        ",x,y,,A,\n"
        "Gap,x,,z,A,\n"
        "One option,x,,,A,\n"
    )

    assert errors(text) == [
        "quiz.csv:5: question 2: answer 'D' is not a letter A-B, an option number or an option's text",
        "quiz.csv:6: question 3 has an empty `question` cell; fill it in or delete the row",
        "quiz.csv:7: question 4: option B is empty but a later option is not; fill the options in order",
        "quiz.csv:8: question 5 has 1 option(s); give it 2 to 5 options",
    ]


def test_multiline_cells_are_kept() -> None:
    text = 'question,A,B,answer,explanation\n"Two\nlines",x,y,A,"Para one.\n\nPara two."\n'

    quiz = parse_csv(text, "multi.csv").quiz

    assert quiz is not None
    assert quiz.questions[0].prompt == "Two\nlines"
    assert quiz.questions[0].explanation == "Para one.\n\nPara two."


def test_different_seconds_use_the_longest_with_a_warning_and_bad_seconds_are_errors() -> None:
    varied = "question,A,B,answer,seconds\nQ1,x,y,A,20\nQ2,x,y,A,40\n"
    result = parse_csv(varied, "times.csv")

    assert result.quiz is not None and result.quiz.seconds_per_question == 40
    assert [str(problem) for problem in result.warnings] == [
        "times.csv:2: rows give different `seconds`; a quiz has one time per question, "
        "so all get 40 (the longest)"
    ]
    assert errors("question,A,B,answer,seconds\nQ1,x,y,A,1000\n") == [
        "quiz.csv:2: question 1: seconds must be a whole number from 5 to 600"
    ]


def test_a_missing_header_and_an_unknown_column() -> None:
    assert errors("What?,x,y,A\n") == [
        "quiz.csv:1: the first row must be a header with at least `question, A, B, answer` "
        "(and optionally C, D, E, explanation, seconds, tags)"
    ]
    result = parse_csv("question,A,B,answer,difficulty\nQ,x,y,A,hard\n", "extra.csv")
    assert result.quiz is not None
    assert [str(problem) for problem in result.warnings] == [
        "extra.csv:1: column 'difficulty' is not one the importer reads; ignored"
    ]


def test_a_header_without_rows_has_no_questions() -> None:
    result = parse_csv("question,A,B,answer\n", "empty.csv")

    assert result.quiz is None and not result.found_questions


def test_an_answer_that_is_both_an_option_number_and_another_options_text_is_refused() -> None:
    # Options that are numbers: `1` is option A by number but option D by text; never pick one silently.
    assert errors("question,A,B,C,D,answer\nWhich?,5,6,0,1,1\n") == [
        "quiz.csv:2: question 1: answer '1' is ambiguous: as an option number it names option A ('5') and "
        "as an option's exact text it names option D ('1'); write the letter instead (A or D)"
    ]
    assert errors("question,A,B,C,answer\nLetters as options?,C,B,A,A\n") == [
        "quiz.csv:2: question 1: answer 'A' is ambiguous: as a letter it names option A ('C') and as an "
        "option's exact text it names option C ('A'); write the letter instead (A or C)"
    ]


def test_an_answer_that_is_exactly_one_options_text_is_accepted_even_when_it_is_a_number() -> None:
    text = (
        "question,A,B,C,D,answer\n"
        "Out of range as a number?,5,6,7,8,8\n"
        "Zero?,5,6,0,1,0\n"
        "Number and text agree?,1,2,3,4,2\n"
        "Letter and text agree?,a,b,c,d,c\n"
    )

    result = parse_csv(text, "numbers.csv")

    assert result.errors == [] and result.quiz is not None
    assert [question.answer_letter for question in result.quiz.questions] == ["D", "C", "B", "C"]
