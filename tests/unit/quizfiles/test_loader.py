"""Quiz files: every validation rule gives an exact `path:line: message`; unsafe YAML is refused."""

from __future__ import annotations

import logging
import os
import re
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from bot.domain.quiz import Question, Quiz
from bot.quizfiles import (
    MAX_FILE_BYTES,
    Problem,
    QuizCatalog,
    QuizFileError,
    dump_quiz,
    load_quiz_file,
    parse_quiz_text,
    resolve_quiz_path,
    rules,
    safe_yaml,
)
from bot.quizfiles.validate_cli import run_validate
from tests.helpers import REPO_ROOT, TEST_DATA

DATA = TEST_DATA / "quizzes"
PATH = "quizzes/sample.yaml"

ONE_QUESTION = """\
title: Sample
questions:
  - prompt: What is 2 + 2?
    choices: ["3", "4"]
    answer: B
"""


def problems_of(text: str, quiz_id: str = "sample") -> list[str]:
    with pytest.raises(QuizFileError) as caught:
        parse_quiz_text(textwrap.dedent(text), quiz_id, PATH)
    return [str(problem) for problem in caught.value.problems]


def test_valid_file_loads_every_field() -> None:
    quiz = load_quiz_file(DATA / "valid" / "python-basics.yaml")

    assert quiz == Quiz(
        id="python-basics",
        title="Python basics: warm-up",
        description="Five minutes on lists and strings.\nAnswers are revealed after each question.",
        series="python-course",
        day=3,
        seconds_per_question=20,
        tags=("python",),
        questions=(
            Question(
                id="len-empty",
                prompt="What does len([]) return?",
                choices=("0", "None", "It raises TypeError"),
                answer=0,
                explanation="An empty list has no items, so its length is 0.",
                tags=("lists",),
            ),
            Question(
                id="q2",
                prompt="Which of these is a valid string literal?",
                choices=('"hi"', "'hi'", "both", "neither"),
                answer=2,
            ),
        ),
    )


def test_defaults_and_outer_spaces_are_dropped() -> None:
    quiz = parse_quiz_text(ONE_QUESTION.replace("What is", "   What is"), "sample", PATH)

    assert quiz.seconds_per_question == 30
    assert quiz.questions[0].id == "q1"
    assert quiz.questions[0].prompt == "What is 2 + 2?"
    assert (quiz.description, quiz.series, quiz.day, quiz.tags) == ("", None, None, ())


