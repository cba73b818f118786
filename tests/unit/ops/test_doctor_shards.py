"""The doctor's shard lines: what a sharded bot recorded about each of its gateway connections."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.shards import ShardState
from bot.ops.doctor import Report, check_shards

SINCE = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def lines(states: list[ShardState], running: bool) -> list[str]:
    report = Report()
    check_shards(states, running, report)
    return [str(finding) for finding in report.findings]


def test_a_running_bot_shows_each_shard_up_or_down() -> None:
    shown = lines([ShardState(0, 2, True, SINCE), ShardState(1, 2, False, SINCE)], running=True)

    assert shown[0] == "[ ok ] shards: shard 0 of 2 is up (since 2026-12-02 09:30:00 UTC)"
    assert shown[1].startswith("[warn] shards: shard 1 of 2 is disconnected (since 2026-12-02 09:30:00 UTC)")


def test_a_stopped_bot_says_only_which_shards_it_held_and_an_unsharded_one_nothing() -> None:
    assert lines([ShardState(0, 2, True, SINCE), ShardState(1, 2, True, SINCE)], running=False) == [
        "[ ok ] shards: last run held shard(s) 0, 1"
    ]
    assert lines([], running=True) == []


def test_a_state_round_trips_and_an_unreadable_one_is_ignored() -> None:
    state = ShardState(3, 8, False, SINCE)
    assert ShardState.decode(state.key, state.encode()) == state
    assert ShardState.decode("shard:3", "garbage") is None
