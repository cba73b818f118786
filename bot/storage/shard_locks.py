"""Which process holds which gateway shards, backed by PostgreSQL session advisory locks.

Several bot processes share one PostgreSQL database, each holding a range of shards. Ownership of a server
follows from its shard (bot/domain/shards.py), so two processes configured with overlapping ranges would
both resume the same runs and post the same daily questions. Each process therefore takes one advisory
lock per shard it holds, on a connection of its own kept open for its whole life, and refuses to start
when another process has one of them. The server releases a session's locks when its connection ends,
so a process killed with `kill -9` leaves nothing behind: restarted, it takes its shards again.

A lock key is 64 bits: a fixed quizbot prefix in the high bits, then (shard_count << 16) + shard_id. The
shard count is part of the key because processes running with different counts would split the servers
differently; a process refuses to join one that runs with another count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from bot.domain.database_target import redacted
from bot.domain.errors import ConfigError
from bot.domain.shards import MAX_SHARD_COUNT, ShardSet
from bot.storage.database import StorageError
from bot.storage.postgres import connect_alone, connection_errors

log = logging.getLogger(__name__)

# 'quis' in the high 32 bits: apart from the migration and write locks ('quizbot' + a byte).
SHARD_LOCK_BASE = 0x71756973 << 32
# The highest key a shard lock can have (the largest count's largest shard id).
SHARD_LOCK_TOP = SHARD_LOCK_BASE + (MAX_SHARD_COUNT << 16) + MAX_SHARD_COUNT - 1
# Held for a moment while a process checks the others and takes its shards, so that two processes starting
# together with different shard counts cannot both pass the check.
SHARD_START_LOCK = 0x7175697A626F7403
# How often the lock connection is checked; a lost connection (server restart) lost the locks with it.
CHECK_INTERVAL_S = 5.0

# The advisory locks held on this database, as keys (pg_locks splits a bigint key into two oids).
_HELD_SHARD_LOCKS = """
    SELECT ((classid::bigint << 32) | objid::bigint) AS key, pid
    FROM pg_locks
    WHERE locktype = 'advisory' AND objsubid = 1 AND granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND ((classid::bigint << 32) | objid::bigint) BETWEEN $1 AND $2
    ORDER BY key
"""


def shard_lock_key(shard_id: int, shard_count: int) -> int:
    return SHARD_LOCK_BASE + (shard_count << 16) + shard_id


def shard_of_lock_key(key: int) -> tuple[int, int]:
    """(shard_id, shard_count) of a lock key."""
    code = key - SHARD_LOCK_BASE
    return code & 0xFFFF, code >> 16


class ShardsHeldError(StorageError, ConfigError):
    """Another live process holds one of this process's shards (or runs with another shard count).

    A setting to fix (exit 2): two processes were configured with overlapping shard ranges.
    """


@dataclass(frozen=True)
class HeldShard:
    shard_id: int
    shard_count: int
    # The server process (backend) id of the connection holding it: one per bot process.
    pid: int


async def held_shards_on(connection: asyncpg.Connection[Any]) -> list[HeldShard]:
    rows = await connection.fetch(_HELD_SHARD_LOCKS, SHARD_LOCK_BASE, SHARD_LOCK_TOP)
    return [HeldShard(*shard_of_lock_key(int(row["key"])), int(row["pid"])) for row in rows]


async def held_shards(url: str) -> list[HeldShard]:
    """The shards live bot processes hold on the database at `url` now (for `quizbot doctor`)."""
    connection = await connect_alone(url, application_name="quizbot doctor", read_only=True)
    try:
        async with connection_errors(redacted(url)):
            return await held_shards_on(connection)
    finally:
        await connection.close()


async def _take(connection: asyncpg.Connection[Any], shards: ShardSet) -> None:
    """Take every shard's lock on `connection`, or none of them (ShardsHeldError says whose they are)."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", SHARD_START_LOCK)
        mine = await connection.fetchval("SELECT pg_backend_pid()")
        others = [held for held in await held_shards_on(connection) if held.pid != mine]
        counts = sorted({held.shard_count for held in others if held.shard_count != shards.count})
        if counts:
            raise ShardsHeldError(
                f"another quizbot process on this database runs with shard count {counts[0]}, this one with "
                f"{shards.count}: give every process the same QUIZBOT_SHARD_COUNT (stop them all to change it)."
            )
        taken: list[int] = []
        for shard_id in shards.ids:
            # Session-level although taken inside a transaction: it outlives the COMMIT, until the connection ends.
            if await connection.fetchval("SELECT pg_try_advisory_lock($1)", shard_lock_key(shard_id, shards.count)):
                taken.append(shard_id)
                continue
            for held in taken:
                await connection.execute("SELECT pg_advisory_unlock($1)", shard_lock_key(held, shards.count))
            raise ShardsHeldError(
                f"shard {shard_id} of {shards.count} is held by another running quizbot process on this database: "
                "give each process its own range (QUIZBOT_SHARDS / --shards), without overlaps."
            )