INVALID_CASES = {
    "empty file": (
        "",
        [
            "quizzes/sample.yaml:1: the file is empty; a quiz needs a title and questions "
            "(see docs/quiz-format.md)"
        ],
    ),
    "top level is a list": (
        "- title: x\n",
        [
            "quizzes/sample.yaml:1: a quiz file must be a mapping with 'title:' and 'questions:'; "
            "see docs/quiz-format.md"
        ],
    ),
    "missing title and questions": (
        "description: hello\n",
        [
            "quizzes/sample.yaml:1: 'title' is missing; add a 'title:' line",
            "quizzes/sample.yaml:1: 'questions' is missing; add a 'questions:' list (see "
            "docs/quiz-format.md)",
        ],
    ),
    "unknown fields": (
        ONE_QUESTION + "titel: x\ncolour: red\n",
        [
            "quizzes/sample.yaml:6: unknown field 'titel'; did you mean 'title'?",
            "quizzes/sample.yaml:7: unknown field 'colour'; allowed fields are title, description, series, "
            "day, seconds_per_question, shuffle_choices, tags, questions",
        ],
    ),
    "typo in a question field": (
        """\
        title: Sample
        questions:
          - prompt: What is 2 + 2?
            choises: ["3", "4"]
            answer: B
        """,
        [
            "quizzes/sample.yaml:3: question 1: 'choices' is missing; add a 'choices:' list "
            "of 2 to 5 answers",
            "quizzes/sample.yaml:4: question 1: unknown field 'choises'; did you mean 'choices'?",
        ],
    ),
    "field twice": (
        ONE_QUESTION + "title: Again\n",
        ["quizzes/sample.yaml:6: field 'title' appears twice (first on line 1); keep one"],
    ),
    "YAML booleans and numbers where text is expected": (
        """\
        title: 2024-01-01
        questions:
          - prompt: 1.5
            choices: [yes, no, "maybe"]
            answer: A
        """,
        [
            "quizzes/sample.yaml:1: title must be text, but 2024-01-01 is read as a YAML date; "
            'write it in quotes: "2024-01-01"',
            "quizzes/sample.yaml:3: question 1: prompt must be text, but 1.5 is read as a YAML number; "
            'write it in quotes: "1.5"',
            "quizzes/sample.yaml:4: question 1: choice A must be text, but yes is read as a YAML boolean; "
            'write it in quotes: "yes"',
            "quizzes/sample.yaml:4: question 1: choice B must be text, but no is read as a YAML boolean; "
            'write it in quotes: "no"',
        ],
    ),
    "empty texts": (
        """\
        title: ""
        description:
        questions:
          - prompt: "  "
            choices: [a, b]
            answer: A
            explanation: ''
        """,
        [
            "quizzes/sample.yaml:1: title is empty; write the text",
            "quizzes/sample.yaml:2: description is empty; write the text or remove the line",
            "quizzes/sample.yaml:4: question 1: prompt is empty; write the text",
            "quizzes/sample.yaml:7: question 1: explanation is empty; write the text or remove the line",
        ],
    ),
    "text where a list is expected and a list where text is expected": (
        """\
        title: [a, b]
        questions:
          - prompt: Pick one
            choices: a, b
            answer: A
        """,
        [
            "quizzes/sample.yaml:1: title must be text, not a list; put the whole text in quotes",
            "quizzes/sample.yaml:4: question 1: choices must be a list of 2 to 5 answers, one per '- ' line",
        ],
    ),
    "numbers out of range": (
        ONE_QUESTION + "seconds_per_question: 601\nday: -1\n",
        [
            "quizzes/sample.yaml:6: seconds_per_question must be a whole number from 5 to 600, got 601",
            "quizzes/sample.yaml:7: day must be a whole number, 0 or more, got -1",
        ],
    ),
    "numbers written as text": (
        ONE_QUESTION + "seconds_per_question: '30'\nday: 4.5\n",
        [
            "quizzes/sample.yaml:6: seconds_per_question must be a whole number from 5 to 600, got 30",
            "quizzes/sample.yaml:7: day must be a whole number, 0 or more, got 4.5",
        ],
    ),
    "no questions": (
        "title: Sample\nquestions: []\n",
        ["quizzes/sample.yaml:2: questions is empty; add at least 1 question"],
    ),
    "questions is not a list": (
        "title: Sample\nquestions: many\n",
        ["quizzes/sample.yaml:2: questions must be a list: start each question with '- '"],
    ),
    "a question that is not a mapping": (
        "title: Sample\nquestions:\n  - What is 2 + 2?\n",
        ["quizzes/sample.yaml:3: question 1 must be a mapping with prompt, choices and answer"],
    ),
    "too few and too many choices": (
        """\
        title: Sample
        questions:
          - prompt: One?
            choices: [a]
            answer: A
          - prompt: Six?
            choices: [a, b, c, d, e, f]
            answer: A
        """,
        [
            "quizzes/sample.yaml:4: question 1: has 1 choices; a question needs 2 to 5 (shown as A..E)",
            "quizzes/sample.yaml:7: question 2: has 6 choices; a question needs 2 to 5 (shown as A..E)",
        ],
    ),
    "duplicate choices": (
        """\
        title: Sample
        questions:
          - prompt: Which?
            choices:
              - Low rank
              - High rank
              - low  RANK
            answer: A
        """,
        ["quizzes/sample.yaml:7: question 1: choice C is the same as choice A; make every choice different"],
    ),
    "answers that are not a choice": (
        """\
        title: Sample
        questions:
          - prompt: First?
            choices: [a, b, c, d]
            answer: E
          - prompt: Second?
            choices: [a, b]
            answer: Bee
          - prompt: Third?
            choices: [a, b]
            answer: 1
          - prompt: Fourth?
            choices: [a, b]
        """,
        [
            "quizzes/sample.yaml:5: question 1: answer 'E' is not one of the choices A..D",
            "quizzes/sample.yaml:8: question 2: answer must be the letter of the correct "
            "choice (A..B), got 'Bee'",
            "quizzes/sample.yaml:11: question 3: answer must be the letter of the correct "
            "choice (A..B), got 1",
            "quizzes/sample.yaml:12: question 4: 'answer' is missing; "
            "add 'answer:' with the letter of the correct choice",
        ],
    ),
    "missing prompt": (
        "title: Sample\nquestions:\n  - choices: [a, b]\n    answer: A\n",
        ["quizzes/sample.yaml:3: question 1: 'prompt' is missing; add a 'prompt:' line"],
    ),
    "question ids": (
        """\
        title: Sample
        questions:
          - id: lora principle
            prompt: First?
            choices: [a, b]
            answer: A
          - id: q3
            prompt: Second?
            choices: [a, b]
            answer: A
          - prompt: Third?
            choices: [a, b]
            answer: A
          - id: q3
            prompt: Fourth?
            choices: [a, b]
            answer: A
        """,
        [
            "quizzes/sample.yaml:3: question 1: id 'lora principle' may only use letters, digits, '.', '_' "
            "and '-' (at most 40 characters), e.g. lora-principle",
            "quizzes/sample.yaml:11: question 3: id 'q3' (its default id) is already used by question 2; "
            "give each question its own id",
            "quizzes/sample.yaml:14: question 4: id 'q3' is already used by question 2; "
            "give each question its own id",
        ],
    ),
    "tags": (
        ONE_QUESTION.replace("answer: B", "answer: B\n    tags: lora") + f"tags: [ok, {'x' * 33}, 7]\n",
        [
            "quizzes/sample.yaml:6: question 1: tags must be a list, e.g. tags: [lora, qlora]",
            "quizzes/sample.yaml:7: tag is 33 characters, over the 32 Discord can show; shorten it",
            "quizzes/sample.yaml:7: tag must be text, but 7 is read as a YAML number; write "
            'it in quotes: "7"',
        ],
    ),
    "several YAML documents": (
        ONE_QUESTION + "---\ntitle: Second\n",
        [
            "quizzes/sample.yaml:6: a quiz file holds one YAML document; remove this '---' and what follows, "
            "or move it to its own file"
        ],
    ),
    "anchors and aliases": (
        """\
        title: &name Sample
        questions:
          - prompt: *name
            choices: [a, b]
            answer: A
        """,
        [
            "quizzes/sample.yaml:1: anchor &name is not allowed in quiz files; remove it",
            "quizzes/sample.yaml:3: alias *name is not allowed in quiz files; write the text out",
        ],
    ),
    "explicit tags": (
        ONE_QUESTION.replace("Sample", "!!binary aGk=") + "description: !!str 1.5\n",
        [
            "quizzes/sample.yaml:1: YAML tag !!binary is not allowed in quiz files; "
            "remove it (put text in quotes instead)"
        ],
    ),
    "syntax error": (
        "title: Sample\nquestions:\n  - prompt: Why: because\n",
        [
            "quizzes/sample.yaml:3: YAML syntax error: mapping values are not allowed here; check the "
            "indentation and put text containing ': ' or starting with a special character in quotes"
        ],
    ),
    "control character": (
        "title: Sam\x07ple\n",
        ["quizzes/sample.yaml:1: character 0x0007 is not allowed in a quiz file; remove it"],
    ),
    "escaped NUL": (
        'title: "Sam\\0ple"\n',
        [
            "quizzes/sample.yaml:1: title contains a NUL character (\\0 or \\x00); remove it",
            "quizzes/sample.yaml:1: 'questions' is missing; add a 'questions:' list (see docs/quiz-format.md)",
        ],
    ),
}


