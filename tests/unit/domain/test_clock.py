"""The fake clock drives sleepers deterministically; the system clock sleeps in bounded chunks."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.clock import Clock, FakeClock, SystemClock

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_both_clocks_satisfy_the_protocol() -> None:
    clocks: list[Clock] = [SystemClock(), FakeClock(START)]
    for clock in clocks:
        assert clock.now().tzinfo is not None
        assert clock.now().utcoffset() == timedelta(0)


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(datetime(2026, 3, 1, 12, 0))  # noqa: DTZ001 - the point of the test


async def test_fake_clock_wakes_sleepers_in_deadline_order_at_their_deadline() -> None:
    clock = FakeClock(START)
    woken: list[tuple[str, datetime]] = []

    async def sleeper(name: str, seconds: int) -> None:
        await clock.sleep_until(START + timedelta(seconds=seconds))
        woken.append((name, clock.now()))

    tasks = [asyncio.create_task(sleeper(name, s)) for name, s in (("c", 30), ("a", 10), ("b", 20))]
    await asyncio.sleep(0)
    assert clock.sleepers == 3
    assert clock.next_wakeup == START + timedelta(seconds=10)

    await clock.advance(15)
    assert woken == [("a", START + timedelta(seconds=10))]
    assert clock.now() == START + timedelta(seconds=15)

    await clock.advance(timedelta(minutes=1))
    assert woken[1:] == [("b", START + timedelta(seconds=20)), ("c", START + timedelta(seconds=30))]
    assert clock.sleepers == 0
    await asyncio.gather(*tasks)


async def test_a_woken_task_that_sleeps_again_is_woken_again_in_the_same_advance() -> None:
    clock = FakeClock(START)
    ticks: list[datetime] = []

    async def daily() -> None:
        for day in range(1, 4):
            await clock.sleep_until(START + timedelta(days=day))
            ticks.append(clock.now())

    task = asyncio.create_task(daily())
    await asyncio.sleep(0)
    await clock.advance(timedelta(days=10))
    assert ticks == [START + timedelta(days=d) for d in (1, 2, 3)]
    await task


async def test_sleep_until_the_past_returns_at_once_and_cancelled_sleepers_are_forgotten() -> None:
    clock = FakeClock(START)
    await clock.sleep_until(START)
    await clock.sleep_until(START - timedelta(hours=1))

    task = asyncio.create_task(clock.sleep_until(START + timedelta(seconds=5)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert clock.sleepers == 0
    assert clock.next_wakeup is None
    await clock.advance(10)
    assert clock.now() == START + timedelta(seconds=10)


async def test_set_jumps_both_ways_and_wakes_what_is_due() -> None:
    clock = FakeClock(START)
    task = asyncio.create_task(clock.sleep_until(START + timedelta(hours=2)))
    await asyncio.sleep(0)
    await clock.set(START - timedelta(hours=1))
    assert not task.done()
    await clock.set(START + timedelta(hours=3))
    assert task.done()
    with pytest.raises(ValueError, match="backwards"):
        await clock.advance(-1)


async def test_system_clock_sleeps_in_chunks_until_the_deadline() -> None:
    clock = SystemClock(max_chunk_seconds=0.01)
    deadline = clock.now() + timedelta(milliseconds=30)
    await clock.sleep_until(deadline)
    assert clock.now() >= deadline
