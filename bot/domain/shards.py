"""Which gateway shard a server is on, and which servers a process owns.

Discord routes a server's events to shard `(guild_id >> 22) % shard_count` (direct messages to shard 0).
A process that holds some of the shards owns exactly the servers routed to them: it alone resumes their
live runs and drives their daily schedules, so two processes never drive the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Discord's gateway accepts IDENTIFY with shard_id < num_shards; far more than any bot needs.
MAX_SHARD_COUNT = 65_536


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends this server's events to (its sharding formula)."""
    if shard_count < 1:
        raise ValueError(f"shard_count must be at least 1, got {shard_count}")
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardSet:
    """The shards one process holds, out of `count`; `ShardSet.unsharded()` holds everything."""

    ids: tuple[int, ...]
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARD_COUNT:
            raise ValueError(f"the shard count must be between 1 and {MAX_SHARD_COUNT}, got {self.count}")
        if not self.ids:
            raise ValueError("at least one shard id is needed")
        outside = [i for i in self.ids if not 0 <= i < self.count]
        if outside:
            raise ValueError(
                f"shard id {outside[0]} is outside 0-{self.count - 1} (shard ids count from 0 to the shard count - 1)"
            )
        if list(self.ids) != sorted(set(self.ids)):
            object.__setattr__(self, "ids", tuple(sorted(set(self.ids))))

    @classmethod
    def unsharded(cls) -> ShardSet:
        return cls((0,), 1)

    @classmethod
    def all_of(cls, count: int) -> ShardSet:
        """Every shard of `count` in this one process."""
        return cls(tuple(range(count)), count)

    @classmethod
    def parse(cls, text: str, count: int) -> ShardSet:
        """ "0-3", "0,2", "0-1,4" (ranges include both ends); ValueError says what is wrong."""
        ids: list[int] = []
        for part in text.replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            if not first.isdigit() or (dash and not last.isdigit()):
                raise ValueError(f"{text!r} is not a list of shard ids like 0-3 or 0,2")
            low, high = int(first), int(last) if dash else int(first)
            if high < low:
                raise ValueError(f"the range {part} runs backwards; write it as {high}-{low}")
            ids.extend(range(low, high + 1))
        return cls(tuple(ids), count)

    def holds(self, shard_id: int) -> bool:
        return shard_id in self.ids

    def contains(self, guild_id: int) -> bool:
        """Whether this process owns the server: its shard is one of ours."""
        return shard_of(guild_id, self.count) in self.ids

    def describe(self) -> str:
        """ "0-1 of 2", "0,2 of 4": how the logs and the doctor name it."""
        spans: list[str] = []
        start = prev = self.ids[0]
        for shard in (*self.ids[1:], None):
            if shard is not None and shard == prev + 1:
                prev = shard
                continue
            spans.append(str(start) if start == prev else f"{start}-{prev}")
            if shard is not None:
                start = prev = shard
        return f"{','.join(spans)} of {self.count}"


SHARD_STATE_PREFIX = "shard:"


@dataclass(frozen=True)
class ShardState:
    """What a bot process last recorded about one of its gateway shards (for `quizbot doctor`)."""

    shard_id: int
    shard_count: int
    up: bool
    since: datetime

    @property
    def key(self) -> str:
        return f"{SHARD_STATE_PREFIX}{self.shard_id}"

    def encode(self) -> str:
        return f"{'up' if self.up else 'down'} {self.shard_count} {self.since.isoformat()}"

    @classmethod
    def decode(cls, key: str, value: str) -> ShardState | None:
        """The state stored under `key`, or None for a value this version cannot read."""
        try:
            state, count, since = value.split(" ", 2)
            return cls(
                int(key.removeprefix(SHARD_STATE_PREFIX)), int(count), state == "up", datetime.fromisoformat(since)
            )
        except ValueError:
            return None
