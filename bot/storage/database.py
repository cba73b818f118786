"""What every storage backend offers the stores: statements, transactions and the errors they raise.

The stores write their SQL once, with `?` (or `:name`) placeholders and the SQL both engines share; where
the engines differ a store picks its statement by `Database.dialect`. `bot/storage/sqlite.py` keeps the
embedded default, `bot/storage/postgres.py` the server backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, Literal

from bot.domain.errors import ConfigError, QuizbotError, UnavailableError

Dialect = Literal["sqlite", "postgresql"]
# A row reads by position and by column name on both backends (sqlite3.Row, asyncpg.Record).
Row = Any
Params = Any  # a sequence for `?` placeholders, a mapping for `:name` ones


class StorageError(QuizbotError):
    """The database cannot be used; the message says why and what to do."""


class DatabaseSetupError(StorageError, ConfigError):
    """QUIZBOT_DB (or --db) points at the wrong place: no folder, not a database, another program's file."""


class StorageUnavailableError(StorageError, UnavailableError):
    """The database server cannot be reached right now; nothing was written. Retrying later may work."""


class ConstraintError(StorageError):
    """A statement broke a constraint (UNIQUE, CHECK, foreign key): the database refused the row."""


class Session(ABC):
    """Statements on one connection: the database itself, or an open transaction."""

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter set."""

    @abstractmethod
    async def fetch_one(self, sql: str, params: Params = ()) -> Row:
        """The first row, or None when there is none (typed Any like every row)."""

    @abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...


class Reader(ABC):
    """Reads that may run long: every row at once, or a long result a batch at a time."""

    @abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    def batches(self, sql: str, params: Params, size: int) -> AsyncIterator[list[Row]]:
        """A long result read `size` rows at a time, without holding it all in memory."""


class Database(Session, Reader):
    """One open database: statements outside a transaction commit on their own."""

    dialect: Dialect
    # Where the database is, for messages: a file path, or a server URL without its password.
    where: str

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Session]:
        """Several statements that commit together, or not at all; one writer at a time, like SQLite's."""

    @abstractmethod
    async def transaction_of_one(self, sql: str, params: Params) -> list[Row]:
        """`sql` alone in its own transaction, committed (and durable) when this returns; its rows."""

    @abstractmethod
    def snapshot(self) -> AbstractAsyncContextManager[Reader]:
        """Reads that all see the database as it was at one moment, while writers carry on.

        For reading a whole database consistently (quizbot migrate): one read transaction, which holds
        back nobody's writes but keeps old row versions alive while it lasts, so keep it short-lived.
        """

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def close(self) -> None: ...


def to_timestamp(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage; use timezone-aware UTC")
    return moment.timestamp()


def from_timestamp(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def instant(value: float) -> datetime:
    """A NOT NULL timestamp column as an aware UTC datetime."""
    return datetime.fromtimestamp(value, UTC)
