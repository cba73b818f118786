"""Bursts offered at once to quizbot on SQLite (disk, tmpfs) and on PostgreSQL, interleaved (issue 16).

    python -m bench.backends --clicks 1000,5000 --reps 3
    python -m bench.backends --postgres auto --pg-dir /dev/shm          # the server's data on a tmpfs
    python -m bench.backends --postgres postgresql://u:pw@127.0.0.1:5432/postgres --json out.json

Every run is `bench.burst`'s: a fresh test bed, database and bot process, one live question, N fresh
members clicking at once (as fast as the load generator can send them). Within a repetition the
databases take turns, size by size, so a noisy moment on the shared machine hits them alike. The
PostgreSQL server (a throw-away one by default, its data in the temp dir) is shared by the runs; each
run gets a fresh database on it, dropped afterwards. The server's CPU is its postmaster, backends and
helpers, from /proc. Every acknowledged click must be in the database: read back from the SQLite file,
or from PostgreSQL through `Storage`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import report
from bench.burst import run_burst
from bench.postgres import AUTO, BenchPostgres, bench_postgres
from bench.procstats import machine_info
from bench.targets import QUIZBOT
from bench.turns import database_place

TMPFS = Path("/dev/shm")


@dataclass(frozen=True)
class Place:
    """Where one run's database lives: a SQLite file in `folder`, or a fresh database on the server."""

    key: str
    label: str
    folder: Path | None = None
    on_server: bool = False


PLACES = (
    Place("disk", "SQLite, disk"),
    Place("tmpfs", "SQLite, tmpfs", folder=TMPFS),
    Place("postgresql", "PostgreSQL", on_server=True),
)


def places(keys: Sequence[str]) -> list[Place]:
    chosen = [place for place in PLACES if place.key in keys]
    if len(chosen) != len(set(keys)):
        raise ValueError(f"unknown place in {list(keys)}: choose from {[place.key for place in PLACES]}")
    return chosen


def server_label(postgres: BenchPostgres) -> str:
    """PostgreSQL, and whether its data (so its WAL, which every commit flushes) is on a tmpfs or a disk."""
    return "PostgreSQL, tmpfs" if "(tmpfs)" in postgres.facts.get("data_directory", "") else "PostgreSQL, disk"


async def run_backends(
    sizes: Sequence[int],
    reps: int,
    postgres: BenchPostgres,
    *,
    settle: float = 1.0,
    warm_up: int = 0,
    where: Sequence[Place] = PLACES,
) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    for rep in range(reps):
        for clicks in sizes:
            # Rotate the order each repetition: none always runs first (right after the previous size).
            turn = rep % len(where)
            order = [*where[turn:], *where[:turn]]
            for place in order:
                load = os.getloadavg()[0]
                result = await run_burst(
                    QUIZBOT,
                    clicks,
                    spread=0.0,
                    settle=settle,
                    workdir=place.folder,
                    postgres=postgres if place.on_server else None,
                    warm_up=warm_up,
                )
                label = server_label(postgres) if place.on_server else place.label
                row = {**result.as_dict(), "place": label, "rep": rep, "load_1m": [load, os.getloadavg()[0]]}
                runs.append(row)
                acks = result.acks
                print(
                    f"[rep {rep}] {clicks:>5} {label:<17} {acks.throughput:6.0f} acks/s "
                    f"(offered {acks.offered_per_s:6.0f}/s) p50 {acks.p50_ms:6.0f} p99 {acks.p99_ms:6.0f} ms "
                    f"missed {acks.missed_deadline} unstored {result.acked_not_stored} "
                    f"bot CPU {result.bot_cpu_s:.2f} s server CPU {result.server_cpu_s:.2f} s load {load:.2f}",
                    flush=True,
                )
    return runs


def summarize(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Medians per (size, place); the worst run for what must be zero."""
    groups: dict[tuple[int, str], list[Mapping[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["clicks"], run["place"]), []).append(run)
    rows = []
    for (clicks, place), group in groups.items():
        med = statistics.median
        rows.append(
            {
                "clicks": clicks,
                "place": place,
                "runs": len(group),
                "offered_per_s": med(r["acks"]["offered_per_s"] for r in group),
                "throughput": med(r["acks"]["throughput"] for r in group),
                "p50_ms": med(r["acks"]["p50_ms"] for r in group),
                "p99_ms": med(r["acks"]["p99_ms"] for r in group),
                "max_ms": max(r["acks"]["max_ms"] for r in group),
                "missed_median": med(r["acks"]["missed_deadline"] for r in group),
                "missed_worst": max(r["acks"]["missed_deadline"] for r in group),
                "deferred": med(r["acks"]["deferred"] for r in group),
                "unstored_worst": max(r["acked_not_stored"] for r in group),
                "bot_cpu_ms_per_click": med(1000 * r["bot_cpu_s"] / clicks for r in group),
                "server_cpu_ms_per_click": med(1000 * r["server_cpu_s"] / clicks for r in group),
                "load": (min(min(r["load_1m"]) for r in group), max(max(r["load_1m"]) for r in group)),
            }
        )
    return rows


def table(rows: Sequence[Mapping[str, Any]]) -> str:
    header = [
        "clicks at once",
        "database",
        "acks/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "missed 3 s (median / worst)",
        "deferred",
        "acked, not stored (worst)",
        "bot CPU ms / click",
        "server CPU ms / click",
        "offered / s",
        "load 1 min",
        "runs",
    ]
    body = [
        [
            f"{row['clicks']:,}",
            row["place"],
            f"{row['throughput']:,.0f}",
            f"{row['p50_ms']:,.0f}",
            f"{row['p99_ms']:,.0f}",
            f"{row['max_ms']:,.0f}",
            f"{row['missed_median']:,.0f} / {row['missed_worst']:,}",
            f"{row['deferred']:,.0f}",
            str(row["unstored_worst"]),
            f"{row['bot_cpu_ms_per_click']:.3f}",
            f"{row['server_cpu_ms_per_click']:.3f}" if row["place"].startswith("PostgreSQL") else "–",
            f"{row['offered_per_s']:,.0f}",
            f"{row['load'][0]:.1f}–{row['load'][1]:.1f}",
            str(row["runs"]),
        ]
        for row in rows
    ]
    return report.table(header, body)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    async with bench_postgres(args.postgres, args.pg_dir) as postgres:
        runs = await run_backends(
            args.clicks, args.reps, postgres, settle=args.settle, warm_up=args.warm_up, where=places(args.places)
        )
        facts = postgres.facts
    rows = summarize(runs)
    return {
        "machine": machine_info(),
        "postgres": facts,
        "sqlite_disk": database_place(None),
        "sqlite_tmpfs": database_place(TMPFS),
        "warm_up": args.warm_up,
        "summary": rows,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clicks", type=lambda text: [int(n) for n in text.split(",")], default=[1000, 5000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--postgres", default=AUTO, help="a server URL, or 'auto' for a throw-away one")
    parser.add_argument("--pg-dir", type=Path, help="where a throw-away server keeps its data (default: temp dir)")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds after the last ack before stopping")
    parser.add_argument(
        "--places", type=lambda text: text.split(","), default=[p.key for p in PLACES], help="disk,tmpfs,postgresql"
    )
    parser.add_argument("--warm-up", type=int, default=0, help="clicks at once before each burst, not counted")
    parser.add_argument("--json", type=Path, help="also write every run to this file")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps({"postgres": result["postgres"], "sqlite": [result["sqlite_disk"], result["sqlite_tmpfs"]]}))
    print(table(result["summary"]))


if __name__ == "__main__":
    main()
