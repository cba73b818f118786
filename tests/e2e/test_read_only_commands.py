"""Issue 13 §3: commands that only read change nothing on disk, and another program's SQLite file is refused.

`quizbot export` (and `rescore --db`) on another program's file used to add quizbot's tables to it and
switch it to WAL; on a backup file, export switched the backup to WAL; `doctor` created `quizbot.db.lock`.
(That the lock file is ignored by git is tests/test_gitignore_runtime_files.py's business.)
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from bot.storage import open_storage
from bot.storage.migrations import MIGRATIONS
from tests.helpers import REPO_ROOT, SEED_GUILD, quizbot, seed_run


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file in `folder` with a hash of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _journal_mode_on_disk(path: Path) -> int:
    """Byte 18 of the SQLite header: 1 rollback journal, 2 WAL."""
    return path.read_bytes()[18]


def _other_programs_database(path: Path) -> Path:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        connection.execute("INSERT INTO notes (text) VALUES ('mine, not quizbot''s')")
    connection.close()
    return path


async def _stopped_bots_database(path: Path) -> Path:
    """A quizbot database with answers, as the bot leaves it on a clean stop: WAL mode, no -wal/-shm files."""
    storage = await open_storage(path)
    try:
        await seed_run(storage, [(0, 1, "ann", 0, 1.0), (0, 2, "ben", 1, 2.0)])
    finally:
        await storage.close()
    return path


@pytest.mark.parametrize(
    "command", [["export", "--guild", "1", "-o", "answers.csv"], ["rescore", "day48"]], ids=["export", "rescore"]
)
def test_another_programs_sqlite_file_is_refused_and_left_exactly_as_it_was(
    tmp_path: Path, command: list[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    other = _other_programs_database(data / "notes.db")
    before = _snapshot(data)
    result = quizbot(*command, "--db", str(other), env={"QUIZBOT_QUIZZES": str(REPO_ROOT / "quizzes")}, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert f"quizbot: {other} is not a quizbot database (it has notes" in result.stderr
    assert _snapshot(data) == before, "no tables added, no WAL switch, no -wal/-shm files"
    assert _journal_mode_on_disk(other) == 1
    assert not (tmp_path / "answers.csv").exists()


async def test_export_from_a_backup_file_leaves_the_backup_as_it_was(tmp_path: Path) -> None:
    live = await _stopped_bots_database(tmp_path / "quizbot.db")
    backups = tmp_path / "backups"
    backups.mkdir()
    made = quizbot("backup", str(backups / "b.db"), "--db", str(live), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    before = _snapshot(backups)
    out = tmp_path / "a.csv"
    result = quizbot("export", "--guild", str(SEED_GUILD), "-o", str(out), "--db", str(backups / "b.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote 2 answers to {out}\n"
    assert _snapshot(backups) == before, "the backup stays one rollback-journal file"
    assert _journal_mode_on_disk(backups / "b.db") == 1


async def test_export_and_doctor_on_a_stopped_bots_database_create_and_change_no_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = await _stopped_bots_database(data / "quizbot.db")
    before = _snapshot(data)
    assert list(before) == ["quizbot.db"] and _journal_mode_on_disk(db) == 2
    env = {"QUIZBOT_DB": str(db), "QUIZBOT_QUIZZES": str(REPO_ROOT / "quizzes")}
    export = quizbot("export", "--guild", str(SEED_GUILD), "-o", str(tmp_path / "a.csv"), env=env, cwd=tmp_path)
    assert export.returncode == 0 and export.stdout.startswith("wrote 2 answers"), export.stderr
    doctor = quizbot("doctor", "--offline", env={**env, "DISCORD_TOKEN": "a.b.c"}, cwd=tmp_path)
    assert doctor.returncode == 0, doctor.stdout
    assert "[ ok ] database: WAL mode" in doctor.stdout and "no bot process is using it" in doctor.stdout
    assert _snapshot(data) == before, "no quizbot.db.lock, -wal or -shm left behind, and the same bytes"


async def test_export_reads_an_older_schema_without_migrating_the_file(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    connection = sqlite3.connect(old)
    connection.executescript(MIGRATIONS[0])
    with connection:
        connection.execute(
            "INSERT INTO runs (id, guild_id, channel_id, kind, quiz_id, quiz_title, started_by, created_at, status, "
            "seconds_per_question, scoring_mode, question_count, quiz_snapshot) "
            "VALUES (1, ?, 5, 'live', 'lora', 'LoRA', 1, 0, 'finished', 20, 'accuracy', 1, '{}')",
            (SEED_GUILD,),
        )
        connection.execute(
            "INSERT INTO run_questions (run_id, idx, question_id, correct_choice, choice_count) "
            "VALUES (1, 0, 'q1', 0, 4)"
        )
        connection.execute("INSERT INTO answers VALUES (1, 0, 7, ?, 'cat', 0, 1, 1.0, 1.5)", (SEED_GUILD,))
    connection.execute("PRAGMA user_version = 1")
    connection.close()
    before = _snapshot(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    result = quizbot("export", "--guild", str(SEED_GUILD), "-o", str(out / "a.csv"), "--db", str(old), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote 1 answers to {out / 'a.csv'}\n"
    assert "q1" in (out / "a.csv").read_text() and "cat" in (out / "a.csv").read_text()
    assert _snapshot(tmp_path) == before, "still schema version 1, and no scratch copy left beside it"

