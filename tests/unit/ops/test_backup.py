"""`quizbot backup` / `restore`: online copies under concurrent writes, and a restore that keeps the old file."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.quiz import Question, Quiz
from bot.ops.backup import BackupError, backup_database, restore_database
from bot.storage import Storage, open_storage
from bot.storage.db_lock import held_by_bot
from bot.storage.migrations import MIGRATIONS
from tests.helpers import open_first_question

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
QUIZ = Quiz(id="tiny", title="Tiny quiz", questions=(Question("q1", "One?", ("a", "b", "c"), 1),))
# Enough pages that the copy takes a while, so the writer really commits while the backup runs.
PADDING_ROWS = 2500


@pytest.fixture
def storage(sqlite_storage: Storage) -> Storage:
    """Backup and restore copy SQLite files; on PostgreSQL they are pg_dump's job (tests/e2e/test_cli_postgres.py)."""
    return sqlite_storage


async def _open_question(storage: Storage) -> int:
    return await open_first_question(storage, QUIZ, now=NOW, deadline=NOW + timedelta(days=1))


async def _answer(storage: Storage, run_id: int, user_id: int) -> None:
    await storage.runs.record_answer(
        run_id=run_id, index=0, user_id=user_id, user_name=f"user{user_id}", choice=user_id % 3, now=NOW
    )


def _answer_users(path: Path) -> set[int]:
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute("SELECT user_id FROM answers")}
    finally:
        connection.close()


def _companions(db: Path) -> dict[str, bytes]:
    found = {suffix: Path(f"{db}{suffix}") for suffix in ("-wal", "-shm")}
    return {suffix: path.read_bytes() for suffix, path in found.items() if path.exists()}


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


async def test_backup_during_writes_is_intact_and_has_every_answer_committed_before_it(
    storage: Storage, tmp_path: Path
) -> None:
    await storage.database.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO meta (key, value) SELECT 'padding-' || i, hex(randomblob(1500)) FROM n",
        (PADDING_ROWS,),
    )
    run_id = await _open_question(storage)
    before = set(range(300))
    for user_id in before:
        await _answer(storage, run_id, user_id)

    during: list[float] = []
    stop = asyncio.Event()

    async def keep_answering() -> None:
        user_id = 100_000
        while not stop.is_set():
            await _answer(storage, run_id, user_id)
            during.append(time.monotonic())
            user_id += 1

    writer = asyncio.create_task(keep_answering())
    await asyncio.sleep(0)  # the writer is committing before the backup starts
    backup_started = time.monotonic()
    report = await asyncio.to_thread(backup_database, storage.database.path, tmp_path / "copy.db")
    backup_ended = time.monotonic()
    stop.set()
    await writer

    assert any(backup_started < t < backup_ended for t in during), "no answer was written during the backup"
    copy = tmp_path / "copy.db"
    assert report.path == copy and report.schema_version == len(MIGRATIONS)
    assert _integrity(copy) == "ok"
    copied = _answer_users(copy)
    assert before <= copied
    committed_before_backup = {100_000 + i for i, t in enumerate(during) if t < backup_started}
    assert committed_before_backup <= copied
    assert not (tmp_path / "copy.db.partial").exists()
    assert not (tmp_path / "copy.db-wal").exists(), "the backup is one self-contained file"


async def test_backup_refuses_to_overwrite_unless_forced(storage: Storage, tmp_path: Path) -> None:
    out = tmp_path / "copy.db"
    out.write_text("precious")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(storage.database.path, out)
    backup_database(storage.database.path, out, overwrite=True)
    assert _integrity(out) == "ok"


def test_backup_of_a_missing_database_says_which_setting_to_check(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="QUIZBOT_DB"):
        backup_database(tmp_path / "nope.db", tmp_path / "out.db")


async def test_restore_puts_the_backup_back_and_keeps_the_old_database(storage: Storage, tmp_path: Path) -> None:
    run_id = await _open_question(storage)
    await _answer(storage, run_id, 1)
    db = storage.database.path
    backup_database(db, tmp_path / "copy.db")
    await _answer(storage, run_id, 2)  # after the backup: only in the old database
    await storage.close()

    report = restore_database(tmp_path / "copy.db", db)

    assert _answer_users(db) == {1}
    assert report.previous_moved_to is not None and _answer_users(report.previous_moved_to) == {1, 2}
    assert _companions(db) == {}
    reopened = await open_storage(db)  # the bot starts on it again, in WAL mode
    try:
        assert (await reopened.runs.answers(run_id))[0].user_id == 1
    finally:
        await reopened.close()


async def test_restore_moves_a_stale_wal_aside_instead_of_letting_sqlite_replay_it(
    storage: Storage, tmp_path: Path
) -> None:
    db = storage.database.path
    backup_database(db, tmp_path / "copy.db")
    await storage.close()
    await asyncio.to_thread(db.unlink)
    await asyncio.to_thread(Path(f"{db}-wal").write_bytes, b"left over from another database")
    report = restore_database(tmp_path / "copy.db", db, create=True)
    assert _integrity(db) == "ok"
    assert report.previous_moved_to is not None
    assert _companions(report.previous_moved_to)["-wal"] == b"left over from another database"


async def test_restore_refuses_while_a_bot_holds_the_database(storage: Storage, tmp_path: Path) -> None:
    db = storage.database.path
    backup_database(db, tmp_path / "copy.db")
    with held_by_bot(db), pytest.raises(BackupError, match="stop it first"):
        restore_database(tmp_path / "copy.db", db)


def test_restore_refuses_files_that_are_not_quizbot_backups(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE t (x)")
    connection.close()
    with pytest.raises(BackupError, match="not a quizbot database"):
        restore_database(other, tmp_path / "quizbot.db", create=True)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    with pytest.raises(BackupError, match="not a readable SQLite database"):
        restore_database(garbage, tmp_path / "quizbot.db", create=True)
    assert not (tmp_path / "quizbot.db").exists()


async def test_restore_refuses_a_backup_from_a_newer_quizbot(storage: Storage, tmp_path: Path) -> None:
    backup_database(storage.database.path, tmp_path / "copy.db")
    connection = sqlite3.connect(tmp_path / "copy.db")
    connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    connection.close()
    with pytest.raises(BackupError, match="upgrade quizbot"):
        restore_database(tmp_path / "copy.db", tmp_path / "target.db", create=True)


async def test_cli_backup_and_restore_print_one_line_each(
    storage: Storage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(storage.database.path)
    assert main(["backup", str(tmp_path / "b.db"), "--db", db]) == 0
    assert "integrity ok" in capsys.readouterr().out
    assert main(["backup", str(tmp_path / "b.db"), "--db", db]) == 1
    assert capsys.readouterr().err.startswith("quizbot: ")
    await storage.close()
    assert main(["restore", str(tmp_path / "b.db"), "--db", db]) == 0
    assert "start the bot again" in capsys.readouterr().out
