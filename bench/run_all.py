"""Every benchmark, several times, medians into docs/performance.md.

    python -m bench                  # 5 repetitions of everything (about 17 minutes on 2 cores)
    python -m bench --reps 5 --clicks 1000 --skip-big-db
    python -m bench --skip-bursts --skip-sessions --skip-big-db   # only the bursts offered at once, in turns

Each repetition starts every bot on a fresh test bed and database. Targets are interleaved within a
repetition so that a noisy moment on the machine hits all of them alike. The bursts offered at once
(`bench.turns`) run every bot at the same time instead, taking turns burst by burst.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import report
from bench.burst import run_burst
from bench.procstats import machine_info
from bench.sessions import run_sessions
from bench.targets import QUIZBOT, TARGETS
from bench.turns import DEFAULT_TARGETS as TURN_TARGETS
from bench.turns import run_turns

REPO_ROOT = Path(__file__).resolve().parents[1]
DOC = REPO_ROOT / "docs" / "performance.md"
RAW = REPO_ROOT / "bench" / "results" / "latest.json"
COMMAND = "python -m bench"
TMPFS = Path("/dev/shm")


def quizbot_available() -> bool:
    """`/quiz` exists once cogs/quiz.py does; until then only the reference bots are measured."""
    return (REPO_ROOT / "cogs" / "quiz.py").is_file()


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--clicks", type=_ints, default=[100, 1000, 5000], help="burst sizes, e.g. 100,1000")
    parser.add_argument("--targets", default="", help="comma-separated; default ack-only,baseline,quizbot")
    parser.add_argument("--quizzes", type=int, default=100)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--turn-clicks", type=_ints, default=[200, 1000], help="bursts offered at once, in turns")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of turns (each bot one burst per round)")
    parser.add_argument("--skip-bursts", action="store_true")
    parser.add_argument("--skip-turns", action="store_true")
    parser.add_argument("--skip-sessions", action="store_true")
    parser.add_argument("--skip-big-db", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print the tables, leave the document alone")
    return parser.parse_args(argv)


async def measure(args: argparse.Namespace, targets: list[str]) -> dict[str, list[dict[str, Any]]]:
    bursts: dict[tuple[str, int], list[dict[str, Any]]] = {}
    sessions: dict[str, list[dict[str, Any]]] = {}
    for rep in range(args.reps):
        for clicks in [] if args.skip_bursts else args.clicks:
            for name in targets:
                result = await run_burst(TARGETS[name], clicks, seed=rep + 1)
                bursts.setdefault((name, clicks), []).append(result.as_dict())
                acks = result.acks
                print(
                    f"[rep {rep + 1}] burst {clicks:>5} {name:<9} {acks.throughput:7.0f} acks/s  "
                    f"p99 {acks.p99_ms:8.1f} ms  missed {acks.missed_deadline}  "
                    f"not stored {result.acked_not_stored}  edits {result.edits.edits}/{result.edits.edit_429s}×429",
                    flush=True,
                )
        if args.skip_sessions:
            continue
        for name in [t for t in targets if t != "ack-only"]:
            result = await run_sessions(TARGETS[name], args.quizzes, args.members, seed=rep + 1)
            sessions.setdefault(name, []).append(result.as_dict())
            print(
                f"[rep {rep + 1}] sessions {name:<9} p99 {result.acks.p99_ms:8.1f} ms  "
                f"RSS {result.rss_start_mib:.1f} → {result.rss_peak_mib:.1f} MiB  "
                f"CPU {result.bot_cpu_per_1000_clicks_s:.2f} s/1000",
                flush=True,
            )
    turns = []
    if not args.skip_turns and QUIZBOT.name in targets:
        # On the disk a WAL sync per click is the baseline's bottleneck; on a tmpfs syncs are nearly free
        # and what is left is each bot's own work per click (issue 17's regime).
        for db_dir in args.turn_db_dirs:
            for clicks in args.turn_clicks:
                print(f"turns: {clicks} clicks at once, {args.rounds} rounds, databases in {db_dir}", flush=True)
                turn_targets = [TARGETS[name] for name in TURN_TARGETS]
                turns.append(await run_turns(turn_targets, clicks, args.rounds, db_dir=db_dir))
    return {
        "turns": turns,
        "burst": [report.median_of(runs) for runs in bursts.values()],
        "sessions": [report.median_of(runs) for runs in sessions.values()],
        "raw_burst": [r for runs in bursts.values() for r in runs],
        "raw_sessions": [r for runs in sessions.values() for r in runs],
    }


def run_big_db(write: bool) -> None:
    """The big-database benchmark (bench/big_db.py) writes its own section of the document."""
    if not (REPO_ROOT / "bench" / "big_db.py").is_file():
        print("bench/big_db.py not found; skipping the big-database benchmark")
        return
    subprocess.run(
        [sys.executable, "-m", "bench.big_db", *(["--write-docs"] if write else [])], cwd=REPO_ROOT, check=True
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.turn_db_dirs = [None, *([TMPFS] if TMPFS.is_dir() else [])]
    default_targets = ["ack-only", "baseline", "baseline-view"] + (["quizbot"] if quizbot_available() else [])
    targets = [t for t in args.targets.split(",") if t] or default_targets
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        print(f"unknown target(s) {unknown}; choose from {sorted(TARGETS)}", file=sys.stderr)
        return 2
    if QUIZBOT.name not in targets:
        print("note: quizbot is not measured (no cogs/quiz.py yet, or not asked for)")
    info = machine_info()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results = asyncio.run(measure(args, targets))
    blocks = {"machine": report.machine_table(info, when, COMMAND)}
    blocks["targets"] = report.targets_table(results["burst"], results["sessions"], results["turns"])
    if results["burst"]:
        blocks["burst"] = report.burst_table(results["burst"])
    if results["turns"]:
        blocks["turns"] = report.turns_table(results["turns"])
    if results["sessions"]:
        blocks["sessions"] = report.sessions_table(results["sessions"])
    for name, block in blocks.items():
        print(f"\n## {name}\n{block}")
    if not args.no_write:
        RAW.parent.mkdir(parents=True, exist_ok=True)
        RAW.write_text(json.dumps({"machine": info, "measured": when, **results}, indent=1, default=str) + "\n")
        report.update_document(DOC, blocks)
        print(f"\nwrote {DOC.relative_to(REPO_ROOT)} and {RAW.relative_to(REPO_ROOT)}")
    if not args.skip_big_db:
        run_big_db(write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
