"""Database.transaction_of_one (the group commit's write): committed when it returns, all or nothing, and
never part of another coroutine's transaction; on SQLite, one trip to aiosqlite's thread."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage import ConstraintError, Storage, open_storage
from bot.storage.database import Database


async def _committed_keys(target: str | Path, *keys: str) -> list[str]:
    """The given meta keys as another connection (another pool on PostgreSQL) sees them: committed rows only."""
    other = await open_storage(target)
    try:
        marks = ", ".join("?" for _ in keys)
        rows = await other.database.fetch_all(f"SELECT key FROM meta WHERE key IN ({marks}) ORDER BY key", keys)
    finally:
        await other.close()
    return [str(row[0]) for row in rows]


async def test_a_transaction_of_one_returns_its_rows_committed(storage: Storage, database_target: str | Path) -> None:
    rows = await storage.database.transaction_of_one(
        "INSERT INTO meta (key, value) VALUES ('a', '1'), ('b', '2') RETURNING key", {}
    )
    assert sorted(row[0] for row in rows) == ["a", "b"]
    assert await _committed_keys(database_target, "a", "b") == ["a", "b"]


async def _fail_halfway(database: Database) -> None:
    await database.transaction_of_one("INSERT INTO meta (key, value) VALUES ('taken', 'x') RETURNING key", {})
    with pytest.raises(ConstraintError):
        # The first row would go in; the second breaks the primary key, so the statement keeps neither.
        await database.transaction_of_one(
            "INSERT INTO meta (key, value) VALUES ('fresh', 'y'), ('taken', 'z') RETURNING key", {}
        )


async def test_a_failing_transaction_of_one_keeps_nothing_and_leaves_no_transaction_open(
    storage: Storage, database_target: str | Path
) -> None:
    database = storage.database
    await _fail_halfway(database)
    assert await database.fetch_one("SELECT value FROM meta WHERE key = 'fresh'") is None
    assert (await database.transaction_of_one("SELECT value FROM meta WHERE key = 'taken'", {}))[0][0] == "x"
    # Nothing was left open to swallow the next writes: others see them committed.
    await database.transaction_of_one("INSERT INTO meta (key, value) VALUES ('after', '1')", {})
    async with database.transaction() as connection:
        await connection.execute("INSERT INTO meta (key, value) VALUES ('later', '2')")
    assert await _committed_keys(database_target, "after", "fresh", "later", "taken") == ["after", "later", "taken"]


async def test_a_failing_transaction_of_one_leaves_sqlites_connection_outside_any_transaction(
    sqlite_storage: Storage,
) -> None:
    database = sqlite_storage.database
    await _fail_halfway(database)
    assert not database.connection.in_transaction


async def test_a_transaction_of_one_commits_on_sqlites_connection_as_another_process_sees_it(
    sqlite_storage: Storage,
) -> None:
    database = sqlite_storage.database
    await database.transaction_of_one("INSERT INTO meta (key, value) VALUES ('a', '1') RETURNING key", {})
    assert not database.connection.in_transaction
    with sqlite3.connect(database.path) as other:
        assert other.execute("SELECT count(*) FROM meta WHERE key = 'a'").fetchone() == (1,)


async def _a_transaction_to_roll_back(database: Database) -> tuple[asyncio.Task[None], asyncio.Event]:
    """Another coroutine's transaction, open and holding a write of 'theirs': set the event to roll it back."""
    inside, release = asyncio.Event(), asyncio.Event()

    async def rolled_back() -> None:
        async with database.transaction() as connection:
            await connection.execute("INSERT INTO meta (key, value) VALUES ('theirs', 'x')")
            inside.set()
            await release.wait()
            raise RuntimeError("rolled back on purpose")

    other = asyncio.create_task(rolled_back())
    await inside.wait()
    return other, release


async def _ours_and_theirs(database: Database) -> list[str]:
    rows = await database.fetch_all("SELECT key FROM meta WHERE key IN ('ours', 'theirs') ORDER BY key")
    return [str(row[0]) for row in rows]


async def test_a_transaction_of_one_never_joins_another_coroutines_transaction(storage: Storage) -> None:
    """Its commit is its own: another coroutine's rollback cannot take it along, on either backend."""
    database = storage.database
    other, release = await _a_transaction_to_roll_back(database)
    ours = asyncio.create_task(database.transaction_of_one("INSERT INTO meta (key, value) VALUES ('ours', 'y')", {}))
    await asyncio.sleep(0.05)  # let ours reach the database while the other transaction is open
    release.set()
    with pytest.raises(RuntimeError, match="on purpose"):
        await other
    await ours
    assert await _ours_and_theirs(database) == ["ours"]


async def test_on_sqlite_a_transaction_of_one_waits_for_the_open_transaction(sqlite_storage: Storage) -> None:
    """SQLite has one connection: the write waits for the write lock rather than join what is open on it.
    (PostgreSQL runs it at once on another pooled connection.)"""
    database = sqlite_storage.database
    other, release = await _a_transaction_to_roll_back(database)
    ours = asyncio.create_task(database.transaction_of_one("INSERT INTO meta (key, value) VALUES ('ours', 'y')", {}))
    await asyncio.sleep(0.05)
    assert not ours.done(), "it waits for the write lock instead of joining the open transaction"
    release.set()
    with pytest.raises(RuntimeError, match="on purpose"):
        await other
    await ours
    assert await _ours_and_theirs(database) == ["ours"]
