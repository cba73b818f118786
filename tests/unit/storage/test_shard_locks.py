"""Shard ownership across processes, held as PostgreSQL session advisory locks (bot/storage/shard_locks.py)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.domain.errors import ConfigError
from bot.domain.shards import ShardSet
from bot.storage.shard_locks import (
    ShardLocks,
    ShardsHeldError,
    held_shards,
    shard_lock_key,
    shard_of_lock_key,
)


def shards(text: str, count: int) -> ShardSet:
    return ShardSet.parse(text, count)


def test_a_lock_key_names_its_shard_and_count_for_every_shard_discord_allows() -> None:
    for shard_id, count in ((0, 1), (3, 4), (65_535, 65_536), (7, 65_536)):
        assert shard_of_lock_key(shard_lock_key(shard_id, count)) == (shard_id, count)
    assert shard_lock_key(65_535, 65_536) < 2**63


async def test_disjoint_ranges_both_start_and_the_doctor_sees_who_holds_what(fresh_postgres_url: str) -> None:
    first = await ShardLocks.take(fresh_postgres_url, shards("0-1", 4))
    second = await ShardLocks.take(fresh_postgres_url, shards("2-3", 4))
    try:
        held = await held_shards(fresh_postgres_url)
        assert [(h.shard_id, h.shard_count) for h in held] == [(0, 4), (1, 4), (2, 4), (3, 4)]
        assert held[0].pid == held[1].pid != held[2].pid == held[3].pid
    finally:
        await first.release()
        await second.release()
    assert await held_shards(fresh_postgres_url) == []


async def test_an_overlapping_range_is_refused_naming_the_shard_and_keeps_nothing(fresh_postgres_url: str) -> None:
    first = await ShardLocks.take(fresh_postgres_url, shards("2-3", 4))
    try:
        with pytest.raises(ShardsHeldError, match="shard 2 of 4 is held by another running quizbot process") as refused:
            await ShardLocks.take(fresh_postgres_url, shards("1-2", 4))
        assert isinstance(refused.value, ConfigError)  # exit 2: two processes were given overlapping ranges
        # The refused process had taken shard 1 before it met shard 2, and let go of it.
        assert [h.shard_id for h in await held_shards(fresh_postgres_url)] == [2, 3]
        second = await ShardLocks.take(fresh_postgres_url, shards("0-1", 4))
        await second.release()
    finally:
        await first.release()


async def test_a_second_unsharded_process_and_a_process_with_another_count_are_refused(
    fresh_postgres_url: str,
) -> None:
    only = await ShardLocks.take(fresh_postgres_url, ShardSet.unsharded())
    try:
        with pytest.raises(ShardsHeldError, match="shard 0 of 1 is held"):
            await ShardLocks.take(fresh_postgres_url, ShardSet.unsharded())
        with pytest.raises(ShardsHeldError, match="runs with shard count 1, this one with 2"):
            await ShardLocks.take(fresh_postgres_url, shards("1", 2))
    finally:
        await only.release()
    later = await ShardLocks.take(fresh_postgres_url, shards("1", 2))
    await later.release()


async def test_a_dead_process_leaves_no_lock_behind(fresh_postgres_url: str, postgres_server_url: str) -> None:
    first = await ShardLocks.take(fresh_postgres_url, shards("0-1", 2))
    (pid,) = {h.pid for h in await held_shards(fresh_postgres_url)}
    # What kill -9 does to the server's side: the connection goes, and its session locks with it.
    admin = await asyncpg.connect(postgres_server_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    for _ in range(300):
        if not await held_shards(fresh_postgres_url):
            break
        await asyncio.sleep(0.05)
    restarted = await ShardLocks.take(fresh_postgres_url, shards("0-1", 2))
    await restarted.release()
    await first.release()


async def test_a_lost_lock_connection_takes_the_locks_again_or_stops_the_process(
    fresh_postgres_url: str, postgres_server_url: str
) -> None:
    locks = await ShardLocks.take(fresh_postgres_url, shards("0", 2))
    lost: list[str] = []
    locks.watch(lost.append, interval=0.05)
    admin = await asyncpg.connect(postgres_server_url)
    try:
        (pid,) = {h.pid for h in await held_shards(fresh_postgres_url)}
        await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        for _ in range(300):
            held = await held_shards(fresh_postgres_url)
            if held and held[0].pid != pid:
                break
            await asyncio.sleep(0.05)
        assert [(h.shard_id, h.shard_count) for h in held] == [(0, 2)] and held[0].pid != pid
        assert lost == []

        await locks.release()

        # Lost again, and this time another process took shard 0 before this one noticed: it must stop.
        locks = await ShardLocks.take(fresh_postgres_url, shards("0", 2))
        (pid,) = {h.pid for h in await held_shards(fresh_postgres_url)}
        await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        intruder = None
        for _ in range(300):
            try:
                intruder = await ShardLocks.take(fresh_postgres_url, shards("0", 2))
                break
            except ShardsHeldError:
                await asyncio.sleep(0.01)
        assert intruder is not None, "the killed connection's lock was never freed"
        try:
            with pytest.raises(ShardsHeldError, match="shard 0 of 2 is held by another running quizbot process"):
                await locks.check()
        finally:
            await intruder.release()
    finally:
        await admin.close()
        await locks.release()
