"""The summary tables as a fresh count from the answers would fill them, computed in Python on any backend.

Independent of the triggers and of privacy's rebuild SQL, so a test can hold either to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from bot.storage import Storage

SECONDS_PER_DAY = 86400
Summary = dict[str, set[tuple[Any, ...]]]


def _buckets(practice: int, quiz_id: str, series: str | None, kind: str) -> list[str]:
    """A summary's buckets for one answer, as migration 9 files them."""
    buckets = ["practice" if practice else "all"]
    if not practice:
        buckets.append(f"quiz:{quiz_id}")
    if series is not None:
        buckets.append(f"{'practice-series' if practice else 'series'}:{series}")
    if kind == "daily":
        buckets.append("daily")
    return buckets


def _totals(counts: dict[tuple[Any, ...], list[float]], with_seconds: bool = True) -> set[tuple[Any, ...]]:
    return {
        (*key, int(answered), int(correct), *((round(seconds, 6),) if with_seconds else ()))
        for key, (answered, correct, seconds) in counts.items()
    }


# The answers with their runs, and the questions' tags, that a fresh count reads.
ANSWERS_SQL = (
    "SELECT a.guild_id, a.run_id, a.idx, a.user_id, a.correct, a.answered_at, a.seconds, a.practice, "
    "r.quiz_id, r.series, r.kind FROM answers AS a JOIN runs AS r ON r.id = a.run_id"
)
TAGS_SQL = "SELECT run_id, idx, tag FROM run_question_tags"
# The stored summaries in a fresh count's shape, each with its condition for "counts something": a row
# whose answers were all deleted may stay at zero, one left with any count or time may not.
STORED_SQL = {
    "board_totals": "SELECT guild_id, bucket, user_id, answered, correct, seconds FROM board_totals",
    "board_days": "SELECT guild_id, day, user_id, answered, correct, seconds FROM board_days",
    "board_runs": "SELECT run_id, user_id, guild_id, answered, correct, seconds FROM board_runs",
    "board_tags": "SELECT guild_id, user_id, tag, answered, correct FROM board_tags",
}
_COUNTS = " WHERE answered != 0 OR correct != 0"
_TIME_LEFT = " OR seconds > 0.000001 OR seconds < -0.000001"


def stored_sql(table: str) -> str:
    return STORED_SQL[table] + _COUNTS + ("" if table == "board_tags" else _TIME_LEFT)


def count_of(answers: Iterable[Sequence[Any]], tag_rows: Iterable[Sequence[Any]]) -> Summary:
    """Every summary row a count of these answers gives (no zero rows, no names)."""
    tags: dict[tuple[int, int], list[str]] = defaultdict(list)
    for run_id, idx, tag in tag_rows:
        tags[(int(run_id), int(idx))].append(str(tag))
    totals: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    days: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    runs: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    by_tag: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0, 0, 0.0])

    def add(counts: dict[tuple[Any, ...], list[float]], key: tuple[Any, ...], correct: int, seconds: float) -> None:
        counts[key][0] += 1
        counts[key][1] += correct
        counts[key][2] += seconds

    for guild_id, run_id, idx, user_id, correct, answered_at, seconds, practice, quiz_id, series, kind in answers:
        guild_id, run_id, user_id, correct = int(guild_id), int(run_id), int(user_id), int(correct)
        for bucket in _buckets(practice, quiz_id, series, kind):
            add(totals, (guild_id, bucket, user_id), correct, seconds)
        if not practice:
            # int() truncates toward zero, as the triggers' day does.
            add(days, (guild_id, int(answered_at / SECONDS_PER_DAY), user_id), correct, seconds)
            add(runs, (run_id, user_id, guild_id), correct, seconds)
        for tag in tags[(run_id, int(idx))]:
            add(by_tag, (guild_id, user_id, tag), correct, 0.0)
    return {
        "board_totals": _totals(totals),
        "board_days": _totals(days),
        "board_runs": _totals(runs),
        "board_tags": _totals(by_tag, with_seconds=False),
    }


def rounded(rows: Iterable[Sequence[Any]]) -> set[tuple[Any, ...]]:
    return {tuple(round(value, 6) if isinstance(value, float) else value for value in row) for row in rows}


async def fresh_count(storage: Storage) -> Summary:
    """Every summary row a count of the stored answers gives."""
    database = storage.database
    return count_of(await database.fetch_all(ANSWERS_SQL), await database.fetch_all(TAGS_SQL))


async def stored(storage: Storage) -> Summary:
    """The summary rows the database holds that count something, in `fresh_count`'s shape."""
    return {table: rounded(await storage.database.fetch_all(stored_sql(table))) for table in STORED_SQL}
