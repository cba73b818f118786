"""Burst: one live question in one channel, N members click within `spread` seconds.

    python -m bench.burst --target baseline --clicks 1000
    python -m bench.burst --target quizbot --clicks 1000 --spread 1
    python -m bench.burst --target quizbot --clicks 1000 --at-once   # as fast as they can be sent

Reports acks/s, ack latency percentiles, clicks that missed Discord's 3 s, answers acked but not stored,
message edits during the burst and 429s, and CPU of the bot and of the test bed process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.harness import (
    AckStats,
    EditStats,
    add_members,
    bench_world,
    check_refusals,
    click_plan,
    send_clicks,
    unstored,
    wait_acked,
)
from bench.postgres import BenchPostgres
from bench.procstats import CpuMeter
from bench.targets import TARGETS, Target
from tests.discord_testbed.model import Interaction

# After the warm-up's last ack: time for the bot to finish what it left for later before the burst.
WARM_UP_PAUSE = 0.5


@dataclass(frozen=True)
class BurstResult:
    target: str
    clicks: int
    spread: float
    acks: AckStats
    edits: EditStats
    acked_not_stored: int
    stored_rows: int
    bot_cpu_s: float
    testbed_cpu_s: float
    wall_s: float
    late_violations: int
    # "sqlite" or "postgresql", and the PostgreSQL server's processes' CPU over the burst (0 on SQLite).
    backend: str = "sqlite"
    server_cpu_s: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


async def run_burst(
    target: Target,
    clicks: int,
    *,
    spread: float = 1.0,
    settle: float = 6.0,
    seed: int = 7,
    spec: bool = False,
    workdir: Path | None = None,
    postgres: BenchPostgres | None = None,
    warm_up: int = 0,
) -> BurstResult:
    """One run on a fresh test bed, database and bot process.

    `settle` keeps watching after the last ack, so throttled edits (e.g. an answer counter) are counted.
    `workdir` holds the SQLite file (the temp dir by default); with `postgres` the bot gets a fresh
    database on that server instead, dropped afterwards. `warm_up` members click at once first, on the
    same question (not counted in the figures, but their answers must be stored too): first statements,
    a pool's connections and caches are then paid before the burst.
    """
    database_url = await postgres.fresh_database() if postgres is not None else None
    try:
        return await _burst_in_world(
            target, clicks, spread, settle, seed, spec, workdir, postgres, database_url, warm_up
        )
    finally:
        if postgres is not None and database_url is not None:
            await postgres.drop(database_url)


async def _burst_in_world(
    target: Target,
    clicks: int,
    spread: float,
    settle: float,
    seed: int,
    spec: bool,
    workdir: Path | None,
    postgres: BenchPostgres | None,
    database_url: str | None,
    warm_up: int,
) -> BurstResult:
    server_pid = postgres.postmaster_pid if postgres is not None else None
    async with bench_world(target, spec=spec, workdir=workdir, database_url=database_url) as world:
        tb = world.tb
        starter = tb.add_member(name="starter")
        channel = tb.add_channel(name="burst")
        members = add_members(tb, clicks, "m")
        question = await target.open_question(tb, channel, starter, 1)
        warm_sent: list[Interaction] = []
        if warm_up:
            warm_plan = click_plan(target, [question], [add_members(tb, warm_up, "warm")], seed + 1)
            warm_sent = await send_clicks(tb, warm_plan, 0.0)
            await wait_acked(tb, warm_sent)
            await asyncio.sleep(WARM_UP_PAUSE)
        plan = click_plan(target, [question], [members], seed)
        start = tb.clock()
        meter = CpuMeter(world.pid, start, server_pid)
        sent = await send_clicks(tb, plan, spread)
        await wait_acked(tb, sent)
        cpu = meter.read(tb.clock())
        if settle:
            await asyncio.sleep(settle)
        edits = EditStats.since(tb.requests, start)
        await world.proc.stop()
        late = check_refusals(tb, target)
        lost, rows = await unstored(target, world.database, warm_sent + sent)
    return BurstResult(
        target=target.name,
        clicks=clicks,
        spread=spread,
        acks=AckStats.of(sent),
        edits=edits,
        acked_not_stored=lost,
        stored_rows=rows,
        bot_cpu_s=round(cpu.bot_cpu, 3),
        testbed_cpu_s=round(cpu.testbed_cpu, 3),
        wall_s=round(cpu.wall, 3),
        late_violations=late,
        backend="postgresql" if database_url is not None else "sqlite",
        server_cpu_s=round(cpu.server_cpu, 3),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=sorted(TARGETS), default="baseline")
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=1.0, help="seconds over which the clicks arrive")
    parser.add_argument("--at-once", action="store_true", help="offer every click as fast as it can be sent")
    parser.add_argument("--settle", type=float, default=6.0)
    parser.add_argument("--warm-up", type=int, default=0, help="clicks at once before the burst, not counted")
    args = parser.parse_args()
    spread = 0.0 if args.at_once else args.spread
    result = asyncio.run(
        run_burst(TARGETS[args.target], args.clicks, spread=spread, settle=args.settle, warm_up=args.warm_up)
    )
    print(json.dumps(result.as_dict(), indent=2))


if __name__ == "__main__":
    main()
