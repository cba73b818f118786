"""Time as a dependency: the real clock for the bot, a fake one that tests drive by hand."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Protocol

# The longest single real sleep. Waking up this often is cheap and means a wall-clock jump
# (NTP step, suspend/resume, manual change) delays a due post by at most this long.
MAX_SLEEP_CHUNK_SECONDS = 60.0


def require_aware(when: datetime, name: str = "when") -> datetime:
    """Return `when` in UTC; ValueError if it is naive (a naive time is ambiguous across zones)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {when.isoformat()}")
    return when.astimezone(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once `now() >= when` (at once if that is already so)."""
        ...


class SystemClock:
    """The real clock. Sleeps in bounded chunks and re-reads the time after each one."""

    def __init__(self, max_chunk_seconds: float = MAX_SLEEP_CHUNK_SECONDS) -> None:
        if max_chunk_seconds <= 0:
            raise ValueError("max_chunk_seconds must be positive")
        self._max_chunk = max_chunk_seconds

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        deadline = require_aware(when)
        # Re-reading the wall clock after every chunk is the point, so an Event cannot replace this loop.
        while (remaining := (deadline - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(remaining, self._max_chunk))


class FakeClock:
    """A clock that only moves when a test moves it; nothing really sleeps.

    `advance`/`advance_to` step through the pending sleepers in deadline order (ties in the order
    they went to sleep): the clock is set to each deadline, that sleeper is woken and the event loop
    gets a few turns, so a woken task that goes back to sleep within the advanced span is woken
    again in the same call. `set` jumps the wall clock (also backwards) like an NTP step would.
    """

    def __init__(self, start: datetime, settle_rounds: int = 20) -> None:
        self._now = require_aware(start, "start")
        self._settle_rounds = settle_rounds
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    @property
    def sleepers(self) -> int:
        """How many tasks are waiting in `sleep_until`."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    @property
    def next_wakeup(self) -> datetime | None:
        """The earliest deadline anyone is waiting for, if any."""
        self._drop_finished()
        return self._sleepers[0][0] if self._sleepers else None

    async def sleep_until(self, when: datetime) -> None:
        deadline = require_aware(when)
        if deadline <= self._now:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._order), future))
        await future

    async def advance(self, by: timedelta | float) -> None:
        """Move forward by a timedelta or a number of seconds, waking sleepers on the way."""
        step = by if isinstance(by, timedelta) else timedelta(seconds=by)
        if step < timedelta(0):
            raise ValueError("FakeClock.advance cannot go backwards; use set() for a clock jump")
        await self.advance_to(self._now + step)

    async def advance_to(self, when: datetime) -> None:
        target = require_aware(when)
        if target < self._now:
            raise ValueError("FakeClock.advance_to cannot go backwards; use set() for a clock jump")
        while (wakeup := self.next_wakeup) is not None and wakeup <= target:
            _, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, wakeup)
            future.set_result(None)
            await self._settle()
        self._now = target
        await self._settle()

    async def set(self, when: datetime) -> None:
        """Jump to `when` (forwards or backwards) at once; wakes every sleeper now due, in order."""
        self._now = require_aware(when)
        while (wakeup := self.next_wakeup) is not None and wakeup <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            future.set_result(None)
            await self._settle()
        await self._settle()

    async def _settle(self) -> None:
        # Woken tasks resume on the next loop turns; give them a few so chains of awaits finish.
        for _ in range(self._settle_rounds):
            await asyncio.sleep(0)

    def _drop_finished(self) -> None:
        # A cancelled sleeper leaves its future behind; forget it so it never blocks the order.
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
