"""The benchmark harness still works (tiny N, one repetition); benchmarks themselves never assert on speed."""

from __future__ import annotations

from pathlib import Path

from bench import report
from bench.burst import BurstResult, run_burst
from bench.sessions import run_sessions
from bench.targets import BASELINE, BASELINE_VIEW, QUIZBOT
from bench.turns import run_turns

CLICKS = 20


def _assert_sane(result: BurstResult) -> None:
    acks = result.acks
    assert acks.clicks == acks.acked == CLICKS
    assert acks.missed_deadline == 0 and result.late_violations == 0
    assert result.acked_not_stored == 0 and result.stored_rows == CLICKS
    assert 0 < acks.p50_ms <= acks.p95_ms <= acks.p99_ms <= acks.max_ms < 3000
    assert acks.throughput > 0 and result.bot_cpu_s >= 0 and result.wall_s > 0


async def test_burst_against_the_baseline_and_quizbot_stores_every_acked_answer() -> None:
    # spec=True: the smoke run also checks every body against Discord's OpenAPI schema when available.
    baseline = await run_burst(BASELINE, CLICKS, spread=0.2, settle=0, spec=True)
    ours = await run_burst(QUIZBOT, CLICKS, spread=0.2, settle=0, spec=True)
    _assert_sane(baseline)
    _assert_sane(ours)
    assert ours.edits.edit_429s == 0

    medians = [report.median_of([r.as_dict()]) for r in (baseline, ours)]
    table = report.burst_table(medians)
    assert "| 20 | baseline |" in table and "| 20 | quizbot |" in table
    assert "×" in table.splitlines()[-1]  # quizbot's ratios to the baseline


async def test_the_fixed_view_baseline_takes_clicks_offered_at_once() -> None:
    result = await run_burst(BASELINE_VIEW, CLICKS, spread=0, settle=0, spec=True)
    _assert_sane(result)
    assert result.acks.offered_per_s > 0


async def test_turns_compare_bots_burst_by_burst_and_check_every_answer() -> None:
    result = await run_turns([QUIZBOT, BASELINE_VIEW], clicks=10, rounds=2, gap=0.05)
    ours, theirs = result["targets"]
    for summary in (ours, theirs):
        assert summary["runs"] == 2 and summary["missed_deadline_worst"] == 0
        # The warm-up round counts towards what is stored, not towards the figures.
        assert summary["acked_not_stored"] == 0 and summary["answers_stored"] == 30
        assert summary["cpu_ms_per_click"] >= 0 and summary["rss_end_mib"] > 0
    assert result["database"].endswith(")")  # the folder and its file system type
    (ratios,) = result["ratios"]
    assert ratios["ours"] == "quizbot" and ratios["theirs"] == "baseline-view"
    assert ratios["throughput"]["min"] <= ratios["throughput"]["median"] <= ratios["throughput"]["max"]
    table = report.turns_table([result])
    assert "| 10 | quizbot |" in table and "| 10 | quizbot / baseline-view |" in table
    for block in table.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        assert len({line.count("|") for line in rows}) <= 1, f"rows and header differ in width:\n{block}"
    targets = report.targets_table([], [], [{**result, "database": "/dev/shm (tmpfs)"}])
    assert "10 clicks at once (tmpfs): CPU per click ≤ baseline-view's" in targets
    assert "| clicks at once: 0 past 3 s, every acked answer stored | 0 past, 0 missing | met |" in targets


async def test_sessions_report_memory_and_cpu() -> None:
    result = await run_sessions(QUIZBOT, 3, 4, spread=0.2, settle=0, spec=True)
    assert result.acks.acked == 12 and result.acks.missed_deadline == 0
    assert result.acked_not_stored == 0
    assert 0 < result.rss_start_mib <= result.rss_peak_mib <= result.rss_hwm_mib
    assert result.bot_cpu_per_1000_clicks_s >= 0


def test_medians_and_markers(tmp_path: Path) -> None:
    runs = [{"target": "baseline", "acks": {"p99_ms": v, "missed_deadline": m}} for v, m in ((3, 0), (1, 2), (2, 0))]
    merged = report.median_of(runs)
    assert merged["acks.p99_ms"] == 2 and merged["acks.missed_deadline.worst"] == 2 and merged["runs"] == 3

    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nintro\n\n<!-- bench:burst -->\nold\n<!-- /bench:burst -->\n\nkept\n")
    report.update_document(doc, {"burst": "new table", "machine": "box"})
    report.update_document(doc, {"burst": "newer table"})
    text = doc.read_text()
    assert "old" not in text and "new table" not in text and text.count("newer table") == 1
    assert text.index("intro") < text.index("newer table") < text.index("kept") < text.index("box")
