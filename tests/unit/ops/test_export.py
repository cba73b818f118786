"""`quizbot export` and `quizbot rescore` from the command line, on a real database file."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.boards import BoardTarget, Scope
from bot.ops.answers_csv import read_answers_csv
from bot.quizfiles.writer import dump_quiz
from bot.storage import open_storage
from tests.helpers import SEED_AT as T0
from tests.helpers import SEED_GUILD as GUILD
from tests.helpers import SEED_QUIZ as QUIZ
from tests.helpers import seed_run


async def _seed(db: Path) -> int:
    storage = await open_storage(db)
    try:
        await seed_run(storage, [(0, 1, "ann", 0, 1.0), (0, 2, "ben", 1, 2.0)], at=T0)
        await seed_run(storage, [(0, 2, "ben", 1, 1.0)], at=T0.replace(day=25))
        return GUILD
    finally:
        await storage.close()


async def _board(db: Path) -> list[tuple[str, int]]:
    storage = await open_storage(db)
    try:
        page = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=1)
        return [(e.user_name, e.correct) for e in page.entries]
    finally:
        await storage.close()


def test_export_writes_the_filtered_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "quizbot.db"
    asyncio.run(_seed(db))
    out = tmp_path / "answers.csv"
    assert main(["export", "--guild", str(GUILD), "--quiz", "lora", "-o", str(out), "--db", str(db)]) == 0
    assert "wrote 3 answers" in capsys.readouterr().out
    assert [(r.user_name, r.choice) for r in read_answers_csv(out.open(encoding="utf-8"))] == [
        ("ann", 0),
        ("ben", 1),
        ("ben", 1),
    ]
    assert main(["export", "--guild", str(GUILD), "--since", "2026-11-21", "-o", str(out), "--db", str(db)]) == 0
    assert len(read_answers_csv(out.open(encoding="utf-8"))) == 1
    assert main(["export", "--guild", "1", "--since", "last week", "-o", str(out), "--db", str(db)]) == 2
    assert "--since must be a date" in capsys.readouterr().err


def test_rescore_prints_the_changes_and_the_board_follows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "quizbot.db"
    asyncio.run(_seed(db))
    assert asyncio.run(_board(db)) == [("ann", 1), ("ben", 0)]
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    fixed = replace(QUIZ, questions=(replace(QUIZ.questions[0], answer=1), *QUIZ.questions[1:]))
    (quizzes / "lora.yaml").write_text(dump_quiz(fixed), encoding="utf-8")
    monkeypatch.setenv("QUIZBOT_QUIZZES", str(quizzes))
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert main(["rescore", "lora", "--db", str(db)]) == 0
    assert "3 answers changed" in capsys.readouterr().out
    assert asyncio.run(_board(db)) == [("ben", 2), ("ann", 0)]
    assert main(["rescore", "nope", "--db", str(db)]) == 1
    assert "no valid quiz 'nope'" in capsys.readouterr().err
