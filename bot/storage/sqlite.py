"""The SQLite backend (the embedded default): connection settings, migrations and transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import aiosqlite

from bot.storage.database import (
    ConstraintError,
    Database,
    DatabaseSetupError,
    Params,
    Reader,
    Row,
    Session,
    StorageError,
)
from bot.storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# synchronous=FULL: WAL is synced on every commit, so an answer we acknowledged survives a power
# loss too, not only a crash (NORMAL could roll the last commits back). Measured cost is small
# next to Discord's round trips (see docs/performance.md).
SYNCHRONOUS = "FULL"


# Tables every quizbot database has had since schema version 1; used to tell our files from others.
QUIZBOT_TABLES = frozenset({"runs", "answers", "meta"})
# Byte 18 of a SQLite file header: 1 for a rollback journal, 2 for WAL.
_HEADER_SIZE = 100
_WAL_HEADER_BYTE = 18


def check_folder(path: Path) -> None:
    """Refuse a database path whose folder does not exist (SQLite would say only "unable to open")."""
    if str(path) != ":memory:" and not path.parent.is_dir():
        raise DatabaseSetupError(
            f"database folder {path.parent} does not exist: create it or set QUIZBOT_DB to a writable path."
        )


def not_a_database(path: Path, error: Exception) -> DatabaseSetupError:
    return DatabaseSetupError(
        f"{path} is not a SQLite database ({error}): check QUIZBOT_DB (or --db), "
        "or restore a backup (quizbot restore) if this was the bot's database."
    )


def check_quizbot_tables(path: Path, version: int, tables: set[str]) -> None:
    """Refuse another program's database: a quizbot file is either new (empty) or has quizbot's tables."""
    if version > len(MIGRATIONS):
        return  # a newer quizbot's file, refused by the schema version check with its own advice
    own = {name for name in tables if not name.startswith("sqlite_")}
    if not own and version == 0:
        return
    if not own >= QUIZBOT_TABLES:
        listed = ", ".join(sorted(own)[:3]) + (", ..." if len(own) > 3 else "") if own else "no tables"
        raise DatabaseSetupError(
            f"{path} is not a quizbot database (it has {listed}; schema version {version}): "
            "check QUIZBOT_DB (or --db); quizbot never changes another program's file."
        )


def read_only_uri(path: Path) -> str:
    """A `file:` URI that opens `path` read-only and leaves no trace on disk.

    `mode=ro` alone still creates `-wal` and `-shm` files next to a WAL database that nobody has open,
    and leaves them behind: run as root, they would make the bot's own next open read-only. With no
    companion files there is nothing but the main file to read, so `immutable=1` reads it without them.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if is_wal_file(path) and not any(path.with_name(path.name + s).exists() for s in ("-wal", "-shm")):
        uri += "&immutable=1"
    return uri


def _existing_read_only_uri(path: Path) -> str:
    check_folder(path)
    if not path.is_file():
        raise DatabaseSetupError(f"no database at {path}: check QUIZBOT_DB (or pass --db).")
    return read_only_uri(path)


def is_wal_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            header = handle.read(_HEADER_SIZE)
    except OSError:
        return False
    return len(header) == _HEADER_SIZE and header[_WAL_HEADER_BYTE] == 2


