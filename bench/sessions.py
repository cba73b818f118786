"""Many sessions: Q live questions in Q channels at once, M members answering in each.

    python -m bench.sessions --target quizbot --quizzes 100 --members 20

Reports ack latency, the bot's RSS when idle (after one warm-up question) and at its peak, the time to
get every question on screen, and the bot's CPU per 1,000 clicks.
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
from bench.procstats import CpuMeter, RssSampler, memory_kib
from bench.targets import TARGETS, Target

WARM_UP_CLICKS = 5


@dataclass(frozen=True)
class SessionsResult:
    target: str
    quizzes: int
    members_each: int
    acks: AckStats
    edits: EditStats
    acked_not_stored: int
    rss_start_mib: float
    rss_peak_mib: float
    rss_hwm_mib: float
    open_all_s: float
    bot_cpu_per_1000_clicks_s: float
    testbed_cpu_per_1000_clicks_s: float

    @property
    def rss_growth_mib(self) -> float:
        return self.rss_peak_mib - self.rss_start_mib

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "rss_growth_mib": round(self.rss_growth_mib, 1)}


async def run_sessions(
    target: Target,
    quizzes: int,
    members_each: int,
    *,
    spread: float = 2.0,
    settle: float = 6.0,
    seed: int = 11,
    spec: bool = False,
) -> SessionsResult:
    async with bench_world(target, spec=spec) as world:
        tb = world.tb
        starter = tb.add_member(name="starter")
        # Warm up: imports, caches and the first statement plans are paid once, not per quiz.
        warm_channel = tb.add_channel(name="warm-up")
        warm_question = await target.open_question(tb, warm_channel, starter, 0)
        warm_members = add_members(tb, WARM_UP_CLICKS, "warm")
        await wait_acked(tb, await send_clicks(tb, click_plan(target, [warm_question], [warm_members], seed), 0.1))

        channels = [tb.add_channel(name=f"quiz-{i}") for i in range(quizzes)]
        groups = [add_members(tb, members_each, f"c{i}m") for i in range(quizzes)]
        sampler = RssSampler(world.pid)
        sampler.start()
        rss_start = sampler.peak_mib
        opened_at = tb.clock()
        questions = await asyncio.gather(
            *(target.open_question(tb, channel, starter, i + 1) for i, channel in enumerate(channels))
        )
        open_all = tb.clock() - opened_at

        plan = click_plan(target, questions, groups, seed)
        start = tb.clock()
        meter = CpuMeter(world.pid, start)
        sent = await send_clicks(tb, plan, spread)
        await wait_acked(tb, sent)
        cpu = meter.read(tb.clock())
        if settle:
            await asyncio.sleep(settle)
        rss_peak = await sampler.stop()
        rss_hwm = memory_kib(world.pid).get("VmHWM", 0) / 1024
        edits = EditStats.since(tb.requests, start)
        await world.proc.stop()
        check_refusals(tb, target)
        lost, _ = await unstored(target, world.database, sent)
    per_1000 = 1000 / len(sent)
    return SessionsResult(
        target=target.name,
        quizzes=quizzes,
        members_each=members_each,
        acks=AckStats.of(sent),
        edits=edits,
        acked_not_stored=lost,
        rss_start_mib=round(rss_start, 1),
        rss_peak_mib=round(rss_peak, 1),
        rss_hwm_mib=round(rss_hwm, 1),
        open_all_s=round(open_all, 3),
        bot_cpu_per_1000_clicks_s=round(cpu.bot_cpu * per_1000, 3),
        testbed_cpu_per_1000_clicks_s=round(cpu.testbed_cpu * per_1000, 3),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=sorted(TARGETS), default="baseline")
    parser.add_argument("--quizzes", type=int, default=100)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--spread", type=float, default=2.0, help="seconds over which all clicks arrive")
    parser.add_argument("--settle", type=float, default=6.0)
    args = parser.parse_args()
    result = asyncio.run(
        run_sessions(TARGETS[args.target], args.quizzes, args.members, spread=args.spread, settle=args.settle)
    )
    print(json.dumps(result.as_dict(), indent=2))


if __name__ == "__main__":
    main()
