"""Storage: the only place with SQL. Domain types go in and come out; nothing SQLite-specific leaks.

`Storage` groups one store per area over a single database so that a PostgreSQL backend can later
provide the same methods.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.boards import BoardStore
from bot.storage.daily import DailyStore
from bot.storage.database import Database, DatabaseSetupError, StorageError
from bot.storage.library import LibraryStore
from bot.storage.privacy import PrivacyStore
from bot.storage.private import PracticeOpenError, PrivateStore, WindowBusyError
from bot.storage.review import ReviewStore
from bot.storage.runs import ChannelBusyError, RunStore
from bot.storage.settings_store import SettingsStore
from bot.storage.suggestions import SuggestionStore

__all__ = [
    "ChannelBusyError",
    "DatabaseSetupError",
    "PracticeOpenError",
    "Storage",
    "StorageError",
    "WindowBusyError",
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
        return await self.database.user_version()

    async def close(self) -> None:
        await self.database.close()


async def open_storage(path: Path, *, read_only: bool = False) -> Storage:
    """Open (creating and migrating if needed) the database at `path`.

    `read_only` is for commands that only read (export): the file must exist and be a quizbot database,
    and nothing on disk changes, not even its journal mode.
    """
    return Storage(await (Database.open_read_only(path) if read_only else Database.open(path)))
