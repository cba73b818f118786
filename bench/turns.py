"""Turns: every bot up at the same time, the same bursts offered to each in turn, ratios per burst.

    python -m bench.turns --clicks 1000 --rounds 20
    python -m bench.turns --targets quizbot,baseline-view --clicks 200 --rounds 20 --json out.json
    python -m bench.turns --targets quizbot,quizbot@/tmp/old   # against a checkout of an older commit

Each bot runs as its own process on its own test bed, all at once, with one question each. Every round
offers each bot a burst of N fresh members clicking at once (as fast as the load generator can send,
the offered rate is recorded), one bot after the other; the order rotates every round so no bot always
goes first. A warm-up round of the same size comes first and is not counted, so after 20 rounds of
1,000 each bot holds 21,000 answers on one question.

Per burst: acks/s, ack latency, and the bot's CPU from the first click until `gap` seconds after the
last ack (work a bot leaves for later is counted). After every round: the bot's RSS. At the end every
acknowledged answer must be in the bot's database. The first target is compared with each of the others
burst by burst (ours / theirs, same round), and the medians of those ratios are reported: a noisy moment
on the machine hits both sides of a ratio alike. A round counts towards the ratios only if both bursts
were offered at least SATURATION times as fast as the bot acked them: when the load generator itself is
starved of CPU (it shares the machine), a bot that merely keeps up with the offer shows nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import tempfile
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import (
    AckStats,
    BenchWorld,
    add_members,
    bench_world,
    check_refusals,
    click_plan,
    send_clicks,
    unstored,
    wait_acked,
)
from bench.procstats import MEMORY_KEYS, CpuMeter, memory_kib, rss_mib
from bench.targets import Target, target
from tests.discord_testbed.model import Interaction, Message

DEFAULT_TARGETS = ("quizbot", "baseline-view", "baseline")
SATURATION = 2.0


@dataclass
class Turn:
    """One burst offered to one bot."""

    round: int
    acks: AckStats
    bot_cpu_s: float
    testbed_cpu_s: float
    rss_mib: float

    @property
    def cpu_ms_per_click(self) -> float:
        return 1000 * self.bot_cpu_s / self.acks.clicks

    @property
    def saturated(self) -> bool:
        """The offer outran the bot: the burst measured the bot, not the load generator."""
        return self.acks.offered_per_s >= SATURATION * self.acks.throughput


@dataclass
class Contender:
    target: Target
    world: BenchWorld
    question: Message
    rss_idle_mib: float  # with its question on screen, before the first click
    turns: list[Turn] = field(default_factory=list)
    sent: list[Interaction] = field(default_factory=list)


async def _burst(contender: Contender, clicks: int, round_no: int, seed: int, gap: float) -> Turn:
    tb = contender.world.tb
    members = add_members(tb, clicks, f"r{round_no}m")
    plan = click_plan(contender.target, [contender.question], [members], seed)
    meter = CpuMeter(contender.world.pid, tb.clock())
    sent = await send_clicks(tb, plan, 0.0)
    await wait_acked(tb, sent)
    await asyncio.sleep(gap)
    cpu = meter.read(tb.clock())
    contender.sent += sent
    pid = contender.world.pid
    return Turn(round_no, AckStats.of(sent), round(cpu.bot_cpu, 3), round(cpu.testbed_cpu, 3), rss_mib(pid))


async def run_turns(
    targets: Sequence[Target],
    clicks: int,
    rounds: int,
    *,
    gap: float = 0.5,
    seed: int = 3,
    spec: bool = False,
    db_dir: Path | None = None,
) -> dict[str, Any]:
    """Warm-up round, then `rounds` rounds; every target gets one burst of `clicks` per round.

    `db_dir` is where the bots' databases go (default: the temporary directory). On a tmpfs such as
    /dev/shm a WAL sync costs next to nothing, which leaves the bots' own per-click work to compare.
    """
    async with AsyncExitStack() as stack:
        contenders = []
        for target in targets:
            world = await stack.enter_async_context(bench_world(target, spec=spec, workdir=db_dir))
            channel = world.tb.add_channel(name="turns")
            question = await target.open_question(world.tb, channel, world.tb.add_member(name="starter"), 1)
            contenders.append(Contender(target, world, question, rss_idle_mib=rss_mib(world.pid)))
        load_before = os.getloadavg()
        for round_no in range(rounds + 1):
            order = contenders[round_no % len(contenders) :] + contenders[: round_no % len(contenders)]
            for contender in order:
                turn = await _burst(contender, clicks, round_no, seed + round_no, gap)
                if round_no:  # round 0 warms up: first statements, caches, lazy imports
                    contender.turns.append(turn)
                    print(
                        f"[round {round_no:>2}] {contender.target.name:<13} {turn.acks.throughput:6.0f} acks/s "
                        f"(offered {turn.acks.offered_per_s:6.0f}/s{'' if turn.saturated else ', not saturated'})  "
                        f"p99 {turn.acks.p99_ms:7.1f} ms  "
                        f"CPU {turn.cpu_ms_per_click:.3f} ms/click  RSS {turn.rss_mib:6.1f} MiB",
                        flush=True,
                    )
        load_after = os.getloadavg()
        summaries = []
        for contender in contenders:
            memory = memory_kib(contender.world.pid)
            hwm = memory.get("VmHWM", 0) / 1024
            # Mostly HTTP connections kept alive to the API (aiohttp opens one per concurrent request).
            fds = len(os.listdir(f"/proc/{contender.world.pid}/fd"))
            await contender.world.proc.stop()
            late = check_refusals(contender.world.tb, contender.target)
            lost, rows = await unstored(contender.target, contender.world.database, contender.sent)
            parts = {f"{key.lower()}_mib": round(memory.get(key, 0) / 1024, 1) for key in MEMORY_KEYS[2:]}
            summaries.append({**_summary(contender, hwm, lost, rows, late), "open_fds": fds, **parts})
    return {
        "clicks": clicks,
        "rounds": rounds,
        "database": database_place(db_dir),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "targets": summaries,
        "ratios": [_ratios(contenders[0], other) for other in contenders[1:]],
    }


def database_place(db_dir: Path | None) -> str:
    """Where the databases were, and what kind of file system that is (a sync's cost depends on it)."""
    folder = Path(db_dir or tempfile.gettempdir()).resolve()
    kind = "?"
    with contextlib.suppress(OSError):
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
        best = max((m for m in mounts if folder.is_relative_to(m[1])), key=lambda m: len(m[1]), default=None)
        kind = best[2] if best else "?"
    return f"{folder} ({kind})"


def _summary(contender: Contender, hwm_mib: float, lost: int, rows: int, late: int) -> dict[str, Any]:
    turns = contender.turns
    med = statistics.median
    clicks = sum(t.acks.clicks for t in turns)
    return {
        "target": contender.target.name,
        "clicks": turns[0].acks.clicks,
        "runs": len(turns),
        "saturated_runs": sum(t.saturated for t in turns),
        "offered_per_s": med(t.acks.offered_per_s for t in turns),
        "throughput": med(t.acks.throughput for t in turns),
        "p50_ms": med(t.acks.p50_ms for t in turns),
        "p99_ms": med(t.acks.p99_ms for t in turns),
        "max_ms": max(t.acks.max_ms for t in turns),
        "missed_deadline_worst": max(t.acks.missed_deadline for t in turns),
        "deferred": sum(t.acks.deferred for t in turns),
        # Over all turns: /proc counts CPU in 10 ms ticks, too coarse for one burst of 200.
        "cpu_ms_per_click": 1000 * sum(t.bot_cpu_s for t in turns) / clicks,
        "testbed_cpu_ms_per_click": 1000 * sum(t.testbed_cpu_s for t in turns) / clicks,
        "rss_idle_mib": round(contender.rss_idle_mib, 1),
        "rss_end_mib": round(turns[-1].rss_mib, 1),
        "rss_max_mib": round(max(t.rss_mib for t in turns), 1),
        "rss_hwm_mib": round(hwm_mib, 1),
        "answers_stored": rows,
        "acked_not_stored": lost,
        "late_responses": late,
        "turns": [{**asdict(t.acks), "round": t.round, "bot_cpu_s": t.bot_cpu_s, "rss_mib": t.rss_mib} for t in turns],
    }


def _ratios(ours: Contender, theirs: Contender) -> dict[str, Any]:
    """Per round, ours / theirs; the medians (and ranges) of those ratios, over the rounds where both
    bursts were saturated (all rounds if none was)."""
    every = list(zip(ours.turns, theirs.turns, strict=True))
    pairs = [(a, b) for a, b in every if a.saturated and b.saturated] or every

    def spread(values: list[float]) -> dict[str, float]:
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    return {
        "ours": ours.target.name,
        "theirs": theirs.target.name,
        "rounds": len(pairs),
        "throughput": spread([a.acks.throughput / b.acks.throughput for a, b in pairs]),
        "p50": spread([a.acks.p50_ms / b.acks.p50_ms for a, b in pairs]),
        "p99": spread([a.acks.p99_ms / b.acks.p99_ms for a, b in pairs]),
        "cpu_per_click": spread([a.bot_cpu_s / b.bot_cpu_s for a, b in pairs if b.bot_cpu_s > 0]),
        "cpu_total": sum(a.bot_cpu_s for a, _ in pairs) / sum(b.bot_cpu_s for _, b in pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default=",".join(DEFAULT_TARGETS), help="the first is compared with the others")
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds after the last ack before the next turn")
    parser.add_argument("--json", help="also write the full result (every turn) to this file")
    parser.add_argument("--db-dir", type=Path, help="where the databases go, e.g. /dev/shm (default: the temp dir)")
    args = parser.parse_args()
    targets = [target(name) for name in args.targets.split(",") if name]
    result = asyncio.run(run_turns(targets, args.clicks, args.rounds, gap=args.gap, db_dir=args.db_dir))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    brief = {**result, "targets": [{k: v for k, v in t.items() if k != "turns"} for t in result["targets"]]}
    print(json.dumps(brief, indent=2))


if __name__ == "__main__":
    main()
