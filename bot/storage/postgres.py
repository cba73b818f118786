"""The PostgreSQL backend (asyncpg): a connection pool, migrations, and outages reported as such.

Selected by a `postgresql://` URL in QUIZBOT_DB. The stores' SQL is shared with SQLite: `?` and `:name`
placeholders become `$n` here, once per statement text.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, TypeAlias

import asyncpg

from bot.domain.database_target import redacted
from bot.storage.database import (
    ConstraintError,
    Database,
    DatabaseSetupError,
    Params,
    Reader,
    Row,
    Session,
    StorageError,
    StorageUnavailableError,
)
from bot.storage.pg_migrations import PG_MIGRATIONS

log = logging.getLogger(__name__)

# A statement that runs longer than this is cancelled: a click must hear back within Discord's 3 s, and a
# stuck query must not hold a pooled connection forever. Reports and migrations run far below it.
STATEMENT_TIMEOUT_MS = 10_000
# How long to wait for a free pooled connection or a new one before calling the database unavailable.
ACQUIRE_TIMEOUT_S = 5.0
# One process's connections: the click path needs one at a time (the group commit), the rest serve
# commands and timers. Several processes share one server, whose default max_connections is 100.
POOL_MIN_SIZE = 2
POOL_MAX_SIZE = 10

# Advisory lock keys (any 64-bit numbers, fixed for quizbot): migrations run one process at a time, and a
# transaction takes the write lock as SQLite's BEGIN IMMEDIATE does, so multi-statement transactions
# see the same one-writer-at-a-time world on both backends. The click path's single statements do not
# take it: each is atomic on its own.
MIGRATION_LOCK = 0x7175697A626F7401
WRITE_LOCK = 0x7175697A626F7402

# Tables every quizbot database has had since schema version 1; used to tell ours from another program's.
QUIZBOT_TABLES = frozenset({"runs", "answers", "meta"})

# Errors that mean "the server is not there right now" rather than "this statement is wrong": the
# network or server went away (class 08), the server is shutting down or starting (class 57, which also
# holds the statement timeout's cancel), or no connection was free in time.
_OUTAGE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
)
# A server that says goodbye (restarting, or the session terminated) sends its FATAL message before it
# closes the socket; a connection lent out between the two fails in asyncpg's client code before anything
# is sent ("cannot switch to state ..."). That is the same outage, seen a moment early.
_BROKEN: tuple[type[BaseException], ...] = (*_OUTAGE, asyncpg.exceptions.InternalClientError)
# Wrong settings rather than a passing outage: a bad password, no such role or database.
_SETUP: tuple[type[BaseException], ...] = (
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidCatalogNameError,
)

# A connection as the pool lends it (asyncpg's proxy), or a plain one.
_Connection: TypeAlias = "asyncpg.Connection[Any] | asyncpg.pool.PoolConnectionProxy[Any]"

_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|--[^\n]*|::|\?|:([A-Za-z_][A-Za-z0-9_]*)")


@lru_cache(maxsize=2048)
def postgres_statement(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """`sql` with `$n` placeholders, and the parameter names in order when it used `:name` ones."""
    names: list[str] = []
    positional = 0

    def number(match: re.Match[str]) -> str:
        nonlocal positional
        text = match.group(0)
        if text == "?":
            positional += 1
            return f"${positional}"
        name = match.group(1)
        if name is None:
            return text  # a literal, a comment or a cast
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    converted = _PLACEHOLDER.sub(number, sql)
    if names and positional:
        raise ValueError(f"statement mixes ? and :name placeholders: {sql[:80]}")
    return converted, (tuple(names) if names else None)


def _arguments(names: tuple[str, ...] | None, params: Params) -> tuple[Any, ...]:
    if names is None:
        return tuple(params)
    if not isinstance(params, Mapping):
        raise TypeError("a statement with :name placeholders takes a mapping")
    return tuple(params[name] for name in names)


def _prepare(sql: str, params: Params) -> tuple[str, tuple[Any, ...]]:
    text, names = postgres_statement(sql)
    return text, _arguments(names, params)


def _changed(status: str) -> int:
    """Rows changed, from a command status such as 'UPDATE 3' or 'INSERT 0 1'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


@asynccontextmanager
async def connection_errors(where: str) -> AsyncIterator[None]:
    """Connecting: wrong settings become a DatabaseSetupError (exit 2), an absent server StorageUnavailableError."""
    try:
        yield
    except _SETUP as error:
        raise DatabaseSetupError(
            f"cannot use PostgreSQL database {where}: {error}. Check QUIZBOT_DB (or --db)."
        ) from None
    except ValueError as error:  # asyncpg's word for a URL it cannot read
        raise DatabaseSetupError(
            f"QUIZBOT_DB {where} is not a PostgreSQL URL asyncpg can use: {error}"
        ) from None
    except _OUTAGE as error:
        raise StorageUnavailableError(
            f"cannot reach PostgreSQL at {where} ({type(error).__name__}: {error}): "
            "check that the server is running and QUIZBOT_DB names it, then try again."
        ) from None


