"""The PostgreSQL and shard benchmarks' own logic: reading answers back from PostgreSQL, a server's CPU from
/proc, the RSS slope per 1,000 guilds, shard ranges. Speed itself is never asserted."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from bench.burst import run_burst
from bench.guild_rss import slope_per_thousand
from bench.harness import unstored
from bench.postgres import bench_postgres
from bench.procstats import ProcStat, all_proc_stats, tree_cpu_ticks
from bench.shards import owner_of, shard_ranges
from bench.targets import QUIZBOT
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import RunKind, ScoringMode
from bot.storage import open_storage
from tests.discord_testbed.gateway import shard_of
from tests.discord_testbed.model import Interaction

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
QUIZ = Quiz(id="q", title="Q", questions=(Question(id="one", prompt="?", choices=("A", "B"), answer=0),))


def _stat(pid: int, ppid: int, utime: int, stime: int, cutime: int = 0, cstime: int = 0) -> str:
    # The command name may hold spaces and parentheses: the parser must split after the last ")".
    rest = ["S", ppid, 0, 0, 0, -1, 0, 0, 0, 0, 0, utime, stime, cutime, cstime, 20, 0, 1, 0]
    return f"{pid} (postgres: a (b) c) " + " ".join(str(field) for field in rest)


def test_a_servers_cpu_is_its_own_its_live_childrens_and_its_reaped_childrens() -> None:
    stats = {
        100: ProcStat.parse(_stat(100, 1, utime=5, stime=1, cutime=30, cstime=4)),
        101: ProcStat.parse(_stat(101, 100, utime=7, stime=2)),
        102: ProcStat.parse(_stat(102, 100, utime=1, stime=0)),
        # Not the server's: another process's child, and the server's parent.
        200: ProcStat.parse(_stat(200, 1, utime=500, stime=500)),
        1: ProcStat.parse(_stat(1, 0, utime=900, stime=900)),
    }
    assert stats[101].ppid == 100 and stats[100].cutime == 30
    assert tree_cpu_ticks(100, stats) == 5 + 1 + 30 + 4 + 7 + 2 + 1
    # And on the real /proc, this process is found with its parent.
    assert all_proc_stats()[os.getpid()].ppid == os.getppid()


def test_rss_per_thousand_guilds_is_the_least_squares_slope() -> None:
    # Pairs spread evenly about 61 + 3.8 MiB per 1,000 guilds.
    points = [(0, 60.0), (0, 62.0), (1000, 63.8), (1000, 65.8), (5000, 81.0), (5000, 79.0)]
    slope, intercept = slope_per_thousand(points)
    assert slope == pytest.approx(3.8) and intercept == pytest.approx(61.0)
    with pytest.raises(ValueError, match="two guild counts"):
        slope_per_thousand([(1000, 70.0), (1000, 71.0)])


def test_shard_ranges_split_evenly_and_every_guild_has_one_owner() -> None:
    assert shard_ranges(2, 4) == [range(0, 2), range(2, 4)]
    assert shard_ranges(3, 4) == [range(0, 1), range(1, 2), range(2, 4)]
    with pytest.raises(ValueError, match="cannot share"):
        shard_ranges(5, 4)
    ranges = shard_ranges(2, 4)
    for guild_id in (1 << 22, 3 << 22, (6 << 22) | 12345):
        assert owner_of(guild_id, ranges, 4) == (0 if shard_of(guild_id, 4) < 2 else 1)


def _click(user_id: int, run_id: int, acked: bool) -> Interaction:
    return Interaction(
        id=user_id,
        token=f"t{user_id}",
        type=3,
        user_id=user_id,
        guild_id=1,
        channel_id=2,
        payload={"data": {"custom_id": f"quiz:{run_id}:0:0"}},
        created_at=0.0,
        message_id=99,
        response_type=4 if acked else None,
    )


async def test_acked_but_not_stored_is_read_from_postgresql(fresh_postgres_url: str) -> None:
    storage = await open_storage(fresh_postgres_url)
    try:
        run = await storage.runs.create_run(
            guild_id=1,
            channel_id=2,
            kind=RunKind.LIVE,
            quiz=QUIZ,
            started_by=1,
            now=NOW,
            seconds_per_question=30,
            scoring_mode=ScoringMode.ACCURACY,
        )
        await storage.runs.open_question(run.id, 0, now=NOW, deadline=NOW + timedelta(minutes=5))
        for user_id in (11, 12):
            await storage.runs.record_answer(run_id=run.id, index=0, user_id=user_id, user_name="m", choice=0, now=NOW)
    finally:
        await storage.close()
    # 13 was told "Locked in" but has no row; 14 was never answered, so it is not counted as lost.
    sent = [_click(11, run.id, True), _click(12, run.id, True), _click(13, run.id, True), _click(14, run.id, False)]
    assert await unstored(QUIZBOT, fresh_postgres_url, sent) == (1, 2)


async def test_a_burst_on_postgresql_stores_every_acked_answer_and_counts_the_servers_cpu(
    postgres_server_url: str,
) -> None:
    async with bench_postgres(postgres_server_url) as server:
        assert server.facts["fsync"] in ("on", "off") and server.facts["synchronous_commit"]
        result = await run_burst(QUIZBOT, 20, spread=0, settle=0, postgres=server)
    assert result.backend == "postgresql"
    assert result.acks.acked == 20 and result.acks.missed_deadline == 0
    assert result.acked_not_stored == 0 and result.stored_rows == 20
    assert result.server_cpu_s >= 0
