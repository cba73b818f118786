"""`quizbot import`: folders and several files at once, format detection, never overwriting, dry runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.importers.cli import run_import
from bot.importers.detect import detect_format
from bot.quizfiles import load_quiz_file
from tests.helpers import TEST_DATA

MIXED = TEST_DATA / "import" / "mixed"
MIXED_IDS = [
    "bold-numbers",
    "day03",
    "day05",
    "day07",
    "day12",
    "day21",
    "embeddings",
    "geography",
    "python-basics",
    "tokenizers",
]
SMALL_QUIZ = "# Day {day} Quiz: T\n\n1. **Q?**\n   - A) x\n   - B) y\n\n**Answers:** 1-b\n"


def run(paths: list[Path], out: Path | None, *, force: bool = False, dry_run: bool = False) -> int:
    return run_import(paths, out, force=force, dry_run=dry_run, fmt=None)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_folder_mixing_every_layout_and_format_imports_in_one_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quizzes"

    code = run([MIXED], out)

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert sorted(path.stem for path in out.glob("*.yaml")) == MIXED_IDS
    for path in out.glob("*.yaml"):
        assert load_quiz_file(path).id == path.stem
    assert f"ok day07 2 questions ({MIXED / 'days/day-07/quiz.md'} -> {out / 'day07.yaml'})" in lines
    assert f"ok geography 2 questions ({MIXED / 'geography.txt'} -> {out / 'geography.yaml'})" in lines
    assert f"skip {MIXED / 'README.md'}: no questions found, not a quiz" in lines
    assert any(line.startswith(f"warning {MIXED / 'day12-attention.md'}:28: question 2:") for line in lines)
    assert lines[-1] == f"imported 10 of 11 sources into {out}: 0 unchanged, 0 failed, 1 skipped, 3 warnings"


def test_existing_files_are_never_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quizzes"
    kept = write(out / "day03.yaml", "keep me\n")

    code = run([MIXED], out)

    output = capsys.readouterr().out
    assert code == 1
    assert kept.read_text(encoding="utf-8") == "keep me\n"
    assert f"error {MIXED / 'day-03.md'}: {kept} already exists; pass --force to overwrite it" in output
    assert (out / "day07.yaml").is_file()  # the other sources are still written
    assert "imported 9 of 11 sources" in output

    assert run([MIXED], out, force=True) == 0
    assert load_quiz_file(kept).title == "Day 3 Quiz: Gradient Descent"


def test_re_running_an_import_reports_unchanged_files_and_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quizzes"
    assert run([MIXED], out) == 0
    edited = out / "day07.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# my note\n", encoding="utf-8")
    capsys.readouterr()

    code = run([MIXED], out)

    lines = capsys.readouterr().out.splitlines()
    assert code == 1  # only the edited file differs, and it is kept
    assert f"unchanged day03 3 questions ({out / 'day03.yaml'} already holds it)" in lines
    assert f"error {MIXED / 'days/day-07/quiz.md'}: {edited} already exists; pass --force to overwrite it" in lines
    assert lines[-1] == f"imported 0 of 11 sources into {out}: 9 unchanged, 1 failed, 1 skipped, 3 warnings"
    assert edited.read_text(encoding="utf-8").endswith("# my note\n")
    single = out / "day03.yaml"
    assert run([MIXED / "day-03.md"], single) == 0
    assert capsys.readouterr().out.startswith("unchanged day03 3 questions")


def test_a_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "quizzes"

    code = run([MIXED], out, dry_run=True)

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert not out.exists()
    assert "ok day07 2 questions (dry run, not written)" in lines
    assert lines[-1].endswith("; dry run, nothing written")


def test_two_sources_with_the_same_id_are_both_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path / "src" / "a" / "day-01.md", SMALL_QUIZ.format(day=1))
    second = write(tmp_path / "src" / "b" / "lesson.md", SMALL_QUIZ.format(day=1))
    write(tmp_path / "src" / "c.md", SMALL_QUIZ.format(day=2))
    out = tmp_path / "out"

    code = run([tmp_path / "src"], out)

    output = capsys.readouterr().out
    assert code == 1
    assert f"error {first}: quiz id day01 is also produced by {second};" in output
    assert f"error {second}: quiz id day01 is also produced by {first};" in output
    assert sorted(path.name for path in out.iterdir()) == ["day02.yaml"]


def test_a_failing_source_makes_the_exit_code_1_but_the_good_ones_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path / "src" / "bad.md", "# Day 9 Quiz: Bad\n\n1. **Q?**\n   - A) x\n   - B) y\n")
    good = write(tmp_path / "src" / "good.md", SMALL_QUIZ.format(day=10))
    out = tmp_path / "out"

    code = run([bad, good, tmp_path / "missing.md"], out)

    output = capsys.readouterr().out
    assert code == 1
    assert f"error {bad}:3: question 1 has no answer;" in output
    assert f"error {tmp_path / 'missing.md'}: no such file or folder; check the path" in output
    assert (out / "day10.yaml").is_file()
    assert output.splitlines()[-1] == (
        f"imported 1 of 2 sources into {out}: 0 unchanged, 2 failed, 0 skipped, 0 warnings"
    )


def test_a_quiz_the_bot_would_refuse_points_at_the_question_in_the_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_prompt = "Why " * 400 + "?"
    source = write(
        tmp_path / "long.md",
        f"# Day 4 Quiz: Long\n\n1. **Short?**\n   - A) x\n   - B) y\n\n2. **{long_prompt}**\n"
        "   - A) x\n   - B) y\n\n**Answers:** 1-a, 2-b\n",
    )

    code = run([source], tmp_path / "day04.yaml")

    output = capsys.readouterr().out
    assert code == 1
    assert output.startswith(
        f"error {source}:7: the bot would refuse the imported quiz: question 2: prompt is 1601 characters"
    )
    assert not (tmp_path / "day04.yaml").exists()


def test_a_folder_needs_an_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([MIXED], None) == 2
    assert run([MIXED], tmp_path / "one.yaml") == 2

    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "error: importing a folder or several files needs -o DIR (for example -o quizzes/)",
        f"error: -o {tmp_path / 'one.yaml'} must be a folder when importing a folder or several files",
    ]


def test_one_file_without_output_prints_yaml_and_warnings_go_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run([MIXED / "day12-attention.md"], None)

    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.startswith(
        "title: 'LLM Course - Day 12 Quiz: Attention'\nseries: llm-course\nday: 12\n"
    )
    assert captured.err.startswith(f"warning {MIXED / 'day12-attention.md'}:28: question 2:")


def test_one_file_with_an_output_file_takes_its_id_from_that_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "attention.yaml"

    assert run([MIXED / "day12-attention.md"], out) == 0
    assert load_quiz_file(out).id == "attention"
    assert capsys.readouterr().out.startswith("ok attention 2 questions")

    assert run([MIXED / "day-03.md"], out) == 1
    assert load_quiz_file(out).title == "LLM Course - Day 12 Quiz: Attention"
    assert "already exists; pass --force to overwrite it" in capsys.readouterr().out


def test_one_file_into_an_existing_folder(tmp_path: Path) -> None:
    assert run([MIXED / "day-03.md"], tmp_path) == 0
    assert (tmp_path / "day03.yaml").is_file()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("quiz.md", "anything", "markdown"),
        ("quiz.markdown", "", "markdown"),
        ("quiz.CSV", "question,A,B,answer", "csv"),
        ("seed.txt", "# Day 1 Quiz: X\n", "markdown"),
        ("numbered.txt", "1. **Bold question?**\n", "markdown"),
        ("moodle.txt", "Q?\nA. x\nB. y\nANSWER: B\n", "aiken"),
        ("sheet.txt", "Question,A,B,Answer\nQ,x,y,A\n", "csv"),
        ("notes.txt", "just some notes\n", None),
    ],
)
def test_format_detection_by_extension_then_content(name: str, text: str, expected: str | None) -> None:
    assert detect_format(Path(name), text) == expected


def test_format_override_and_undetectable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    aiken_in_md = write(tmp_path / "moodle.md", "Q?\nA. x\nB. y\nANSWER: B\n")
    notes = write(tmp_path / "notes.txt", "just some notes\n")

    assert run([aiken_in_md], tmp_path / "out.yaml") == 1
    capsys.readouterr()
    assert run_import([aiken_in_md], tmp_path / "out.yaml", force=False, dry_run=False, fmt="aiken") == 0
    assert load_quiz_file(tmp_path / "out.yaml").questions[0].answer_letter == "B"

    assert run([notes], None) == 1
    assert run_import([notes], None, force=False, dry_run=False, fmt="yaml") == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        f"error {notes}: cannot tell which quiz format this is; pass --format markdown | aiken | csv",
        "error: unknown --format 'yaml'; use one of: markdown, aiken, csv",
    ]


def test_stray_notes_in_a_folder_are_skipped_but_named_files_must_be_quizzes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = write(tmp_path / "src" / "notes.txt", "just some notes\n")
    write(tmp_path / "src" / "data.csv", "x,y\n1,2\n")
    write(tmp_path / "src" / "day-02.md", SMALL_QUIZ.format(day=2))

    assert run([tmp_path / "src"], tmp_path / "out") == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(": 0 unchanged, 0 failed, 2 skipped, 0 warnings")
    assert run([notes, tmp_path / "src" / "day-02.md"], tmp_path / "out2") == 1


def test_copied_folders_keep_ids_from_folder_names(tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(MIXED / "days", course / "days")

    assert run([course], tmp_path / "out") == 0
    assert sorted(path.stem for path in (tmp_path / "out").glob("*.yaml")) == ["day07", "tokenizers"]


def test_texts_yaml_would_misread_survive_the_round_trip(tmp_path: Path) -> None:
    tricky = ["yes", "1.0", "null", "- dash", "a: b", "#hash", "'single'", '"double"', "ΔW ≈ 2×r", "~"]
    questions = "".join(
        f"{number}. **Is {text} text?**\n   - A) {text}\n   - B) other\n\n"
        for number, text in enumerate(tricky, start=1)
    )
    answers = ", ".join(f"{number}-a" for number in range(1, len(tricky) + 1))
    source = write(tmp_path / "tricky.md", f"# Day 30 Quiz: Tricky\n\n{questions}**Answers:** {answers}\n")

    assert run([source], tmp_path / "day30.yaml") == 0
    quiz = load_quiz_file(tmp_path / "day30.yaml")
    assert [question.choices[0] for question in quiz.questions] == tricky