class _Statements(Session):
    """Statements on the one aiosqlite connection; a broken constraint comes out as ConstraintError."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            cursor = await self.connection.execute(sql, params)
        except sqlite3.IntegrityError as error:
            raise ConstraintError(str(error)) from error
        return max(cursor.rowcount, 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            await self.connection.executemany(sql, rows)
        except sqlite3.IntegrityError as error:
            raise ConstraintError(str(error)) from error

    async def fetch_one(self, sql: str, params: Params = ()) -> Row:
        try:
            async with self.connection.execute(sql, params) as cursor:
                return await cursor.fetchone()
        except sqlite3.IntegrityError as error:
            raise ConstraintError(str(error)) from error

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            async with self.connection.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        except sqlite3.IntegrityError as error:
            raise ConstraintError(str(error)) from error


class SqliteDatabase(_Statements, Database):
    """One aiosqlite connection in autocommit mode plus a lock for multi-statement transactions.

    Single-statement writes are atomic on their own; anything that needs several statements goes
    through `transaction()`, because transactions on a shared connection would otherwise interleave
    across coroutines.
    """

    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        super().__init__(connection)
        self.path = path
        self.where = str(path)
        self._write_lock = asyncio.Lock()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        """Open for the bot and for writing commands: WAL mode, migrated to the current schema."""
        check_folder(path)
        try:
            connection = await aiosqlite.connect(path, isolation_level=None)
        except Exception as error:
            raise StorageError(f"cannot open database {path}: {error}. Check QUIZBOT_DB and permissions.") from error
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        try:
            # Before anything is written: another program's file or a non-database is left as it was.
            await database._check_identity()
            await database._configure()
            await database._migrate()
        except sqlite3.DatabaseError as error:
            await connection.close()
            raise not_a_database(path, error) from None
        except BaseException:
            await connection.close()
            raise
        return database

    @classmethod
    async def open_read_only(cls, path: Path) -> SqliteDatabase:
        """Open an existing quizbot database of the current schema for reading; nothing on disk changes."""
        uri = await asyncio.to_thread(_existing_read_only_uri, path)
        try:
            connection = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        except Exception as error:
            raise StorageError(f"cannot open database {path}: {error}. Check QUIZBOT_DB and permissions.") from error
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        try:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA query_only = ON")
            version = await database._check_identity()
        except sqlite3.DatabaseError as error:
            await connection.close()
            raise not_a_database(path, error) from None
        except BaseException:
            await connection.close()
            raise
        if version > len(MIGRATIONS):
            await connection.close()
            raise StorageError(
                f"database {path} has schema version {version}, newer than this quizbot knows "
                f"({len(MIGRATIONS)}): upgrade quizbot."
            )
        if version < len(MIGRATIONS):
            # An older file (a backup kept for months) is read through a migrated scratch copy, never changed.
            await connection.close()
            return await cls._open_migrated_copy(path)
        return database

    @classmethod
    async def _open_migrated_copy(cls, path: Path) -> SqliteDatabase:
        scratch = tempfile.TemporaryDirectory(prefix="quizbot-read-")
        try:
            copy = Path(scratch.name) / path.name
            await asyncio.to_thread(copy_database, path, copy)
            database = await cls.open(copy)
        except BaseException:
            scratch.cleanup()
            raise
        database.path, database._scratch = path, scratch
        return database

    async def _check_identity(self) -> int:
        version = await self.user_version()
        rows = await self.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
        check_quizbot_tables(self.path, version, {str(row[0]) for row in rows})
        return version

    async def _configure(self) -> None:
        await self.connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        async with self.connection.execute("PRAGMA journal_mode = WAL") as cursor:
            row = await cursor.fetchone()
        if row is not None and str(row[0]).lower() not in ("wal", "memory"):
            log.warning("database %s refused WAL mode (journal_mode=%s)", self.path, row[0])
        await self.connection.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        await self.connection.execute("PRAGMA foreign_keys = ON")

    async def schema_version(self) -> int:
        return await self.user_version()

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

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """Run several statements atomically (BEGIN IMMEDIATE takes the write lock up front)."""
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield _Statements(self.connection)
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")

    async def transaction_of_one(self, sql: str, params: Params) -> list[Row]:
        """`sql` alone inside BEGIN IMMEDIATE … COMMIT, committed when this returns; its rows.

        The same as one statement in `transaction()`, in one trip to aiosqlite's thread instead of three
        (BEGIN, the statement, COMMIT): each trip waits for the event loop to hear back, and under a
        burst of clicks the loop is busy, so a group commit took three of its turns (docs/performance.md).
        """
        async with self._write_lock:
            # aiosqlite has no public call for running a function on its thread; `_execute` is that call.
            try:
                rows = await self.connection._execute(_in_transaction, self.connection, sql, params)  # type: ignore[no-untyped-call]
            except sqlite3.IntegrityError as error:
                raise ConstraintError(str(error)) from error
        return cast(list[Any], rows)

    async def batches(self, sql: str, params: Params, size: int) -> AsyncIterator[list[Row]]:
        async with self.connection.execute(sql, params) as cursor:
            while rows := await cursor.fetchmany(size):
                yield list(rows)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Reader]:
        """One read transaction on the connection: in WAL mode it sees one moment while the bot writes on.

        The lock keeps this process's own transactions off the connection meanwhile (they would join the
        read transaction); every read on the connection until the end sees the same moment, `self`'s too.
        """
        async with self._write_lock:
            await self.connection.execute("BEGIN")
            try:
                # A deferred transaction takes its snapshot at its first read: take it now, not mid-copy.
                await self.fetch_one("SELECT count(*) FROM sqlite_master")
                yield self
            finally:
                await self.connection.execute("ROLLBACK")

    async def close(self) -> None:
        await self.connection.close()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def _in_transaction(connection: aiosqlite.Connection, sql: str, params: Any) -> list[Any]:
    """On aiosqlite's thread: BEGIN IMMEDIATE, the statement and its rows, COMMIT; ROLLBACK if any fails."""
    raw = connection._conn  # the sqlite3 connection, used on its own thread only
    raw.execute("BEGIN IMMEDIATE")
    try:
        rows = raw.execute(sql, params).fetchall()
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return rows


def copy_database(source: Path, destination: Path) -> None:
    """Copy a possibly live database with SQLite's backup API, reading it through a read-only connection.

    `pages=-1` copies everything in one step under one read snapshot: in WAL mode writers keep going
    meanwhile, and the copy never restarts (a step-by-step backup restarts whenever another connection
    writes between steps, so under steady clicks it might never finish).
    """
    src = sqlite3.connect(read_only_uri(source), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()


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
