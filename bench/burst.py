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
from bench.procstats import CpuMeter
from bench.targets import TARGETS, Target


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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


async def run_burst(
    target: Target, clicks: int, *, spread: float = 1.0, settle: float = 6.0, seed: int = 7, spec: bool = False
) -> BurstResult:
    """One run on a fresh test bed, database and bot process.

    `settle` keeps watching after the last ack, so throttled edits (e.g. an answer counter) are counted.
    """
    async with bench_world(target, spec=spec) as world:
        tb = world.tb
        starter = tb.add_member(name="starter")
        channel = tb.add_channel(name="burst")
        members = add_members(tb, clicks, "m")
        question = await target.open_question(tb, channel, starter, 1)
        plan = click_plan(target, [question], [members], seed)
        start = tb.clock()
        meter = CpuMeter(world.pid, start)
        sent = await send_clicks(tb, plan, spread)
        await wait_acked(tb, sent)
        cpu = meter.read(tb.clock())
        if settle:
            await asyncio.sleep(settle)
        edits = EditStats.since(tb.requests, start)
        await world.proc.stop()
        late = check_refusals(tb, target)
        lost, rows = await unstored(target, world.database, sent)
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
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=sorted(TARGETS), default="baseline")
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=1.0, help="seconds over which the clicks arrive")
    parser.add_argument("--at-once", action="store_true", help="offer every click as fast as it can be sent")
    parser.add_argument("--settle", type=float, default=6.0)
    args = parser.parse_args()
    spread = 0.0 if args.at_once else args.spread
    result = asyncio.run(run_burst(TARGETS[args.target], args.clicks, spread=spread, settle=args.settle))
    print(json.dumps(result.as_dict(), indent=2))


if __name__ == "__main__":
    main()
