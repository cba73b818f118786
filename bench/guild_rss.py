"""What one bot process costs in memory per 1,000 guilds, on SQLite and on PostgreSQL.

    python -m bench.guild_rss --guilds 0,1000,5000,10000 --reps 2
    python -m bench.guild_rss --backends sqlite --guilds 0,2000

For each size a fresh test bed gets N guilds (besides its own default one), each with two text channels
and GUILD_MEMBERS members (the owner and the bot come on top), spread evenly over the shards. One process
`quizbot run --shards 0-<S-1> --shard-count S` connects every shard (S = 5 by default: 10,000 guilds and
the test bed's own would not fit in 4 at Discord's 2,500 per shard), receives every GUILD_CREATE, and is
read once it is ready (discord.py's on_ready after the last shard) and its RSS has stopped moving. The
slope of RSS over the guild count (least squares over every run) is the cost per 1,000 guilds; the
intercept is the process with none.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.postgres import AUTO, BenchPostgres, bench_postgres
from bench.procstats import machine_info, memory_kib, rss_mib
from bench.targets import QUIZBOT
from tests.discord_testbed.runner import BotProcess, settings_for
from tests.discord_testbed.testbed import TestBed

GUILD_CHANNELS = ("general", "quiz")
GUILD_MEMBERS = 3
READY_LINE = "connected to Discord as"
CONNECT_TIMEOUT = 180.0
# RSS has settled when it moved by less than this over SETTLE_SAMPLES samples SETTLE_INTERVAL apart.
SETTLE_MIB = 0.25
SETTLE_SAMPLES = 4
SETTLE_INTERVAL = 0.5


def slope_per_thousand(points: Sequence[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares line through (guilds, MiB): (MiB per 1,000 guilds, MiB at 0 guilds)."""
    xs = [x for x, _ in points]
    if len(set(xs)) < 2:
        raise ValueError("a slope needs runs at two guild counts at least")
    slope, intercept = statistics.linear_regression(xs, [y for _, y in points])
    return slope * 1000, intercept


async def settled_rss(pid: int, patience_s: float = 30.0) -> float:
    """RSS once it stops moving (the last GUILD_CREATEs may still be parsed when on_ready fires)."""
    recent: list[float] = []
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        recent = [*recent[-(SETTLE_SAMPLES - 1) :], rss_mib(pid)]
        if len(recent) == SETTLE_SAMPLES and max(recent) - min(recent) < SETTLE_MIB:
            break
        await asyncio.sleep(SETTLE_INTERVAL)
    return recent[-1]


async def measure(guilds: int, shard_count: int, database_url: str | None) -> dict[str, Any]:
    tb = TestBed(spec=False)
    await tb.start()
    try:
        for i in range(guilds):
            guild = tb.add_guild(f"g{i}", channels=GUILD_CHANNELS, shard=(i % shard_count, shard_count))
            for m in range(GUILD_MEMBERS):
                tb.add_member(guild, name=f"g{i}m{m}")
        with tempfile.TemporaryDirectory(prefix="quizbot-bench-guilds-") as tmp:
            settings = settings_for(tb, Path(tmp), db_url=database_url)
            command = [sys.executable, "-m", "bot", "run", "--shards", f"0-{shard_count - 1}"]
            command += ["--shard-count", str(shard_count)]
            proc = BotProcess(tb, command, settings, Path(tmp) / "bot.log", QUIZBOT.factory)
            started = time.monotonic()
            await proc.start()
            try:
                await proc.wait_connected(timeout=CONNECT_TIMEOUT)
                await tb.wait_until(
                    lambda: READY_LINE in proc.output() or proc.proc is None or proc.proc.returncode is not None,
                    CONNECT_TIMEOUT,
                    what="on_ready",
                )
                if READY_LINE not in proc.output():
                    raise RuntimeError(f"the bot process stopped before it was ready, with {guilds} guilds")
                ready_s = time.monotonic() - started
                assert proc.proc is not None
                rss = await settled_rss(proc.proc.pid)
                memory = memory_kib(proc.proc.pid)
            except BaseException:
                print(proc.output()[-3000:])
                raise
            finally:
                await proc.stop()
    finally:
        await tb.stop()
    return {
        "guilds": guilds,
        "backend": "postgresql" if database_url else "sqlite",
        "rss_mib": round(rss, 1),
        "rss_anon_mib": round(memory.get("RssAnon", 0) / 1024, 1),
        "ready_s": round(ready_s, 1),
        "load_1m": round(os.getloadavg()[0], 2),
    }


async def run_sizes(
    sizes: Sequence[int], backends: Sequence[str], reps: int, shard_count: int, postgres: BenchPostgres | None
) -> list[dict[str, Any]]:
    runs = []
    for rep in range(reps):
        for guilds in sizes:
            turn = rep % len(backends)
            for backend in [*backends[turn:], *backends[:turn]]:
                url = await postgres.fresh_database() if backend == "postgresql" and postgres else None
                try:
                    run = await measure(guilds, shard_count, url)
                finally:
                    if url is not None and postgres is not None:
                        await postgres.drop(url)
                print(json.dumps(run), flush=True)
                runs.append(run)
    return runs


def summarize(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for backend in sorted({run["backend"] for run in runs}):
        mine = [run for run in runs if run["backend"] == backend]
        slope, intercept = slope_per_thousand([(run["guilds"], run["rss_mib"]) for run in mine])
        anon_slope, _ = slope_per_thousand([(run["guilds"], run["rss_anon_mib"]) for run in mine])
        sizes = sorted({run["guilds"] for run in mine})
        rows.append(
            {
                "backend": backend,
                "mib_per_1000_guilds": round(slope, 2),
                "anon_mib_per_1000_guilds": round(anon_slope, 2),
                "mib_at_0": round(intercept, 1),
                "median_rss_mib": {n: statistics.median(r["rss_mib"] for r in mine if r["guilds"] == n) for n in sizes},
                "median_ready_s": {n: statistics.median(r["ready_s"] for r in mine if r["guilds"] == n) for n in sizes},
                "runs": len(mine),
            }
        )
    return rows


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    backends = args.backends.split(",")
    load_before = os.getloadavg()
    if "postgresql" in backends:
        async with bench_postgres(args.postgres, args.pg_dir) as postgres:
            runs = await run_sizes(args.guilds, backends, args.reps, args.shard_count, postgres)
            facts = postgres.facts
    else:
        runs, facts = await run_sizes(args.guilds, backends, args.reps, args.shard_count, None), {}
    return {
        "machine": machine_info(),
        "postgres": facts,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "summary": summarize(runs),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guilds", type=lambda text: [int(n) for n in text.split(",")], default=[0, 1000, 5000])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--shard-count", type=int, default=5)
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
