"""Exactly one daily post per schedule and local date, kept by the database itself on both backends.

Two storages on one database stand for two bot processes: on SQLite two connections to the same file,
on PostgreSQL two connection pools. Whatever the timing, one claim of a slot wins and every other loses.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.domain.daily import PostStatus, Slot
from bot.domain.schedule import DailySchedule
from bot.storage import ConstraintError, Storage, open_storage

GUILD, CHANNEL = 1001, 11
DAY1 = date(2026, 6, 1)
POST_AT = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
REVEAL_AT = POST_AT + timedelta(days=1)
# Long enough for a blocked claim to show it is waiting, far below SQLite's busy timeout (5 s).
STILL_WAITING_S = 0.3


class AbandonedError(Exception):
    """The first process gives up its transaction before COMMIT."""


async def _schedule(storage: Storage) -> int:
    config = await storage.daily.save_schedule(
        guild_id=GUILD,
        channel_id=CHANNEL,
        schedule=DailySchedule(0, GUILD, CHANNEL, time(9, 0), "Europe/Berlin"),
        quiz_ids=("basics",),
        order="sequential",
        seed=7,
        created_by=5,
        now=POST_AT - timedelta(days=10),
    )
    return config.schedule.id


async def _rows_for(storage: Storage, schedule_id: int, slot: Slot) -> int:
    row = await storage.database.fetch_one(
        "SELECT count(*) FROM daily_posts WHERE schedule_id = ? AND local_date = ?", (schedule_id, slot.key())
    )
    return int(row[0])


async def test_concurrent_claims_from_two_storages_leave_one_winner_per_slot(database_target: str | Path) -> None:
    first, second = await open_storage(database_target), await open_storage(database_target)
    try:
        schedule_id = await _schedule(first)
        # Two claimers per process, so on PostgreSQL claims also race inside one pool.
        claimers = [first, second, first, second]
        for day in range(10):
            slot = Slot(DAY1 + timedelta(days=day))
            results = await asyncio.gather(
                *(
                    store.daily.claim(schedule_id, slot, f"basics/q{n}", post_at=POST_AT, reveal_at=REVEAL_AT)
                    for n, store in enumerate(claimers)
                )
            )
            assert results.count(True) == 1, f"slot {slot.key()}: {results}"
            post = await second.daily.get_post(schedule_id, slot)
            assert post is not None and post.status is PostStatus.CLAIMED
            assert post.question_key == f"basics/q{results.index(True)}"  # the winner's row, not a loser's
            assert await _rows_for(first, schedule_id, slot) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_claim_racing_a_skip_of_the_same_slot_lets_one_of_them_win(database_target: str | Path) -> None:
    first, second = await open_storage(database_target), await open_storage(database_target)
    try:
        schedule_id = await _schedule(first)
        for day in range(10):
            slot = Slot(DAY1 + timedelta(days=day))
            claimed, skipped = await asyncio.gather(
                first.daily.claim(schedule_id, slot, "basics/q1", post_at=POST_AT, reveal_at=REVEAL_AT),
                second.daily.record_skip(schedule_id, slot, post_at=POST_AT, reveal_at=REVEAL_AT, note="late"),
            )
            assert claimed != skipped
            post = await first.daily.get_post(schedule_id, slot)
            assert post is not None
            assert post.status is (PostStatus.CLAIMED if claimed else PostStatus.SKIPPED)
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
async def test_a_claim_waits_for_one_in_flight_and_wins_only_if_that_one_rolls_back(
    database_target: str | Path, first_commits: bool
) -> None:
    first, second = await open_storage(database_target), await open_storage(database_target)
    try:
        schedule_id = await _schedule(first)
        slot = Slot(DAY1)

        rival: asyncio.Task[bool] | None = None
        try:
            async with first.database.transaction() as transaction:
                # The first process's claim is written but not yet committed when the rival's arrives.
                inserted = await transaction.execute(
                    "INSERT INTO daily_posts (schedule_id, local_date, question_key, status, post_at, reveal_at) "
                    "VALUES (?, ?, 'basics/first', 'claimed', ?, ?)",
                    (schedule_id, slot.key(), POST_AT.timestamp(), REVEAL_AT.timestamp()),
                )
                assert inserted == 1
                rival = asyncio.create_task(
                    second.daily.claim(schedule_id, slot, "basics/rival", post_at=POST_AT, reveal_at=REVEAL_AT)
                )
                await asyncio.sleep(STILL_WAITING_S)
                assert not rival.done(), "the rival's claim must wait for the one in flight, not decide alone"
                if not first_commits:
                    raise AbandonedError
        except AbandonedError:
            pass
        assert rival is not None
        assert await rival is (not first_commits)
        post = await first.daily.get_post(schedule_id, slot)
        assert post is not None
        assert post.question_key == ("basics/first" if first_commits else "basics/rival")
        assert await _rows_for(second, schedule_id, slot) == 1
    finally:
        await first.close()
        await second.close()


async def test_the_database_refuses_a_second_row_for_a_slot_even_without_on_conflict(storage: Storage) -> None:
    schedule_id = await _schedule(storage)
    slot = Slot(DAY1)
    assert await storage.daily.claim(schedule_id, slot, "basics/q1", post_at=POST_AT, reveal_at=REVEAL_AT)
    with pytest.raises(ConstraintError):
        await storage.database.execute(
            "INSERT INTO daily_posts (schedule_id, local_date, question_key, status, post_at, reveal_at) "
            "VALUES (?, ?, 'basics/q2', 'claimed', ?, ?)",
            (schedule_id, slot.key(), POST_AT.timestamp(), REVEAL_AT.timestamp()),
        )
    post = await storage.daily.get_post(schedule_id, slot)
    assert post is not None and post.question_key == "basics/q1"
    # An extra `/daily now` post of the same day is another slot, and goes in beside it.
    assert await storage.daily.claim(schedule_id, Slot(DAY1, 1), "basics/q2", post_at=POST_AT, reveal_at=REVEAL_AT)
