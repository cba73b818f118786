"""An uploaded file read as a quiz: YAML or any importable format, every problem at once, by line."""

from __future__ import annotations

from bot.library import read_upload
from tests.helpers import REPO_ROOT

SEED = REPO_ROOT.parent / "shared" / "seeds" / "000_410bd2ece56a659a.txt"
YAML = """title: Day 49
questions:
  - id: q1
    prompt: Which rank does LoRA add?
    choices: [a low one, a high one]
    answer: A
    explanation: Low rank keeps the update small.
"""


def test_a_yaml_file_is_read_with_the_id_from_its_name() -> None:
    reading = read_upload("Day49.yaml", YAML.encode())

    assert reading.errors == [] and reading.quiz is not None
    assert reading.quiz.id == "day49" and reading.source == YAML


def test_the_course_seed_in_markdown_becomes_the_day48_quiz() -> None:
    reading = read_upload(SEED.name, SEED.read_bytes())

    assert reading.errors == [] and reading.quiz is not None
    assert reading.quiz.id == "day48" and len(reading.quiz.questions) == 10
    assert reading.source == (REPO_ROOT / "quizzes" / "day48.yaml").read_text()


def test_a_name_given_wins_over_the_file_name() -> None:
    reading = read_upload("whatever.yml", YAML.encode(), "lora-2")
    assert reading.quiz is not None and reading.quiz.id == "lora-2"


def test_every_error_comes_back_at_once_with_its_line_and_nothing_is_accepted() -> None:
    broken = YAML.replace("answer: A", "answer: F").replace("title: Day 49", "title: ''")
    reading = read_upload("day49.yaml", broken.encode())

    assert reading.quiz is None and reading.source is None
    assert len(reading.errors) == 2
    assert all(error.startswith("line ") for error in reading.errors)


def test_a_weak_quiz_is_accepted_with_its_warnings() -> None:
    reading = read_upload(
        "day49.yaml", YAML.replace("    explanation: Low rank keeps the update small.\n", "").encode()
    )

    assert reading.quiz is not None and reading.errors == []
    assert any("explanation" in warning for warning in reading.warnings)


def test_unsafe_or_unreadable_input_is_refused_with_a_reason() -> None:
    assert read_upload("x.yaml", b"\xff\xfe\x00").errors == [
        "line 1: not valid UTF-8; save the file with UTF-8 encoding"
    ]
    tagged = read_upload("x.yaml", b"title: !!python/object:os.system x\n")
    assert tagged.quiz is None and tagged.errors
    assert read_upload("x.yaml", YAML.encode(), "../etc").errors[0].startswith("name `../etc` is not a quiz id")