@pytest.mark.parametrize(("text", "expected"), INVALID_CASES.values(), ids=INVALID_CASES.keys())
def test_each_rule_reports_exact_problems(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


# --- images, choice explanations and shuffled choices (issue 14) ------------------------------------------

EXTRAS = """\
title: Sample
shuffle_choices: true
questions:
  - prompt: What is 2 + 2?
    image: https://cdn.example.com/sums/2+2.png?size=large#top
    choices: ["3", "4", "5", All of the above]
    answer: B
    choice_explanations:
      a: One short.
      C: |-
        One too many.
        Count again.
    shuffle_choices: false
  - prompt: Which is prime?
    choices: ["4", "7"]
    answer: B
"""


def test_image_choice_explanations_and_shuffle_load() -> None:
    quiz = parse_quiz_text(EXTRAS, "sample", PATH)

    first, second = quiz.questions
    assert quiz.shuffle_choices is True
    assert first.image == "https://cdn.example.com/sums/2+2.png?size=large#top"
    assert first.choice_explanations == ("One short.", "", "One too many.\nCount again.", "")
    assert [first.choice_explanation(i) for i in (0, 1, 9)] == ["One short.", "", ""]
    assert (first.shuffle_choices, quiz.shuffles(first)) == (False, False)
    assert (second.image, second.choice_explanations, second.shuffle_choices) == ("", (), None)
    assert quiz.shuffles(second)


def test_writer_writes_the_additions_canonically_and_reads_them_back() -> None:
    quiz = parse_quiz_text(EXTRAS, "sample", PATH)

    assert dump_quiz(quiz) == textwrap.dedent(
        """\
        title: Sample
        seconds_per_question: 30
        shuffle_choices: true
        questions:
          - id: q1
            prompt: What is 2 + 2?
            image: https://cdn.example.com/sums/2+2.png?size=large#top
            choices:
              - '3'
              - '4'
              - '5'
              - All of the above
            answer: B
            choice_explanations:
              A: One short.
              C: |-
                One too many.
                Count again.
            shuffle_choices: false

          - id: q2
            prompt: Which is prime?
            choices:
              - '4'
              - '7'
            answer: B
        """
    )
    assert parse_quiz_text(dump_quiz(quiz), "sample", PATH) == quiz


ADDITION_CASES = {
    "images that are not https URLs Discord can show": (
        """\
        title: Sample
        questions:
          - prompt: One?
            image: http://example.com/a.png
            choices: [a, b]
            answer: A
          - prompt: Two?
            image: https://example.com/a picture.png
            choices: [a, b]
            answer: A
          - prompt: Three?
            image: https:///a.png
            choices: [a, b]
            answer: A
          - prompt: Four?
            image: https://example.com/café.png
            choices: [a, b]
            answer: A
          - prompt: Five?
            image: https://me:secret@example.com/a.png
            choices: [a, b]
            answer: A
          - prompt: Six?
            image: [https://example.com/a.png]
            choices: [a, b]
            answer: A
          - prompt: Seven?
            image: ""
            choices: [a, b]
            answer: A
        """,
        [
            "quizzes/sample.yaml:4: question 1: image must be an https:// URL, got 'http://example.com/a.png'",
            "quizzes/sample.yaml:8: question 2: image must be one URL without spaces or line breaks; "
            "write a space as %20",
            "quizzes/sample.yaml:12: question 3: image has no host name: 'https:///a.png'; "
            "write it as https://example.com/picture.png",
            "quizzes/sample.yaml:16: question 4: image contains 'é', which a URL cannot hold as it is; "
            "percent-encode it (a space is %20)",
            "quizzes/sample.yaml:20: question 5: image must not contain a user name or password (user@host); "
            "link a public image",
            "quizzes/sample.yaml:24: question 6: image must be text, not a list; put the whole text in quotes",
            "quizzes/sample.yaml:28: question 7: image is empty; write the text or remove the line",
        ],
    ),
    "choice explanations for letters that do not exist, twice, or not as a mapping": (
        """\
        title: Sample
        questions:
          - prompt: One?
            choices: [a, b, c]
            answer: A
            choice_explanations:
              D: there is no D
              B: fine
              b: again
              1: not a letter
              C: ""
          - prompt: Two?
            choices: [a, b]
            answer: A
            choice_explanations: [why a, why b]
          - prompt: Three?
            choices: [a, b]
            answer: A
            choice_explanations: {}
          - prompt: Four?
            choices: [a, b]
            answer: A
            choice_explanations:
        """,
        [
            "quizzes/sample.yaml:7: question 1: choice_explanations: there is no choice D; the choices are A..C",
            "quizzes/sample.yaml:9: question 1: choice_explanations: B appears twice (first on line 8); keep one",
            "quizzes/sample.yaml:10: question 1: choice_explanations: '1' is not a choice letter; use the "
            "letters of the choices (A..C)",
            "quizzes/sample.yaml:11: question 1: choice explanation C is empty; write the text",
            "quizzes/sample.yaml:15: question 2: choice_explanations must be a mapping from a choice letter to "
            "its text, e.g. choice_explanations: {A: why A is wrong, C: why C is wrong}",
            "quizzes/sample.yaml:19: question 3: choice_explanations is empty; write at least one "
            "'letter: text' line or remove the field",
            "quizzes/sample.yaml:23: question 4: choice_explanations is empty; write at least one "
            "'letter: text' line or remove the field",
        ],
    ),
    "shuffle_choices that is not true or false": (
        """\
        title: Sample
        shuffle_choices: yes
        questions:
          - prompt: One?
            choices: [a, b]
            answer: A
            shuffle_choices: "true"
          - prompt: Two?
            choices: [a, b]
            answer: A
            shuffle_choices: [true]
        """,
        [
            "quizzes/sample.yaml:2: shuffle_choices must be true or false, got yes",
            "quizzes/sample.yaml:7: question 1: shuffle_choices must be true or false, got true",
            "quizzes/sample.yaml:11: question 2: shuffle_choices must be true or false, got a list or mapping",
        ],
    ),
}


@pytest.mark.parametrize(("text", "expected"), ADDITION_CASES.values(), ids=ADDITION_CASES.keys())
def test_each_addition_rule_reports_exact_problems(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_image_and_choice_explanation_length_limits() -> None:
    url = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    text = f"""\
title: Sample
questions:
  - prompt: Fits?
    image: {url}
    choices: [a, b]
    answer: A
    choice_explanations:
      B: {"w" * 500}
  - prompt: Too long?
    image: {url}a
    choices: [a, b]
    answer: A
    choice_explanations:
      B: {"w" * 501}
"""
    assert problems_of(text) == [
        "quizzes/sample.yaml:10: question 2: image is 2049 characters, over the 2048 Discord can show; shorten it",
        "quizzes/sample.yaml:14: question 2: choice explanation B is 501 characters, over the 500 "
        "Discord can show; shorten it",
    ]
    fitting = text.split("  - prompt: Too long?")[0]
    question = parse_quiz_text(fitting, "sample", PATH).questions[0]
    assert (len(question.image), len(question.choice_explanation(1))) == (2048, 500)


def test_discord_length_limits() -> None:
    text = f"""\
title: {"T" * 237}
questions:
  - prompt: {"p" * 1501}
    choices: [ok, {"c" * 401}]
    answer: A
    explanation: {"e" * 1001}
"""
    assert problems_of(text) == [
        "quizzes/sample.yaml:1: title is 237 characters, over the 236 Discord can show; shorten it",
        "quizzes/sample.yaml:3: question 1: prompt is 1501 characters, over the 1500 "
        "Discord can show; shorten it",
        "quizzes/sample.yaml:4: question 1: choice B is 401 characters, over the 400 "
        "Discord can show; shorten it",
        "quizzes/sample.yaml:6: question 1: explanation is 1001 characters, over the 1000 Discord can show; "
        "shorten it",
    ]


def test_prompt_and_choices_must_fit_one_embed(monkeypatch: pytest.MonkeyPatch) -> None:
    # With today's per-field limits the sum always fits; the check guards future limit changes.
    shown = len(rules.question_body("What is 2 + 2?", ["3", "4"]))
    assert shown == len("What is 2 + 2?\n\nA) 3\nB) 4")
    monkeypatch.setattr(rules, "QUESTION_BODY", shown - 1)

    assert problems_of(ONE_QUESTION) == [
        f"quizzes/sample.yaml:3: question 1: prompt and choices take {shown} characters when shown, "
        f"over the {shown - 1} that fit one Discord embed; shorten them"
    ]


def test_too_many_questions() -> None:
    question = "  - prompt: Again?\n    choices: [a, b]\n    answer: A\n"
    assert problems_of("title: Sample\nquestions:\n" + question * 101) == [
        "quizzes/sample.yaml:303: there are 101 questions, over the limit of 100; split the quiz into "
        "several files"
    ]


def test_answer_letter_may_be_lower_case() -> None:
    quiz = parse_quiz_text(ONE_QUESTION.replace("answer: B", "answer: b"), "sample", PATH)
    assert quiz.questions[0].answer_letter == "B"


def test_quiz_id_from_file_name_must_match_pattern() -> None:
    assert problems_of(ONE_QUESTION, quiz_id="Day 48") == [
        "quizzes/sample.yaml:1: 'Day 48' is not a valid quiz id; rename the file to lowercase letters, "
        "digits, '-' and '_' (at most 32 characters) followed by .yaml or .yml"
    ]


def test_problem_string_and_error_summary() -> None:
    error = QuizFileError([Problem("q.yaml", 3, "first"), Problem("q.yaml", 9, "second")])
    assert str(error) == "line 3: first (+1 more)"
    assert str(Problem("quizzes", 0, "cannot read")) == "quizzes: cannot read"


def test_problems_are_capped_per_file() -> None:
    question = "  - prompt: 1\n    choices: [a, b]\n    answer: A\n"
    problems = problems_of("title: Sample\nquestions:\n" + question * 101)
    assert len(problems) == 101
    assert problems[-1] == "quizzes/sample.yaml:303: 2 more problems not shown; fix the ones above first"


# --- unsafe input ---------------------------------------------------------------------------------------


def test_python_object_tag_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f'title: !!python/object/apply:os.system ["touch {marker}"]\nquestions: []\n'

    assert problems_of(text) == [
        "quizzes/sample.yaml:1: YAML tag !!python/object/apply:os.system is not allowed in quiz files; "
        "remove it (put text in quotes instead)"
    ]
    assert not marker.exists()


def test_alias_bomb_is_refused_fast() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    started = time.perf_counter()

    problems = problems_of("\n".join(lines) + "\n")

    assert time.perf_counter() - started < 1.0
    # One line per kind of mistake with a count, not one near-identical line per anchor and alias.
    assert problems == [
        "quizzes/sample.yaml:1: anchor &a0 is not allowed in quiz files, nor are the 9 other anchors on "
        "lines 2 to 10; remove them",
        "quizzes/sample.yaml:2: alias *a0 is not allowed in quiz files, nor are the 80 other aliases on "
        "lines 2 to 10; write the text out",
    ]


def test_files_over_one_mib_are_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("title: x\n" + "#" * MAX_FILE_BYTES)

    with pytest.raises(QuizFileError) as caught:
        load_quiz_file(big)

    assert [str(p) for p in caught.value.problems] == [
        f"{big}:1: file is 1.0 MiB, over the 1 MiB limit for a quiz file; split it into several quizzes"
    ]
    assert problems_of("title: x\n" + "#" * MAX_FILE_BYTES) == [
        "quizzes/sample.yaml:1: file is 1.0 MiB, over the 1 MiB limit for a quiz file; "
        "split it into several quizzes"
    ]


def test_a_file_of_exactly_one_mib_is_read(tmp_path: Path) -> None:
    text = ONE_QUESTION + "#"
    path = tmp_path / "edge.yaml"
    path.write_text(text + "#" * (MAX_FILE_BYTES - len(text)))
    assert load_quiz_file(path).title == "Sample"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"title: ok\nquestions:\n  - prompt: caf\xe9\n")

    with pytest.raises(QuizFileError) as caught:
        load_quiz_file(path)

    assert [str(p) for p in caught.value.problems] == [
        f"{path}:3: the file is not valid UTF-8; save it with UTF-8 encoding"
    ]


# --- paths and the catalog -----------------------------------------------------------------------------


@pytest.fixture
def quiz_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "day48.yaml").write_text(ONE_QUESTION.replace("Sample", '"Day 48 Quiz: LoRA & QLoRA"'))
    (folder / "day49.yaml").write_text(ONE_QUESTION.replace("Sample", "'Day 49 Quiz: Quantization'"))
    (folder / "python-basics.yaml").write_text((DATA / "valid" / "python-basics.yaml").read_text())
    return folder


