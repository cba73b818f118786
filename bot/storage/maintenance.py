"""Whole-file database work for the command line: online copies, integrity, version and WAL checks.

These use their own short-lived `sqlite3` connections, so they run beside a live bot (another process
or a worker thread) without touching the bot's connection. Everything but `checkpoint` only reads, through
read-only connections that leave no file behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.domain.shards import SHARD_STATE_PREFIX, ShardState
from bot.storage.database import DatabaseSetupError
from bot.storage.sqlite import (
    BUSY_TIMEOUT_MS,
    QUIZBOT_TABLES,
    check_folder,
    check_quizbot_tables,
    copy_database,
    is_wal_file,
    not_a_database,
    read_only_uri,
)


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
def _connect(path: Path, *, writable: bool = False) -> Iterator[sqlite3.Connection]:
    # sqlite3.connect would create a missing file; callers check existence first and we refuse here too.
    if not path.is_file():
        raise FileNotFoundError(path)
    if writable:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    else:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        yield connection
    finally:
        connection.close()


def check_database_file(path: Path) -> int:
    """Refuse a path that cannot be quizbot's database; its schema version (0 for a file not made yet).

    Cheap (no integrity check), so commands run it before doing anything: `run` before logging in to
    Discord, `backup` before writing a partial copy.
    """
    check_folder(path)
    if not path.exists():
        return 0
    if not path.is_file():
        raise DatabaseSetupError(f"{path} is not a file: check QUIZBOT_DB (or --db).")
    try:
        with _connect(path) as connection:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise not_a_database(path, error) from None
    check_quizbot_tables(path, version, tables)
    return version


def online_copy(source: Path, destination: Path) -> None:
    """Copy a possibly live database (see `copy_database`) into a new single-file database."""
    copy_database(source, destination)
    dst = sqlite3.connect(destination, isolation_level=None)
    try:
        # The copy inherits WAL mode; a rollback-journal file is one self-contained file to move around.
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()


def inspect(path: Path, *, max_problems: int = 20) -> DatabaseFacts:
    """Schema version, journal mode and `PRAGMA integrity_check` of the database at `path`."""
    with _connect(path) as connection:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        # A read-only connection opened with immutable=1 says "delete" for a WAL file: the header knows.
        journal = "wal" if is_wal_file(path) else str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = connection.execute(f"PRAGMA integrity_check({int(max_problems)})").fetchall()
    return DatabaseFacts(
        schema_version=version,
        journal_mode=journal,
        is_quizbot=tables >= QUIZBOT_TABLES,
        integrity=tuple(str(row[0]) for row in rows),
    )


def integrity_problems(path: Path) -> list[str]:
    """An empty list when `PRAGMA integrity_check` says ok, else what it found."""
    facts = inspect(path)
    return [] if facts.intact else list(facts.integrity)


def checkpoint(path: Path) -> bool:
    """Fold the WAL into the main file (the bot must be stopped); True when the WAL is now empty."""
    with _connect(path, writable=True) as connection:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy == 0)


def shard_states(path: Path) -> list[ShardState]:
    """What the bot process last recorded about each of its gateway shards, by shard id."""
    with _connect(path) as connection:
        rows = connection.execute(
            "SELECT key, value FROM meta WHERE key LIKE ? ORDER BY key", (f"{SHARD_STATE_PREFIX}%",)
        ).fetchall()
    states = (ShardState.decode(str(key), str(value)) for key, value in rows)
    return sorted((state for state in states if state is not None), key=lambda state: state.shard_id)


def daily_channels(path: Path) -> list[tuple[int, int]]:
    """(guild id, channel id) of every daily schedule, for the doctor's permission check."""
    with _connect(path) as connection:
        rows = connection.execute(
            "SELECT guild_id, channel_id FROM daily_schedules ORDER BY guild_id, channel_id"
        ).fetchall()
    return [(int(guild_id), int(channel_id)) for guild_id, channel_id in rows]
