"""The markdown importer: the Day 48 seed and every layout of issue 9, with the key cross-checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.importers.cli import run_import
from bot.importers.markdown import parse_markdown
from bot.importers.result import ImportResult

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seeds" / "000_410bd2ece56a659a.txt"
FIXTURES = Path(__file__).resolve().parent / "data" / "import"


def seed_path() -> Path:
    if not SEED.is_file():
        pytest.fail(
            f"the Day 48 seed is missing at {SEED}; check out the shared/ folder beside the repository "
            "(../shared/seeds/) so the importer can be checked against it"
        )
    return SEED


def parse_fixture(name: str) -> ImportResult:
    path = FIXTURES / name
    return parse_markdown(path.read_text(encoding="utf-8"), f"tests/data/import/{name}")


def messages(result: ImportResult, kind: str = "errors") -> list[str]:
    return [str(problem) for problem in getattr(result, kind)]


def test_importing_the_seed_reproduces_the_shipped_day48_yaml_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "day48.yaml"

    code = run_import([seed_path()], out, force=False, dry_run=False, fmt=None)

    assert code == 0
    assert out.read_bytes() == (REPO / "quizzes" / "day48.yaml").read_bytes()


def test_the_seed_gives_ten_questions_with_the_key_answers_and_explanations() -> None:
    result = parse_markdown(seed_path().read_text(encoding="utf-8"), "seed.txt")

    assert result.errors == [] and result.warnings == []
    quiz = result.quiz
    assert quiz is not None
    assert (quiz.id, quiz.day, quiz.series) == ("day48", 48, None)
    assert quiz.title == "Day 48 Quiz: Fine-tuning Techniques - LoRA & QLoRA"
    assert "".join(question.answer_letter for question in quiz.questions) == "BCBCBCCCBC"
    assert [question.id for question in quiz.questions] == [f"q{n}" for n in range(1, 11)]
    assert all(len(question.choices) == 4 for question in quiz.questions)
    assert quiz.questions[6].choices[2] == "Attention projection layers (q_proj, v_proj, etc.)"
    assert quiz.questions[0].explanation.startswith("LoRA's core innovation is representing weight updates ΔW")
    assert quiz.questions[9].explanation.endswith("preventing out-of-memory errors during training.")
