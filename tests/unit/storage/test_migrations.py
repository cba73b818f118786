"""Schema migrations: every older database upgrades to the latest without losing rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import StorageError, open_storage
from bot.storage.migrations import MIGRATIONS
from bot.storage.sqlite import _split_statements


def _create_at_version(path: Path, version: int) -> None:
    connection = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        for statement in _split_statements(script):
            connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {version}")
    connection.commit()
    connection.close()


@pytest.mark.parametrize("start_version", range(1, len(MIGRATIONS) + 1))
async def test_upgrade_keeps_rows(tmp_path: Path, start_version: int) -> None:
    path = tmp_path / "old.db"
    _create_at_version(path, start_version)
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO runs (id, guild_id, channel_id, kind, quiz_id, quiz_title, started_by, created_at, status, "
        "seconds_per_question, scoring_mode, question_count, quiz_snapshot) "
        "VALUES (1, 10, 20, 'live', 'day48', 'Day 48', 1, 0, 'finished', 30, 'accuracy', 1, '{}')"
    )
    connection.execute(
        "INSERT INTO run_questions (run_id, idx, question_id, correct_choice, choice_count, state) "
        "VALUES (1, 0, 'q1', 1, 4, 'closed')"
    )
    connection.execute(
        "INSERT INTO answers (run_id, idx, user_id, guild_id, user_name, choice, correct, answered_at, seconds) "
        "VALUES (1, 0, 5, 10, 'bob', 1, 1, 3.5, 2.0)"
    )
    connection.commit()
    connection.close()

    storage = await open_storage(path)
    try:
        assert await storage.schema_version() == len(MIGRATIONS)
        answers = await storage.runs.answers(1)
        assert [(a.user_name, a.choice, a.correct, a.seconds) for a in answers] == [("bob", 1, True, 2.0)]
        questions = await storage.runs.questions(1)
        assert [(q.correct_choice, q.choice_order) for q in questions] == [(1, None)]  # the file's order
    finally:
        await storage.close()


async def test_fresh_database_reaches_latest_version(tmp_path: Path) -> None:
    storage = await open_storage(tmp_path / "new.db")
    try:
        assert await storage.schema_version() == len(MIGRATIONS)
    finally:
        await storage.close()


async def test_newer_database_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    connection.close()
    with pytest.raises(StorageError, match="upgrade quizbot or restore a backup"):
        await open_storage(path)


async def test_missing_folder_is_explained(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        await open_storage(tmp_path / "nope" / "quizbot.db")
