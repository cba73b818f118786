"""Storage: the only place with SQL. Domain types go in and come out; nothing engine-specific leaks.

`Storage` groups one store per area over one database, SQLite (a file path) or PostgreSQL (a
`postgresql://` URL): the same methods and the same guarantees on both.
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.database_target import is_server_url
from bot.storage.boards import BoardStore
from bot.storage.daily import DailyStore
from bot.storage.database import (
    ConstraintError,
    Database,
    DatabaseSetupError,
    StorageError,
    StorageUnavailableError,
)
from bot.storage.library import LibraryStore
from bot.storage.privacy import PrivacyStore
from bot.storage.private import PracticeOpenError, PrivateStore, WindowBusyError
from bot.storage.review import ReviewStore
from bot.storage.runs import ChannelBusyError, RunStore
from bot.storage.settings_store import SettingsStore
from bot.storage.sqlite import SqliteDatabase
from bot.storage.suggestions import SuggestionStore

__all__ = [
    "ChannelBusyError",
    "ConstraintError",
    "DatabaseSetupError",
    "PracticeOpenError",
    "Storage",
    "StorageError",
    "StorageUnavailableError",
    "WindowBusyError",
    "is_server_url",
    "open_storage",
]


class Storage:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.runs = RunStore(database)
        self.settings = SettingsStore(database)
        self.boards = BoardStore(database)
        self.daily = DailyStore(database)
        self.library = LibraryStore(database)
        self.suggestions = SuggestionStore(database)
        self.privacy = PrivacyStore(database)
        self.review = ReviewStore(database)
        self.private = PrivateStore(database)

    async def schema_version(self) -> int:
        return await self.database.schema_version()

    async def close(self) -> None:
        await self.database.close()


async def open_storage(target: str | Path, *, read_only: bool = False) -> Storage:
    """Open (creating and migrating if needed) the database at `target`: a SQLite path or a PostgreSQL URL.

    `read_only` is for commands that only read (export): the database must exist and be a quizbot
    database, and nothing in it changes (for SQLite, not even its journal mode).
    """
    if is_server_url(target):
        from bot.storage.postgres import PostgresDatabase  # asyncpg is loaded only by those who use it

        return Storage(await PostgresDatabase.open(str(target), read_only=read_only))
    path = Path(target)
    return Storage(await (SqliteDatabase.open_read_only(path) if read_only else SqliteDatabase.open(path)))