async def connect_alone(url: str, *, application_name: str, read_only: bool = False) -> asyncpg.Connection[Any]:
    """One connection outside any pool (held for a process's life, or for one check), errors as `open` reports them."""
    settings = {"application_name": application_name, "statement_timeout": str(STATEMENT_TIMEOUT_MS), "TimeZone": "UTC"}
    if read_only:
        settings["default_transaction_read_only"] = "on"
    async with connection_errors(redacted(url)):
        return await asyncpg.connect(url, timeout=ACQUIRE_TIMEOUT_S, server_settings=settings)


async def check_connection(url: str) -> None:
    """Connect once and hang up: the check a command makes before it logs in to Discord."""
    connection = await connect_alone(url, application_name="quizbot check")
    await connection.close()


async def _keep_session(connection: asyncpg.Connection[Any]) -> None:
    """What the pool does to a connection given back, besides rolling back a transaction left open: nothing.

    asyncpg's default runs `RESET ALL`, `UNLISTEN *`, `CLOSE ALL` and an advisory unlock on every release,
    a second round trip after every statement (a click's batch included: measured 0.24 ms against 0.08 ms
    a statement on loopback). Nothing here changes a pooled session: settings are given at connect, the
    advisory locks taken are transaction-level, cursors live inside transactions, nobody LISTENs.
    """


class _Guarded:
    """Turns asyncpg's errors into ours: a broken constraint, or an outage that the caller can retry."""

    where: str

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        try:
            yield
        except asyncpg.IntegrityConstraintViolationError as error:
            raise ConstraintError(str(error)) from error
        except _BROKEN as error:
            # Members may read this (a command's reply): no host or user, only what happened.
            raise StorageUnavailableError(
                f"the bot's database is unavailable right now ({type(error).__name__}); "
                "nothing was saved: try again in a moment."
            ) from error


class _ConnectionStatements(_Guarded, Session):
    """Statements on one pooled connection: a transaction's."""

    def __init__(self, connection: _Connection, where: str) -> None:
        self._connection = connection
        self.where = where

    async def execute(self, sql: str, params: Params = ()) -> int:
        text, args = _prepare(sql, params)
        async with self._guard():
            return _changed(await self._connection.execute(text, *args))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        text, names = postgres_statement(sql)
        async with self._guard():
            await self._connection.executemany(text, [_arguments(names, row) for row in rows])

    async def fetch_one(self, sql: str, params: Params = ()) -> Row:
        text, args = _prepare(sql, params)
        async with self._guard():
            return await self._connection.fetchrow(text, *args)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        text, args = _prepare(sql, params)
        async with self._guard():
            return list(await self._connection.fetch(text, *args))


class _SnapshotStatements(_ConnectionStatements, Reader):
    """Reads inside one REPEATABLE READ transaction: all of them see the moment it began."""

    async def batches(self, sql: str, params: Params, size: int) -> AsyncIterator[list[Row]]:
        text, args = _prepare(sql, params)
        async with self._guard():
            cursor = await self._connection.cursor(text, *args)
            while rows := await cursor.fetch(size):
                yield list(rows)


