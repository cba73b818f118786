"""Whole-file database work for the command line: online copies, integrity, version and WAL checks.

These use their own short-lived `sqlite3` connections, so they run beside a live bot (another process
or a worker thread) without touching the bot's connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.storage.database import BUSY_TIMEOUT_MS

# Tables every quizbot database has had since schema version 1; used to tell our files from others.
_QUIZBOT_TABLES = frozenset({"runs", "answers", "meta"})


@dataclass(frozen=True)
class DatabaseFacts:
    """What the doctor and restore need to know about a database file."""

    schema_version: int
    journal_mode: str
    is_quizbot: bool
    integrity: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return self.integrity == ("ok",)


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    # sqlite3.connect would create a missing file; callers check existence first and we refuse here too.
    if not path.is_file():
        raise FileNotFoundError(path)
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def online_copy(source: Path, destination: Path) -> None:
    """Copy a possibly live database with SQLite's backup API into a new single-file database.

    `pages=-1` copies everything in one step under one read snapshot: in WAL mode writers keep going
    meanwhile, and the copy never restarts (a step-by-step backup restarts whenever another connection
    writes between steps, so under steady clicks it might never finish).
    """
    with _connect(source) as src:
        dst = sqlite3.connect(destination, isolation_level=None)
        try:
            src.backup(dst, pages=-1)
            # The copy inherits WAL mode; a rollback-journal file is one self-contained file to move around.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()


def inspect(path: Path, *, max_problems: int = 20) -> DatabaseFacts:
    """Schema version, journal mode and `PRAGMA integrity_check` of the database at `path`."""
    with _connect(path) as connection:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        journal = str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = connection.execute(f"PRAGMA integrity_check({int(max_problems)})").fetchall()
    return DatabaseFacts(
        schema_version=version,
        journal_mode=journal,
        is_quizbot=tables >= _QUIZBOT_TABLES,
        integrity=tuple(str(row[0]) for row in rows),
    )


def integrity_problems(path: Path) -> list[str]:
    """An empty list when `PRAGMA integrity_check` says ok, else what it found."""
    facts = inspect(path)
    return [] if facts.intact else list(facts.integrity)


def checkpoint(path: Path) -> bool:
    """Fold the WAL into the main file (the bot must be stopped); True when the WAL is now empty."""
    with _connect(path) as connection:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy == 0)


def daily_channels(path: Path) -> list[tuple[int, int]]:
    """(guild id, channel id) of every daily schedule, for the doctor's permission check."""
    with _connect(path) as connection:
        rows = connection.execute(
            "SELECT guild_id, channel_id FROM daily_schedules ORDER BY guild_id, channel_id"
        ).fetchall()
    return [(int(guild_id), int(channel_id)) for guild_id, channel_id in rows]
