"""One naming rule for quiz files, `<id>.yaml` or `<id>.yml`, in the bot's folder, `validate` and `import -o`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.importers.cli import run_import
from bot.quizfiles import QuizCatalog, resolve_quiz_path
from bot.quizfiles.validate_cli import run_validate

QUIZ = "title: Short\nquestions:\n  - prompt: Two?\n    choices: [a, b]\n    answer: A\n    explanation: A.\n"
SOURCE = "# Day 4 Quiz: T\n\n1. **Q?**\n   - A) x\n   - B) y\n\n**Answers:** 1-b\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_yml_file_is_a_quiz_for_the_folder_validate_and_lookups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quiz_file = write(tmp_path / "quizzes" / "short.yml", QUIZ)

    catalog = QuizCatalog.load(quiz_file.parent)

    assert catalog.ids() == ["short"] and catalog.problems() == []
    assert resolve_quiz_path(quiz_file.parent, "short") == quiz_file
    assert run_validate([quiz_file]) == 0
    assert run_validate([quiz_file.parent]) == 0
    assert capsys.readouterr().out.splitlines() == ['short: 1 question, "Short"'] * 2


def test_import_writes_a_yml_file_that_the_bot_then_loads(tmp_path: Path) -> None:
    source = write(tmp_path / "day04.md", SOURCE)
    out = tmp_path / "quizzes" / "day04.yml"
    out.parent.mkdir()

    assert run_import([source], out, force=False, dry_run=False, fmt=None) == 0

    assert QuizCatalog.load(out.parent).ids() == ["day04"]


def test_the_same_quiz_id_in_a_yaml_and_a_yml_file_is_refused_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "quizzes"
    yaml_file = write(folder / "short.yaml", QUIZ)
    yml_file = write(folder / "short.yml", QUIZ.replace("Short", "Other"))
    message = "short.yaml and short.yml both hold quiz 'short'; keep one of them (the bot refuses both)"

    catalog = QuizCatalog.load(folder)

    assert catalog.ids() == []
    assert [str(problem) for problem in catalog.problems()] == [f"{yaml_file}:1: {message}", f"{yml_file}:1: {message}"]
    assert run_validate([yml_file]) == 1
    assert capsys.readouterr().out == f"{yml_file}:1: {message}\n"


def test_import_never_makes_a_second_file_for_a_quiz_kept_under_the_other_spelling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path / "src" / "day04.md", SOURCE)
    out = tmp_path / "quizzes"
    kept = write(out / "day04.yml", QUIZ)

    assert run_import([source], out / "day04.yaml", force=True, dry_run=False, fmt=None) == 1
    assert f"{kept} already holds quiz day04" in capsys.readouterr().out
    assert run_import([source.parent], out, force=True, dry_run=False, fmt=None) == 0

    assert sorted(path.name for path in out.iterdir()) == ["day04.yml"]
    assert QuizCatalog.load(out).get("day04") is not None


def test_names_the_bot_would_not_load_are_refused_by_validate_and_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loud = write(tmp_path / "loud.YAML", QUIZ)
    notes = write(tmp_path / "notes.txt", QUIZ)
    source = write(tmp_path / "day04.md", SOURCE)

    assert run_validate([loud, notes]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{loud}:1: quiz files end in lower-case .yaml or .yml; rename it to loud.yaml",
        f"{notes}:1: not a quiz file: quiz files are named <id>.yaml or <id>.yml, and the bot would not load "
        "this one (`quizbot import` turns markdown, Aiken or CSV quizzes into quiz files)",
    ]
    assert QuizCatalog.load(tmp_path).ids() == []
    assert run_import([source], tmp_path / "day04.YML", force=False, dry_run=False, fmt=None) == 2
    assert "rename it to day04.yml" in capsys.readouterr().err
    assert not (tmp_path / "day04.YML").exists()