class PostgresDatabase(_Guarded, Database):
    """A pool of connections to one PostgreSQL database; any statement may run on any of them.

    asyncpg replaces a pooled connection that broke (the server restarted) when it is next acquired, so
    the bot reconnects by itself; until the server is back every statement raises StorageUnavailableError.
    """

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool[Any], url: str) -> None:
        self._pool = pool
        self.url = url
        self.where = redacted(url)

    @classmethod
    async def open(cls, url: str, *, read_only: bool = False) -> PostgresDatabase:
        """Connect and migrate to the current schema (read-only: refuse an old or foreign database instead)."""
        where = redacted(url)
        settings = {
            "application_name": "quizbot",
            "statement_timeout": str(STATEMENT_TIMEOUT_MS),
            # An acknowledged answer must survive a server crash: COMMIT returns once the WAL is on disk.
            "synchronous_commit": "on",
            "TimeZone": "UTC",
        }
        if read_only:
            settings["default_transaction_read_only"] = "on"
        async with connection_errors(where):
            pool = await asyncpg.create_pool(
                url,
                min_size=POOL_MIN_SIZE,
                max_size=POOL_MAX_SIZE,
                timeout=ACQUIRE_TIMEOUT_S,
                server_settings=settings,
                reset=_keep_session,
            )
        database = cls(pool, url)
        try:
            if read_only:
                await database._check_current()
            else:
                await database._migrate()
        except BaseException:
            await pool.close()
            raise
        return database

    # --- schema ---------------------------------------------------------------------------------------

    @staticmethod
    async def _version_on(connection: _Connection) -> int:
        if await connection.fetchval("SELECT to_regclass('meta')") is None:
            return 0
        value = await connection.fetchval("SELECT value FROM meta WHERE key = 'schema_version'")
        return 0 if value is None else int(value)

    async def _check_identity(self, connection: _Connection, version: int) -> None:
        """Refuse another program's database: ours is either empty or has quizbot's tables."""
        tables = {
            str(row[0])
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        }
        if (tables or version) and not tables >= QUIZBOT_TABLES:
            listed = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "") if tables else "no tables"
            raise DatabaseSetupError(
                f"{self.where} is not a quizbot database (it has {listed}; schema version {version}): "
                "check QUIZBOT_DB (or --db); quizbot never changes another program's database."
            )

    async def _check_current(self) -> None:
        async with self._guard(), self._pool.acquire() as connection:
            version = await self._version_on(connection)
            await self._check_identity(connection, version)
        if version != len(PG_MIGRATIONS):
            raise StorageError(
                f"database {self.where} has schema version {version}, and this quizbot reads version "
                f"{len(PG_MIGRATIONS)}: start the bot once to migrate it, or upgrade quizbot."
            )

    async def _migrate(self) -> None:
        async with self._guard(), self._pool.acquire() as connection, connection.transaction():
            # Two processes starting together: the second waits here and finds the work done.
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            current = await self._version_on(connection)
            await self._check_identity(connection, current)
            if current > len(PG_MIGRATIONS):
                raise StorageError(
                    f"database {self.where} has schema version {current}, newer than this quizbot knows "
                    f"({len(PG_MIGRATIONS)}): upgrade quizbot."
                )
            for version in range(current + 1, len(PG_MIGRATIONS) + 1):
                await connection.execute(PG_MIGRATIONS[version - 1])
                await connection.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', $1) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    str(version),
                )
                log.info("database %s migrated to schema version %d", self.where, version)

    async def schema_version(self) -> int:
        async with self._guard(), self._acquired() as connection:
            return await self._version_on(connection)

    # --- statements -----------------------------------------------------------------------------------

    @asynccontextmanager
    async def _acquired(self) -> AsyncIterator[_Connection]:
        """A pooled connection, or StorageUnavailableError once none could be had in ACQUIRE_TIMEOUT_S.

        A connection that broke since its last use (the server restarted) is replaced here by a new one.
        A server that is up but takes no new session right now (too many clients, its database closed to
        connections, still starting) is an outage too: asyncpg raises those as ordinary server errors,
        and nothing was sent yet, so the caller may simply try again later.
        """
        try:
            connection = await self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S)
        except _SETUP:
            raise
        except asyncpg.PostgresError as error:
            raise StorageUnavailableError(
                f"the bot's database is unavailable right now ({type(error).__name__}); "
                "nothing was saved: try again in a moment."
            ) from error
        try:
            yield connection
        except _BROKEN:
            # Never lend it again: the pool connects afresh on its next acquire.
            connection.terminate()
            raise
        finally:
            try:
                await self._pool.release(connection)
            except Exception as error:  # the pool has closed it; a statement that succeeded still stands
                log.warning("dropped a pooled connection to %s on release: %s", self.where, error)

    async def execute(self, sql: str, params: Params = ()) -> int:
        text, args = _prepare(sql, params)
        async with self._guard(), self._acquired() as connection:
            return _changed(await connection.execute(text, *args))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        text, names = postgres_statement(sql)
        async with self._guard(), self._acquired() as connection:
            await connection.executemany(text, [_arguments(names, row) for row in rows])

    async def fetch_one(self, sql: str, params: Params = ()) -> Row:
        text, args = _prepare(sql, params)
        async with self._guard(), self._acquired() as connection:
            return await connection.fetchrow(text, *args)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        text, args = _prepare(sql, params)
        async with self._guard(), self._acquired() as connection:
            return list(await connection.fetch(text, *args))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        async with self._guard(), self._acquired() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            yield _ConnectionStatements(connection, self.where)

    async def transaction_of_one(self, sql: str, params: Params) -> list[Row]:
        # One statement outside BEGIN is a transaction of its own: when this returns, it has committed
        # (and with synchronous_commit on, reached the disk) in a single round trip.
        return await self.fetch_all(sql, params)

    async def batches(self, sql: str, params: Params, size: int) -> AsyncIterator[list[Row]]:
        text, args = _prepare(sql, params)
        async with self._guard(), self._acquired() as connection, connection.transaction(readonly=True):
            cursor = await connection.cursor(text, *args)
            while rows := await cursor.fetch(size):
                yield list(rows)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Reader]:
        async with (
            self._guard(),
            self._acquired() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield _SnapshotStatements(connection, self.where)

    async def close(self) -> None:
        # Gracefully, but not forever: a connection stuck on a dead server is cut.
        try:
            await asyncio.wait_for(self._pool.close(), timeout=ACQUIRE_TIMEOUT_S)
        except TimeoutError:
            self._pool.terminate()