class ShardLocks:
    """This process's hold on its shards: one connection, one advisory lock per shard, for the process's life.

    `watch()` checks the connection every few seconds; if it was lost (the server restarted), it takes the
    locks again on a new one. If another process took a shard meanwhile, `on_lost` is called with the
    reason: the process must stop, or two processes would drive that shard's servers.
    """

    def __init__(self, url: str, shards: ShardSet, connection: asyncpg.Connection[Any]) -> None:
        self.url = url
        self.shards = shards
        self._connection = connection
        self._watcher: asyncio.Task[None] | None = None

    @staticmethod
    def _application_name(shards: ShardSet) -> str:
        return f"quizbot shards {shards.describe()}"[:63]

    @classmethod
    async def take(cls, url: str, shards: ShardSet) -> ShardLocks:
        """Connect and lock every shard of `shards`; ShardsHeldError if another process has one.

        Connecting is also the check `quizbot run` makes before logging in to Discord: a wrong URL or
        password is a DatabaseSetupError (exit 2), a server that does not answer StorageUnavailableError.
        """
        connection = await connect_alone(url, application_name=cls._application_name(shards))
        try:
            async with connection_errors(redacted(url)):
                await _take(connection, shards)
        except BaseException:
            await connection.close()
            raise
        log.info("holding the locks of shards %s on %s", shards.describe(), redacted(url))
        return cls(url, shards, connection)

    def watch(self, on_lost: Callable[[str], None], interval: float = CHECK_INTERVAL_S) -> None:
        self._watcher = asyncio.create_task(self._watch(on_lost, interval), name="shard-locks")

    async def _watch(self, on_lost: Callable[[str], None], interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check()
            except ShardsHeldError as error:
                on_lost(str(error))
                return
            except StorageError as error:
                log.warning("cannot take the shard locks again yet: %s", error)
            except Exception:  # the watch must outlive any surprise, or the locks go unguarded
                log.exception("taking the shard locks again failed; trying again in %.0f s", interval)

    async def check(self) -> None:
        """Take the locks again if their connection was lost; ShardsHeldError if another process has one now."""
        if await self._alive():
            return
        log.warning("lost the connection that holds the shard locks; taking them again")
        await self._retake()

    async def _alive(self) -> bool:
        if self._connection.is_closed():
            return False
        try:
            await self._connection.fetchval("SELECT 1", timeout=CHECK_INTERVAL_S)
        except Exception:  # whatever broke it, a connection we cannot use no longer proves that we hold the locks
            return False
        return True

    async def _retake(self) -> None:
        self._connection.terminate()
        connection = await connect_alone(self.url, application_name=self._application_name(self.shards))
        try:
            async with connection_errors(redacted(self.url)):
                await _take(connection, self.shards)
        except BaseException:
            await connection.close()
            raise
        self._connection = connection
        log.info("holding the locks of shards %s again", self.shards.describe())

    async def release(self) -> None:
        """Close the connection, which releases every lock it holds."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        try:
            await asyncio.wait_for(self._connection.close(), timeout=CHECK_INTERVAL_S)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            self._connection.terminate()
