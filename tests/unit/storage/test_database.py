"""Database: a one-statement transaction in one trip to aiosqlite's thread (the group commit's write)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.storage import ConstraintError, Storage


async def test_a_transaction_of_one_returns_its_rows_committed(storage: Storage) -> None:
    database = storage.database
    rows = await database.transaction_of_one(
        "INSERT INTO meta (key, value) VALUES ('a', '1'), ('b', '2') RETURNING key", {}
    )
    assert sorted(row[0] for row in rows) == ["a", "b"]
    assert not database.connection.in_transaction
    with sqlite3.connect(database.path) as other:  # another connection sees committed data only
        assert other.execute("SELECT count(*) FROM meta WHERE key IN ('a', 'b')").fetchone() == (2,)


async def test_a_failing_transaction_of_one_keeps_nothing_and_leaves_no_transaction_open(storage: Storage) -> None:
    database = storage.database
    await database.transaction_of_one("INSERT INTO meta (key, value) VALUES ('taken', 'x') RETURNING key", {})
    with pytest.raises(ConstraintError):
        # The first row would go in; the second breaks the primary key, so the statement keeps neither.
        await database.transaction_of_one(
            "INSERT INTO meta (key, value) VALUES ('fresh', 'y'), ('taken', 'z') RETURNING key", {}
        )
    assert not database.connection.in_transaction
    assert await database.fetch_one("SELECT value FROM meta WHERE key = 'fresh'") is None
    assert (await database.transaction_of_one("SELECT value FROM meta WHERE key = 'taken'", {}))[0][0] == "x"


async def test_a_transaction_of_one_waits_for_another_coroutines_transaction(storage: Storage) -> None:
    database = storage.database
    inside, release = asyncio.Event(), asyncio.Event()

    async def rolled_back() -> None:
        async with database.transaction() as connection:
            await connection.execute("INSERT INTO meta (key, value) VALUES ('theirs', 'x')")
            inside.set()
            await release.wait()
            raise RuntimeError("rolled back on purpose")

    other = asyncio.create_task(rolled_back())
    await inside.wait()
    ours = asyncio.create_task(database.transaction_of_one("INSERT INTO meta (key, value) VALUES ('ours', 'y')", {}))
    await asyncio.sleep(0.05)
    assert not ours.done(), "it waits for the write lock instead of joining the open transaction"
    release.set()
    with pytest.raises(RuntimeError, match="on purpose"):
        await other
    await ours
    keys = [row[0] for row in await database.fetch_all("SELECT key FROM meta WHERE key IN ('ours', 'theirs')")]
    assert keys == ["ours"]
