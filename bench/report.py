"""Medians of repeated runs, and the markdown tables they fill in docs/performance.md between markers."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Row = Mapping[str, Any]


def flatten(result: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"acks": {"p99_ms": 3}} → {"acks.p99_ms": 3}, so every figure can be taken a median of."""
    flat: dict[str, Any] = {}
    for key, value in result.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def median_of(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Field by field: the median of numbers, the first value of anything else; plus `runs`."""
    flats = [flatten(r) for r in runs]
    merged: dict[str, Any] = {"runs": len(flats)}
    for key in flats[0]:
        values = [f[key] for f in flats if key in f]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) == len(values) and not any(math.isnan(v) for v in numbers):
            merged[key] = statistics.median(numbers)
        else:
            merged[key] = values[0]
    # Worst case over the runs for the figures a target is about: a median would hide one bad run.
    for key in ("acks.missed_deadline", "acked_not_stored", "edits.edit_429s", "edits.all_429s"):
        if key in flats[0]:
            merged[f"{key}.worst"] = max(f[key] for f in flats)
    return merged


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(ours: float | None, baseline: float | None) -> str:
    if not ours or not baseline:
        return "–"
    return f"{ours / baseline:.2f}×"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine_table(info: Mapping[str, str], when: str, command: str) -> str:
    rows = [[key, f"`{value}`" if key == "executable" else value] for key, value in info.items()]
    rows += [["measured", when], ["command", f"`{command}`"]]
    return table(["", "value"], rows)


def burst_table(medians: Sequence[Row]) -> str:
    baseline = {m["clicks"]: m for m in medians if m["target"] == "baseline"}
    rows = []
    for m in sorted(medians, key=lambda m: (m["clicks"], m["target"] != "ack-only", m["target"] != "baseline")):
        base = baseline.get(m["clicks"])
        is_ref = m["target"] in ("baseline", "ack-only") or base is None
        rows.append(
            [
                fmt(m["clicks"]),
                m["target"],
                fmt(m["acks.throughput"], 0),
                fmt(m["acks.p50_ms"]),
                fmt(m["acks.p95_ms"]),
                fmt(m["acks.p99_ms"]),
                fmt(m["acks.max_ms"]),
                fmt(m["acks.missed_deadline.worst"]),
                fmt(m["acks.deferred"], 0),
                fmt(m["acked_not_stored.worst"]) if m["target"] != "ack-only" else "n/a",
                f"{fmt(m['edits.edits'], 0)} / {fmt(m['edits.edit_429s.worst'])}",
                fmt(m["bot_cpu_s"], 2),
                fmt(m["testbed_cpu_s"], 2),
                "–" if is_ref else ratio(m["acks.throughput"], base["acks.throughput"]),
                "–" if is_ref else ratio(m["acks.p99_ms"], base["acks.p99_ms"]),
                fmt(m["runs"]),
            ]
        )
    header = [
        "clicks in 1 s",
        "bot",
        "acks/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "missed 3 s (worst run)",
        "deferred",
        "acked, not stored (worst)",
        "edits / 429s",
        "bot CPU s",
        "test bed CPU s",
        "throughput vs baseline",
        "p99 vs baseline",
        "runs",
    ]
    return table(header, rows)


def sessions_table(medians: Sequence[Row]) -> str:
    rows = [
        [
            m["target"],
            f"{fmt(m['quizzes'])} × {fmt(m['members_each'])}",
            fmt(m["open_all_s"], 2),
            fmt(m["acks.p50_ms"]),
            fmt(m["acks.p99_ms"]),
            fmt(m["acks.max_ms"]),
            fmt(m["acks.missed_deadline.worst"]),
            fmt(m["acked_not_stored.worst"]),
            fmt(m["rss_start_mib"]),
            fmt(m["rss_peak_mib"]),
            fmt(m["rss_growth_mib"]),
            fmt(m["bot_cpu_per_1000_clicks_s"], 2),
            f"{fmt(m['edits.edits'], 0)} / {fmt(m['edits.edit_429s.worst'])}",
            fmt(m["runs"]),
        ]
        for m in sorted(medians, key=lambda m: m["target"] != "baseline")
    ]
    header = [
        "bot",
        "quizzes × members",
        "all questions up, s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "missed 3 s (worst)",
        "acked, not stored (worst)",
        "RSS idle MiB",
        "RSS peak MiB",
        "growth MiB",
        "bot CPU s / 1,000 clicks",
        "edits / 429s",
        "runs",
    ]
    return table(header, rows)


def targets_table(bursts: Sequence[Row], sessions: Sequence[Row], turns: Sequence[Row] = ()) -> str:
    """The issue's targets, each with the measured figure and whether it is met."""

    def find(rows: Sequence[Row], target: str, **where: Any) -> Row | None:
        return next((r for r in rows if r["target"] == target and all(r[k] == v for k, v in where.items())), None)

    ours, base = find(bursts, "quizbot", clicks=1000), find(bursts, "baseline", clicks=1000)
    ours_sessions = find(sessions, "quizbot")
    checks: list[tuple[str, str, bool | None]] = []
    if ours is not None:
        checks.append(
            (
                "1,000 clicks: 0 past 3 s",
                fmt(ours["acks.missed_deadline.worst"]),
                ours["acks.missed_deadline.worst"] == 0,
            )
        )
        checks.append(
            (
                "1,000 clicks: every acked answer stored",
                f"{fmt(ours['acked_not_stored.worst'])} missing",
                ours["acked_not_stored.worst"] == 0,
            )
        )
        if base is not None:
            t_ratio = ours["acks.throughput"] / base["acks.throughput"]
            p_ratio = ours["acks.p99_ms"] / base["acks.p99_ms"]
            checks.append(("1,000 clicks: throughput ≥ 0.9× baseline", f"{t_ratio:.2f}×", t_ratio >= 0.9))
            checks.append(("1,000 clicks: p99 ≤ 1.2× baseline", f"{p_ratio:.2f}×", p_ratio <= 1.2))
    if ours_sessions is not None:
        growth = ours_sessions["rss_growth_mib"]
        checks.append(("100 concurrent quizzes: RSS growth < 50 MB", f"{growth:.1f} MiB", growth < 50))
    our_429s = [r["edits.edit_429s.worst"] for r in [*bursts, *sessions] if r["target"] == "quizbot"]
    if our_429s:
        checks.append(("0 × 429 from the bot's own edits", fmt(max(our_429s)), max(our_429s) == 0))
    checks += _turn_checks(turns)
    rows = [[name, value, "met" if ok else "**missed**"] for name, value, ok in checks]
    return table(["target", "measured", ""], rows) if rows else "_quizbot was not measured in this run._"


FLOOR = "baseline-view"


def _turn_checks(turns: Sequence[Row]) -> list[tuple[str, str, bool | None]]:
    """Issue 17: at once, on a tmpfs (only the bots' own work left), quizbot's click costs no more than the floor's."""
    checks: list[tuple[str, str, bool | None]] = []
    for result in turns:
        if "tmpfs" not in result["database"]:
            continue
        ratio = next((r for r in result["ratios"] if r["ours"] == "quizbot" and r["theirs"] == FLOOR), None)
        by_name = {t["target"]: t for t in result["targets"]}
        ours, floor = by_name.get("quizbot"), by_name.get(FLOOR)
        if ratio is None or ours is None or floor is None:
            continue
        where = f"{fmt(result['clicks'])} clicks at once (tmpfs)"
        cpu, acks = ratio["cpu_total"], ratio["throughput"]["median"]
        checks.append((f"{where}: CPU per click ≤ {FLOOR}'s", f"{cpu:.2f}×", cpu <= 1.0))
        checks.append((f"{where}: acks/s ≥ {FLOOR}'s", f"{acks:.2f}×", acks >= 1.0))
        grown, floor_grown = ours["rss_end_mib"] - ours["rss_idle_mib"], floor["rss_end_mib"] - floor["rss_idle_mib"]
        answers = fmt(ours["answers_stored"])
        checks.append(
            (
                f"{where}: RSS growth over {answers} answers ≤ {FLOOR}'s",
                f"+{grown:.1f} vs +{floor_grown:.1f} MiB",
                grown <= floor_grown,
            )
        )
    every = [t for result in turns for t in result["targets"] if t["target"] == "quizbot"]
    if every:
        missed = max(t["missed_deadline_worst"] for t in every)
        lost = max(t["acked_not_stored"] for t in every)
        checks.append(
            (
                "clicks at once: 0 past 3 s, every acked answer stored",
                f"{missed} past, {lost} missing",
                not missed and not lost,
            )
        )
    return checks


def replace_between_markers(text: str, name: str, content: str) -> str:
    """Swap what sits between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; append the block if absent."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{content}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + f"\n\n{block}\n"


def update_document(path: Path, blocks: Mapping[str, str]) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for name, content in blocks.items():
        text = replace_between_markers(text, name, content)
    path.write_text(text, encoding="utf-8")


def turns_table(results: Sequence[Mapping[str, Any]]) -> str:
    """`bench.turns` runs: each bot's medians over the rounds, then the per-round ratios' medians."""
    rows = []
    for result in results:
        for m in result["targets"]:
            rows.append(
                [
                    result["database"],
                    fmt(result["clicks"]),
                    m["target"],
                    fmt(m["offered_per_s"], 0),
                    fmt(m["throughput"], 0),
                    fmt(m["p50_ms"]),
                    fmt(m["p99_ms"]),
                    fmt(m["missed_deadline_worst"]),
                    fmt(m["acked_not_stored"]),
                    fmt(m["cpu_ms_per_click"], 3),
                    fmt(m["rss_idle_mib"]),
                    fmt(m["rss_end_mib"]),
                    f"{fmt(result['rounds'])} (+1 warm-up), {fmt(m['saturated_runs'])} saturated",
                ]
            )
    header = [
        "database",
        "clicks at once",
        "bot",
        "offered /s",
        "acks/s",
        "p50 ms",
        "p99 ms",
        "missed 3 s (worst)",
        "acked, not stored",
        "bot CPU ms / click",
        "RSS idle MiB",
        "RSS after MiB",
        "rounds",
    ]
    ratio_rows = []
    for result in results:
        for r in result["ratios"]:
            ratio_rows.append(
                [
                    result["database"],
                    fmt(result["clicks"]),
                    f"{r['ours']} / {r['theirs']}",
                    fmt(r["rounds"]),
                    *(_ratio_range(r[key]) for key in ("throughput", "p50", "p99", "cpu_per_click")),
                    f"{r['cpu_total']:.2f}×",
                ]
            )
    ratio_header = ["database", "clicks", "ratio", "rounds", "acks/s", "p50", "p99", "CPU per burst", "CPU, all rounds"]
    loads = "; ".join(
        f"{r['database'].split(' ')[0]}, {fmt(r['clicks'])} clicks: "
        f"{r['load_before'][0]:.2f} before, {r['load_after'][0]:.2f} after"
        for r in results
    )
    return "\n\n".join(
        [
            table(header, rows),
            "Per round, ours / theirs; median (lowest–highest) over the rounds in which both bursts were "
            "saturated (offered at least twice as fast as acked):",
            table(ratio_header, ratio_rows),
            f"Machine load (1-minute average): {loads}.",
        ]
    )


def _ratio_range(spread: Mapping[str, float]) -> str:
    return f"{spread['median']:.2f}× ({spread['min']:.2f}–{spread['max']:.2f})"
