"""Many sessions across processes: Q live quizzes in Q guilds on S shards, P bot processes, one PostgreSQL.

    python -m bench.shards --guilds 100 --members 20 --processes 2 --shard-count 4 --reps 3
    python -m bench.shards --postgres postgresql://u:pw@127.0.0.1:5432/postgres

The test bed shards like Discord: a guild lives on shard `(guild_id >> 22) % shard_count`, and its events
go to the session that IDENTIFYed with that shard. Guild i is put on shard i % shard_count; process p
runs `quizbot run --shards <its range> --shard-count S` (2 processes × 2 shards by default), all on one
fresh database of one PostgreSQL server. After a warm-up question per process, `/quiz` starts in every
guild at once and M members of each guild click over `spread` seconds.

Reports: ack latency (all clicks, and per process), every process's RSS (idle, peak) and CPU per 1,000 of
its clicks, the PostgreSQL server's CPU, the time to get every question on screen, answers acked but not
stored (read from PostgreSQL), and whether every guild was driven exactly once: one intro, one
question 1 message, and its clicks answered by the process holding its shard.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.harness import (
    DISCORD_LIKE_LIMITS,
    AckStats,
    check_refusals,
    click_plan,
    send_clicks,
    unstored,
    wait_acked,
)
from bench.postgres import AUTO, BenchPostgres, bench_postgres
from bench.procstats import CpuMeter, RssSampler, machine_info, tree_cpu_seconds
from bench.targets import QUIZ_BUTTON, QUIZBOT, START_PREFIX
from tests.discord_testbed.gateway import shard_of
from tests.discord_testbed.model import Channel, Guild, Interaction, User
from tests.discord_testbed.runner import BotProcess, settings_for
from tests.discord_testbed.testbed import TestBed

WARM_UP_CLICKS = 5
# Each process IDENTIFYs its shards 5 s apart (Discord's max_concurrency 1), and waits for them.
CONNECT_TIMEOUT = 120.0


def shard_ranges(processes: int, shard_count: int) -> list[range]:
    """The shards of each process: contiguous ranges, as even as they divide."""
    if not 1 <= processes <= shard_count:
        raise ValueError(f"{processes} processes cannot share {shard_count} shards")
    bounds = [shard_count * p // processes for p in range(processes + 1)]
    return [range(bounds[p], bounds[p + 1]) for p in range(processes)]


def owner_of(guild_id: int, ranges: Sequence[range], shard_count: int) -> int:
    """The index of the process whose shards hold this guild."""
    shard = shard_of(guild_id, shard_count)
    return next(p for p, shards in enumerate(ranges) if shard in shards)


def driven_once(tb: TestBed, channels: Sequence[Channel]) -> list[str]:
    """The channels (by name) that did not get exactly one intro and one question 1 message."""
    wrong = []
    for channel in channels:
        messages = tb.visible_messages(channel)
        intros = sum(any((b.custom_id or "").startswith(START_PREFIX) for b in m.buttons) for m in messages)
        questions = sum(any(QUIZ_BUTTON.match(b.custom_id or "") for b in m.buttons) for m in messages)
        if (intros, questions) != (1, 1):
            wrong.append(f"{channel.name}: {intros} intros, {questions} questions")
    return wrong


@dataclass(frozen=True)
class ProcessFigures:
    shards: str
    guilds: int
    acks: AckStats
    rss_idle_mib: float
    rss_peak_mib: float
    cpu_per_1000_clicks_s: float


@dataclass
class World:
    tb: TestBed
    guilds: list[tuple[Guild, Channel, User, list[User]]]
    warm_ups: list[tuple[Guild, Channel, User]]


def build_world(tb: TestBed, guilds: int, members: int, shard_count: int, ranges: Sequence[range]) -> World:
    built = []
    for i in range(guilds):
        guild = tb.add_guild(f"g{i}", channels=("quiz",), shard=(i % shard_count, shard_count))
        (channel,) = guild.channels.values()
        starter = tb.add_member(guild, name=f"g{i}-starter")
        built.append((guild, channel, starter, [tb.add_member(guild, name=f"g{i}m{m}") for m in range(members)]))
    warm_ups = []
    for shards in ranges:
        guild = tb.add_guild(f"warm-{shards.start}", channels=("warm",), shard=(shards.start, shard_count))
        (channel,) = guild.channels.values()
        warm_ups.append((guild, channel, tb.add_member(guild, name=f"warm-{shards.start}-starter")))
    return World(tb, built, warm_ups)


async def run_shards(
    postgres: BenchPostgres,
    guilds: int,
    members: int,
    *,
    processes: int = 2,
    shard_count: int = 4,
    spread: float = 2.0,
    settle: float = 6.0,
    seed: int = 13,
) -> dict[str, Any]:
    ranges = shard_ranges(processes, shard_count)
    url = await postgres.fresh_database()
    tb = TestBed(spec=False)
    await tb.start()
    for method, route, limit, per in DISCORD_LIKE_LIMITS:
        tb.limit_route(method, route, limit=limit, per=per)
    world = build_world(tb, guilds, members, shard_count, ranges)
    procs: list[BotProcess] = []
    try:
        with tempfile.TemporaryDirectory(prefix="quizbot-bench-shards-") as tmp:
            settings = settings_for(tb, Path(tmp), db_url=url)
            for shards in ranges:
                command = [sys.executable, "-m", "bot", "run", "--shards", f"{shards.start}-{shards.stop - 1}"]
                command += ["--shard-count", str(shard_count)]
                log = Path(tmp) / f"bot-{shards.start}.log"
                procs.append(BotProcess(tb, command, settings, log, QUIZBOT.factory))
            try:
                return await _measure(tb, world, procs, ranges, shard_count, postgres, url, spread, settle, seed)
            except BaseException:
                for proc in procs:
                    print(f"--- {' '.join(proc.command[-4:])} ---\n{proc.output()[-3000:]}")
                raise
            finally:
                for proc in procs:
                    await proc.stop()
    finally:
        await tb.stop()
        await postgres.drop(url)


async def _measure(
    tb: TestBed,
    world: World,
    procs: Sequence[BotProcess],
    ranges: Sequence[range],
    shard_count: int,
    postgres: BenchPostgres,
    url: str,
    spread: float,
    settle: float,
    seed: int,
) -> dict[str, Any]:
    every_shard = [(shard, shard_count) for shard in range(shard_count)]
    for proc in procs:
        await proc.start()
        await proc.wait_connected(timeout=CONNECT_TIMEOUT)
    await tb.wait_until(
        lambda: sorted(s.shard for s in tb.gateway.live_sessions()) == every_shard,
        CONNECT_TIMEOUT,
        what=f"all {shard_count} shards",
    )
    pids = [proc.proc.pid for proc in procs if proc.proc is not None]
    # Warm up each process: imports, caches and first statement plans are paid once, not per quiz.
    for n, (guild, channel, starter) in enumerate(world.warm_ups):
        question = await QUIZBOT.open_question(tb, channel, starter, 0)
        clickers = [tb.add_member(guild, name=f"warm{n}-{i}") for i in range(WARM_UP_CLICKS)]
        await wait_acked(tb, await send_clicks(tb, click_plan(QUIZBOT, [question], [clickers], seed), 0.1))

    samplers = [RssSampler(pid) for pid in pids]
    for sampler in samplers:
        sampler.start()
    rss_idle = [sampler.peak_mib for sampler in samplers]
    load_before = os.getloadavg()
    opened_at = tb.clock()
    questions = await asyncio.gather(
        *(QUIZBOT.open_question(tb, channel, starter, i + 1) for i, (_, channel, starter, _) in enumerate(world.guilds))
    )
    open_all = tb.clock() - opened_at

    plan = click_plan(QUIZBOT, questions, [clickers for *_, clickers in world.guilds], seed)
    start = tb.clock()
    server_before = tree_cpu_seconds(postgres.postmaster_pid) if postgres.postmaster_pid else 0.0
    meters = [CpuMeter(pid, start) for pid in pids]
    sent = await send_clicks(tb, plan, spread)
    await wait_acked(tb, sent)
    cpu = [meter.read(tb.clock()) for meter in meters]
    server_cpu = (tree_cpu_seconds(postgres.postmaster_pid) - server_before) if postgres.postmaster_pid else 0.0
    if settle:
        await asyncio.sleep(settle)
    rss_peak = [await sampler.stop() for sampler in samplers]
    load_after = os.getloadavg()
    # Each click answered by the session of its guild's shard: the process that owns the guild.
    by_process: list[list[Interaction]] = [[] for _ in procs]
    for interaction in sent:
        by_process[owner_of(interaction.guild_id or 0, ranges, shard_count)].append(interaction)
    wrong = driven_once(tb, [channel for _, channel, _, _ in world.guilds])
    for proc in procs:
        await proc.stop()
    check_refusals(tb, QUIZBOT)
    lost, rows = await unstored(QUIZBOT, url, sent)
    figures = [
        ProcessFigures(
            shards=f"{shards.start}-{shards.stop - 1}",
            guilds=sum(owner_of(g.id, ranges, shard_count) == p for g, *_ in world.guilds),
            acks=AckStats.of(mine) if mine else AckStats.of(sent),
            rss_idle_mib=round(rss_idle[p], 1),
            rss_peak_mib=round(rss_peak[p], 1),
            cpu_per_1000_clicks_s=round(cpu[p].bot_cpu * 1000 / max(1, len(mine)), 3),
        )
        for p, (shards, mine) in enumerate(zip(ranges, by_process, strict=True))
    ]
    return {
        "guilds": len(world.guilds),
        "members_each": len(world.guilds[0][3]) if world.guilds else 0,
        "shard_count": shard_count,
        "acks": asdict(AckStats.of(sent)),
        "open_all_s": round(open_all, 3),
        "server_cpu_per_1000_clicks_s": round(server_cpu * 1000 / len(sent), 3),
        "acked_not_stored": lost,
        "answers_stored": rows,
        "not_driven_once": wrong,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "processes": [asdict(f) for f in figures],
    }


def summarize(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    med = statistics.median
    per_process = []
    for p, first in enumerate(runs[0]["processes"]):
        mine = [run["processes"][p] for run in runs]
        per_process.append(
            {
                "shards": first["shards"],
                "guilds": first["guilds"],
                "p50_ms": med(m["acks"]["p50_ms"] for m in mine),
                "p99_ms": med(m["acks"]["p99_ms"] for m in mine),
                "rss_idle_mib": med(m["rss_idle_mib"] for m in mine),
                "rss_peak_mib": med(m["rss_peak_mib"] for m in mine),
                "cpu_per_1000_clicks_s": med(m["cpu_per_1000_clicks_s"] for m in mine),
            }
        )
    return {
        "runs": len(runs),
        "clicks": runs[0]["acks"]["clicks"],
        "p50_ms": med(r["acks"]["p50_ms"] for r in runs),
        "p99_ms": med(r["acks"]["p99_ms"] for r in runs),
        "max_ms": max(r["acks"]["max_ms"] for r in runs),
        "missed_worst": max(r["acks"]["missed_deadline"] for r in runs),
        "unstored_worst": max(r["acked_not_stored"] for r in runs),
        "open_all_s": med(r["open_all_s"] for r in runs),
        "server_cpu_per_1000_clicks_s": med(r["server_cpu_per_1000_clicks_s"] for r in runs),
        "not_driven_once": sum(len(r["not_driven_once"]) for r in runs),
        "load": [min(r["load_before"][0] for r in runs), max(r["load_after"][0] for r in runs)],
        "processes": per_process,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    async with bench_postgres(args.postgres, args.pg_dir) as postgres:
        for rep in range(args.reps):
            run = await run_shards(
                postgres,
                args.guilds,
                args.members,
                processes=args.processes,
                shard_count=args.shard_count,
                spread=args.spread,
                seed=13 + rep,
            )
            runs.append(run)
            print(json.dumps({k: v for k, v in run.items() if k != "acks"} | {"p99_ms": run["acks"]["p99_ms"]}))
        facts = postgres.facts
    return {"machine": machine_info(), "postgres": facts, "summary": summarize(runs), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guilds", type=int, default=100)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--shard-count", type=int, default=4)
    parser.add_argument("--spread", type=float, default=2.0, help="seconds over which all clicks arrive")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--postgres", default=AUTO, help="a server URL, or 'auto' for a throw-away one")
    parser.add_argument("--pg-dir", type=Path, help="where a throw-away server keeps its data (default: temp dir)")
    parser.add_argument("--json", type=Path, help="also write every run to this file")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
