"""Opening the SQLite database: connection settings, migrations and transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.errors import QuizbotError
from bot.storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# synchronous=FULL: WAL is synced on every commit, so an answer we acknowledged survives a power
# loss too, not only a crash (NORMAL could roll the last commits back). Measured cost is small
# next to Discord's round trips (see docs/performance.md).
SYNCHRONOUS = "FULL"


class StorageError(QuizbotError):
    """The database cannot be used; the message says why and what to do."""


def to_timestamp(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage; use timezone-aware UTC")
    return moment.timestamp()


def from_timestamp(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def instant(value: float) -> datetime:
    """A NOT NULL timestamp column as an aware UTC datetime."""
    return datetime.fromtimestamp(value, UTC)


class Database:
    """One aiosqlite connection in autocommit mode plus a lock for multi-statement transactions.

    Single-statement writes are atomic on their own; anything that needs several statements goes
    through `transaction()`, because transactions on a shared connection would otherwise interleave
    across coroutines.
    """

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        if str(path) != ":memory:" and path.parent and not path.parent.exists():
            raise StorageError(
                f"database folder {path.parent} does not exist: create it or set QUIZBOT_DB to a writable path."
            )
        try:
            connection = await aiosqlite.connect(path, isolation_level=None)
        except Exception as error:
            raise StorageError(f"cannot open database {path}: {error}. Check QUIZBOT_DB and permissions.") from error
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        try:
            await database._configure()
            await database._migrate()
        except BaseException:
            await connection.close()
            raise
        return database

    async def _configure(self) -> None:
        await self.connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        async with self.connection.execute("PRAGMA journal_mode = WAL") as cursor:
            row = await cursor.fetchone()
        if row is not None and str(row[0]).lower() not in ("wal", "memory"):
            log.warning("database %s refused WAL mode (journal_mode=%s)", self.path, row[0])
        await self.connection.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        await self.connection.execute("PRAGMA foreign_keys = ON")

    async def user_version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.user_version()
        if current > len(MIGRATIONS):
            raise StorageError(
                f"database {self.path} has schema version {current}, newer than this quizbot knows "
                f"({len(MIGRATIONS)}): upgrade quizbot or restore a backup."
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            script = MIGRATIONS[version - 1]
            # executescript would commit on its own; run statement by statement inside one transaction.
            async with self.transaction() as connection:
                for statement in _split_statements(script):
                    await connection.execute(statement)
                await connection.execute(f"PRAGMA user_version = {version}")
            log.info("database %s migrated to schema version %d", self.path, version)

    async def fetch_one(self, sql: str, params: Any = ()) -> Any:
        async with self.connection.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Any = ()) -> list[Any]:
        async with self.connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run several statements atomically (BEGIN IMMEDIATE takes the write lock up front)."""
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")

    async def close(self) -> None:
        await self.connection.close()


def _split_statements(script: str) -> list[str]:
    """Split a migration into statements; migrations contain no semicolons inside literals.

    A trigger body holds several `;`-terminated statements, so chunks are joined until SQLite
    itself says the statement is complete.
    """
    statements: list[str] = []
    pending = ""
    for chunk in script.split(";"):
        lines = [line for line in chunk.splitlines() if not line.strip().startswith("--")]
        text = "\n".join(lines).strip()
        if not text:
            continue
        pending = f"{pending}\n{text};" if pending else f"{text};"
        if sqlite3.complete_statement(pending):
            statements.append(pending[:-1])
            pending = ""
    if pending:
        statements.append(pending[:-1])
    return statements