@pytest.mark.parametrize(
    "quiz_id",
    [
        "../day48",
        "../../etc/passwd",
        "/etc/passwd",
        "a/../../b",
        "x\x00y",
        "DAY48",
        "day48.yaml",
        "",
        "a" * 33,
    ],
)
def test_resolve_refuses_ids_outside_the_pattern(quiz_folder: Path, quiz_id: str) -> None:
    assert resolve_quiz_path(quiz_folder, quiz_id) is None


def test_resolve_follows_only_symlinks_that_stay_inside(quiz_folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text(ONE_QUESTION)
    os.symlink(outside, quiz_folder / "escape.yaml")
    os.symlink(quiz_folder / "day48.yaml", quiz_folder / "latest.yaml")

    assert resolve_quiz_path(quiz_folder, "escape") is None
    assert resolve_quiz_path(quiz_folder, "latest") == quiz_folder / "latest.yaml"
    assert resolve_quiz_path(quiz_folder, "day48") == quiz_folder / "day48.yaml"
    assert resolve_quiz_path(quiz_folder, "missing") is None


def test_catalog_keeps_loading_when_one_file_is_bad(
    quiz_folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (quiz_folder / "broken.yaml").write_text("title: Broken\nquestions:\n  - prompt: yes\n")
    (quiz_folder / "Upper.yaml").write_text(ONE_QUESTION)
    (quiz_folder / "short.yml").write_text(ONE_QUESTION)
    (quiz_folder / "loud.YAML").write_text(ONE_QUESTION)
    (quiz_folder / "notes.txt").write_text("not a quiz")
    (tmp_path / "outside.yaml").write_text(ONE_QUESTION)
    os.symlink(tmp_path / "outside.yaml", quiz_folder / "escape.yaml")

    with caplog.at_level(logging.WARNING, logger="bot.quizfiles.catalog"):
        catalog = QuizCatalog.load(quiz_folder)

    assert catalog.ids() == ["day48", "day49", "python-basics", "short"]
    broken = quiz_folder / "broken.yaml"
    assert [str(p) for p in catalog.problems()] == [
        f"{quiz_folder / 'Upper.yaml'}:1: 'Upper' is not a valid quiz id; rename the file to lowercase "
        "letters, digits, '-' and '_' (at most 32 characters) followed by .yaml or .yml",
        f"{broken}:3: question 1: prompt must be text, but yes is read as a YAML boolean; "
        'write it in quotes: "yes"',
        f"{broken}:3: question 1: 'choices' is missing; add a 'choices:' list of 2 to 5 answers",
        f"{broken}:3: question 1: 'answer' is missing; add 'answer:' with the letter of the correct choice",
        f"{quiz_folder / 'escape.yaml'}:1: refused: not a regular file inside the quiz folder (a symlink "
        "pointing outside?); copy the quiz file into the folder instead",
        f"{quiz_folder / 'loud.YAML'}:1: quiz files end in lower-case .yaml or .yml; rename it to loud.yaml",
    ]
    assert (
        f"refused {broken}: line 3: question 1: prompt must be text, but yes is read as a YAML boolean; "
        'write it in quotes: "yes" (+2 more)'
    ) in caplog.messages


def test_catalog_get_only_looks_up_well_formed_ids(quiz_folder: Path) -> None:
    catalog = QuizCatalog.load(quiz_folder)

    day48 = catalog.get("day48")
    assert day48 is not None
    assert day48.title == "Day 48 Quiz: LoRA & QLoRA"
    for hostile in ["../day48", "DAY48", "day48\x00", "day48.yaml", "nope"]:
        assert catalog.get(hostile) is None


def test_catalog_search_matches_id_or_title_prefix_first(quiz_folder: Path) -> None:
    catalog = QuizCatalog.load(quiz_folder)

    assert [q.id for q in catalog.search("DAY")] == ["day48", "day49"]
    assert [q.id for q in catalog.search("quant")] == ["day49"]
    assert [q.id for q in catalog.search("basics")] == ["python-basics"]
    assert [q.id for q in catalog.search("py")] == ["python-basics"]
    assert [q.id for q in catalog.search("")] == ["day48", "day49", "python-basics"]
    assert [q.id for q in catalog.search("", limit=1)] == ["day48"]
    # "48" is inside the id "day48" and the title; it ranks after any prefix match
    (quiz_folder / "48-review.yaml").write_text(ONE_QUESTION)
    assert [q.id for q in QuizCatalog.load(quiz_folder).search("48")] == ["48-review", "day48"]


def test_catalog_closest_suggests_similar_ids(quiz_folder: Path) -> None:
    catalog = QuizCatalog.load(quiz_folder)

    assert catalog.closest("day84") == ["day48", "day49"]
    assert catalog.closest("Python-Basic") == ["python-basics"]
    assert catalog.closest("zzz") == []


def test_catalog_reload_sees_new_files_and_missing_folder(quiz_folder: Path, tmp_path: Path) -> None:
    catalog = QuizCatalog.load(quiz_folder)
    (quiz_folder / "day50.yaml").write_text(ONE_QUESTION)

    assert "day50" not in catalog.ids()
    assert "day50" in QuizCatalog.load(quiz_folder).ids()
    missing = QuizCatalog.load(tmp_path / "nowhere")
    assert missing.ids() == []
    assert [str(p) for p in missing.problems()] == [
        f"{tmp_path / 'nowhere'}: cannot read the quiz folder (No such file or directory); "
        "create it or set QUIZBOT_QUIZZES"
    ]


# --- the writer ------------------------------------------------------------------------------------------

TRICKY_QUIZ = Quiz(
    id="tricky",
    title="Day 48 Quiz: Fine-tuning Techniques - LoRA & QLoRA",
    description="First line: with a colon\nSecond line # not a comment",
    series="llm-course",
    day=48,
    seconds_per_question=45,
    tags=("lora", "yes"),
    questions=(
        Question(
            id="lora-principle",
            prompt='What does "ΔW = BA" mean in LoRA\'s update?',
            choices=("yes", "no", "1.0", "- a leading dash", "key: value # hash"),
            answer=4,
            explanation="W stays frozen; only B and A train.\n\n- B is d×r\n  - A is r×k",
            tags=("lora", "math"),
        ),
        Question(
            id="q2",
            prompt="Multi-line\nprompt with `code` and 'quotes'",
            choices=("null", "~", "@mention", "*star", "&amp"),
            answer=0,
        ),
        Question(id="q3", prompt="Unicode: 日本語, emoji 🎉, é", choices=("true", "False"), answer=1),
    ),
)


def test_writer_round_trips_tricky_text() -> None:
    text = dump_quiz(TRICKY_QUIZ)
    assert parse_quiz_text(text, "tricky", "tricky.yaml") == TRICKY_QUIZ
    assert dump_quiz(parse_quiz_text(text, "tricky", "tricky.yaml")) == text


def test_writer_output_is_canonical_and_human_editable() -> None:
    quiz = Quiz(
        id="day1",
        title="Day 1",
        questions=(
            Question(
                id="q1",
                prompt="Pick ΔW",
                choices=("A long choice that is longer than eighty characters so it must not be folded", "b"),
                answer=1,
                explanation="Because:\nit is.",
                tags=("lora",),
            ),
            Question(id="q2", prompt="Second?", choices=("x", "y"), answer=0),
        ),
    )

    assert dump_quiz(quiz) == textwrap.dedent(
        """\
        title: Day 1
        seconds_per_question: 30
        questions:
          - id: q1
            prompt: Pick ΔW
            choices:
              - A long choice that is longer than eighty characters so it must not be folded
              - b
            answer: B
            explanation: |-
              Because:
              it is.
            tags: [lora]

          - id: q2
            prompt: Second?
            choices:
              - x
              - y
            answer: A
        """
    )
    assert parse_quiz_text(dump_quiz(quiz), "day1", "day1.yaml") == quiz


def test_writer_round_trips_the_valid_fixture() -> None:
    quiz = load_quiz_file(DATA / "valid" / "python-basics.yaml")
    assert parse_quiz_text(dump_quiz(quiz), quiz.id, "x.yaml") == quiz


# --- quizbot validate ------------------------------------------------------------------------------------


def test_validate_lists_quizzes_when_all_are_valid(
    quiz_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    advice = "add `explanation:` (shown after the question closes; strongly recommended)"

    assert run_validate([quiz_folder]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{quiz_folder / 'day48.yaml'}:2: warning: no question has an explanation; {advice}",
        f"{quiz_folder / 'day49.yaml'}:2: warning: no question has an explanation; {advice}",
        f"{quiz_folder / 'python-basics.yaml'}:21: warning: question 2 has no explanation; {advice}",
        'day48: 1 question, "Day 48 Quiz: LoRA & QLoRA"',
        'day49: 1 question, "Day 49 Quiz: Quantization"',
        'python-basics: 2 questions, "Python basics: warm-up"',
    ]


def test_validate_prints_every_problem_and_fails(
    quiz_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: Bad\nquestions:\n  - prompt: Two?\n    choices: [a, b]\n    answer: C\n")

    assert run_validate([quiz_folder, bad, tmp_path / "missing.yaml"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        f"{bad}:5: question 1: answer 'C' is not one of the choices A..B",
        f"{tmp_path / 'missing.yaml'}: no such file or folder; check the path",
    ]
    assert all(": warning: " in line for line in lines[2:]) and len(lines) == 5


def test_validate_defaults_to_the_quiz_folder(quiz_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_validate([], default_folder=quiz_folder) == 0
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines() if ": warning: " not in line] == [
        "day48",
        "day49",
        "python-basics",
    ]


def test_validate_an_empty_folder_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_validate([tmp_path]) == 1
    assert capsys.readouterr().out == f"{tmp_path}: no quiz files (*.yaml or *.yml) here; add one or check the path\n"


def test_the_documented_example_is_valid() -> None:
    doc = (REPO_ROOT / "docs" / "quiz-format.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]

    quiz = parse_quiz_text(example, "day48", "docs/quiz-format.md")

    assert [question.id for question in quiz.questions] == ["lora-principle", "q2"]
    assert [question.answer_letter for question in quiz.questions] == ["B", "B"]
    assert quiz.questions[0].explanation.endswith("of rank r.")


def test_deep_nesting_is_refused_before_composing() -> None:
    assert problems_of("title: " + "[" * 200 + "]" * 200 + "\n") == [
        "quizzes/sample.yaml:1: lists and mappings are nested more than 16 levels deep; a quiz needs four "
        "(see docs/quiz-format.md)"
    ]


def test_pure_python_loader_gives_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without libyaml the pure-Python SafeLoader is used; behaviour must not change.
    fast = load_quiz_file(DATA / "valid" / "python-basics.yaml")
    monkeypatch.setattr(safe_yaml, "FastLoader", yaml.SafeLoader)

    assert load_quiz_file(DATA / "valid" / "python-basics.yaml") == fast
    assert problems_of(INVALID_CASES["anchors and aliases"][0]) == INVALID_CASES["anchors and aliases"][1]


def test_only_safe_yaml_loaders_are_used() -> None:
    sources = (REPO_ROOT / "bot").rglob("*.py")
    unsafe = re.compile(
        r"yaml\.(load|load_all|unsafe_load|full_load)\(|\b(Full|Unsafe)?Loader=yaml\.(Loader|FullLoader|UnsafeLoader)\b"
    )
    offenders = [str(path) for path in sources if unsafe.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_author_loads_writes_back_and_is_checked() -> None:
    text = ONE_QUESTION + "    author: alice <@1>\n"
    quiz = parse_quiz_text(text, "sample", PATH)

    assert quiz.questions[0].author == "alice <@1>"
    assert dump_quiz(quiz).endswith("    answer: B\n    author: alice <@1>\n")
    assert parse_quiz_text(dump_quiz(quiz), "sample", PATH) == quiz
    assert parse_quiz_text(ONE_QUESTION, "sample", PATH).questions[0].author == ""
    assert problems_of(ONE_QUESTION + "    author: |-\n      two\n      lines\n") == [
        "quizzes/sample.yaml:6: question 1: author must be one line, e.g. author: alice"
    ]
    assert problems_of(ONE_QUESTION + f"    author: {'a' * 101}\n") == [
        "quizzes/sample.yaml:6: question 1: author is 101 characters, over the 100 Discord can show; shorten it"
    ]
