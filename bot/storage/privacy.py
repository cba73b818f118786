"""SQL for /privacy: a member's hidden flag, everything stored about a member, and forgetting them.

`MEMBER_TABLES` lists every table that holds rows about a member, one entry per table, with what export
reads from it and what forget does to it. A table added later (by any migration) that has a member
column is one more entry here; tests/unit/storage/test_privacy.py fails until it has one.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.storage.boards import FILE_CHOICE
from bot.storage.database import Database, Dialect, StorageError, to_timestamp

# Column names that say "this row is about, or by, a member": the coverage test looks for them.
MEMBER_COLUMN_NAMES = ("user_id", "member_id")
MEMBER_COLUMN_SUFFIXES = ("_by", "_user_id")


class Forget(enum.Enum):
    DELETE = "deleted"
    REBUILD = "recomputed from the answers that remain"
    KEEP = "kept"


@dataclass(frozen=True)
class MemberTable:
    """One table with rows about a member: how export reads them and what forget does with them."""

    table: str
    what: str  # one line for the export and docs/privacy.md: what the rows are
    forget: Forget = Forget.DELETE
    member_column: str = "user_id"
    guild_column: str = "guild_id"
    # A SELECT taking :user_id and :guild_id (NULL: every server); None reads every column of the rows.
    export_sql: str | None = None
    why_kept: str = ""  # for Forget.KEEP: why the rows stay
    name: str = ""  # the export's entry for these rows when a table has several member columns (default: table)
    json_columns: tuple[str, ...] = ()  # columns holding JSON text built by the export query

    @property
    def key(self) -> str:
        return self.name or self.table

    def where(self) -> str:
        return (
            f"{self.member_column} = :user_id "
            f"AND (CAST(:guild_id AS BIGINT) IS NULL OR {self.guild_column} = :guild_id)"
        )

    def select(self, dialect: Dialect) -> str:
        if self.export_sql is None:
            return f"SELECT * FROM {self.table} WHERE {self.where()}"
        return self.export_sql.format_map(_EXPORT_SQL[dialect])


# The export's SQL differs by engine where they share no function: formatting a Unix time as ISO 8601 UTC
# to the millisecond (SQLite's strftime rounds to the nearest millisecond, so PostgreSQL rounds first:
# to_char's MS truncates), and building JSON in a query. Both exports must read the same.
_EXPORT_SQL: dict[Dialect, dict[str, str]] = {
    "sqlite": {
        "iso_open": "strftime('%Y-%m-%dT%H:%M:%fZ', ",
        "iso_close": ", 'unixepoch')",
        "ratings_log_open": "json_group_array(json_object(",
        "ratings_log_close": "))",
    },
    "postgresql": {
        "iso_open": "to_char(to_timestamp(CAST(round(CAST(",
        "iso_close": """ AS NUMERIC), 3) AS DOUBLE PRECISION)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""",
        # json_agg of no rows is NULL where json_group_array gives []. SQLite's follows review_log's key
        # (card_id, n), the order of its scan; PostgreSQL's is told.
        "ratings_log_open": "coalesce(json_agg(json_build_object(",
        "ratings_log_close": ") ORDER BY l.n), '[]')",
    },
}


# PostgreSQL cannot type a parameter that is only tested for NULL: the cast names it.
_IN_SERVER = "(CAST(:guild_id AS BIGINT) IS NULL OR guild_id = :guild_id)"
_IN_SERVER_C = "(CAST(:guild_id AS BIGINT) IS NULL OR c.guild_id = :guild_id)"


def _iso(column: str) -> str:
    return f"{{iso_open}}{column}{{iso_close}}"


def _letter(position: str) -> str:
    """A choice's letter, A for 0 (SQLite's char() is PostgreSQL's chr(); substr is both's)."""
    return f"substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ', CAST({position} AS INTEGER) + 1, 1)"


_ANSWERS_EXPORT = f"""
SELECT a.guild_id AS server_id, a.run_id, r.kind, r.quiz_id, r.quiz_title, a.idx + 1 AS question_number,
       q.question_id, a.user_name AS name_shown, {_letter("a.choice")} AS choice_as_shown,
       {_letter(FILE_CHOICE)} AS choice_in_quiz_file, a.correct, {_iso("a.answered_at")} AS answered_at,
       a.seconds, p.local_date AS daily_post_date
FROM answers AS a
JOIN runs AS r ON r.id = a.run_id
JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx
LEFT JOIN daily_posts AS p ON p.run_id = a.run_id
WHERE a.user_id = :user_id AND (CAST(:guild_id AS BIGINT) IS NULL OR a.guild_id = :guild_id)
ORDER BY a.answered_at, a.run_id, a.idx
"""

SUMMARY_TABLES = ("board_totals", "board_days", "board_runs", "board_tags")
_SUMMARY_WHY = "a running total the leaderboards and /stats read, derived from your answers"

MEMBER_TABLES: tuple[MemberTable, ...] = (
    MemberTable(
        "answers",
        "every answer you gave: quiz, question, your choice, right or wrong, when, how fast, your display name then",
        export_sql=_ANSWERS_EXPORT,
    ),
    MemberTable("board_totals", f"{_SUMMARY_WHY} (per board: all time, daily, each quiz and series)", Forget.REBUILD),
    MemberTable("board_days", f"{_SUMMARY_WHY} (per UTC day, for week and month boards)", Forget.REBUILD),
    MemberTable("board_runs", f"{_SUMMARY_WHY} (per quiz run you answered in)", Forget.REBUILD),
    MemberTable("board_tags", f"{_SUMMARY_WHY} (accuracy per tag)", Forget.REBUILD),
    MemberTable(
        "private_progress",
        "where you are in a practice or an open window: the question on your screen, since when, and its timer",
        export_sql=(
            f"SELECT guild_id AS server_id, run_id, idx + 1 AS question_number, {_iso('shown_at')} AS shown_at, "
            f"{_iso('deadline')} AS timer_ends FROM private_progress "
            f"WHERE user_id = :user_id AND {_IN_SERVER} ORDER BY run_id"
        ),
    ),
    MemberTable(
        "review_cards",
        "your review cards (/review): the question, when it is due, the scheduler's record, and every rating of it",
        export_sql=f"""
        SELECT c.guild_id AS server_id, c.quiz_id, c.question_id, c.run_id, c.idx + 1 AS question_number,
               {_iso("c.due")} AS due, c.phase, c.ratings, c.lapses, c.review_lapses,
               {_iso("c.created_at")} AS created_at,
               c.scheduler_state,
               (SELECT {{ratings_log_open}}'n', l.n, 'rating', l.rating, 'at', {_iso("l.reviewed_at")},
                       'source', l.source, 'run_id', l.run_id, 'choice', l.choice{{ratings_log_close}}
                FROM review_log AS l WHERE l.card_id = c.id) AS ratings_log
        FROM review_cards AS c WHERE c.user_id = :user_id AND {_IN_SERVER_C}
        ORDER BY c.id
        """,
        json_columns=("ratings_log",),
    ),
    MemberTable(
        "review_members",
        "your /review setting (every answer or only wrong ones) and how far your cards have caught up",
        export_sql=(
            f"SELECT guild_id AS server_id, every_answer, {_iso('synced_until')} AS synced_until FROM review_members "
            f"WHERE user_id = :user_id AND {_IN_SERVER}"
        ),
    ),
    MemberTable(
        "member_privacy",
        "your /privacy choice (hidden from public boards), while you have one",
        Forget.KEEP,
        export_sql=(
            f"SELECT guild_id AS server_id, hidden, {_iso('updated_at')} AS updated_at FROM member_privacy "
            f"WHERE user_id = :user_id AND {_IN_SERVER}"
        ),
        why_kept="so that you stay hidden if you answer again; /privacy with Show me removes it",
    ),
    MemberTable(
        "runs",
        "quizzes you started (the quiz and its run are the server's history)",
        Forget.KEEP,
        member_column="started_by",
        export_sql=(
            f"SELECT id AS run_id, guild_id AS server_id, channel_id, kind, quiz_id, quiz_title, status, "
            f"{_iso('created_at')} AS started_at FROM runs "
            f"WHERE started_by = :user_id AND {_IN_SERVER} ORDER BY id"
        ),
        why_kept="runs and quiz content stay: the other members' answers belong to them",
    ),
    MemberTable(
        "daily_schedules",
        "daily question schedules you set up",
        Forget.KEEP,
        member_column="created_by",
        export_sql=(
            f"SELECT id AS schedule_id, guild_id AS server_id, channel_id, {_iso('created_at')} AS created_at "
            f"FROM daily_schedules WHERE created_by = :user_id AND {_IN_SERVER} "
            "ORDER BY id"
        ),
        why_kept="the server's schedule keeps running; an admin changes or removes it",
    ),
    MemberTable(
        "server_quizzes",
        "quiz versions you uploaded to a server",
        Forget.KEEP,
        member_column="uploaded_by",
        export_sql=(
            f"SELECT guild_id AS server_id, quiz_id, version, {_iso('uploaded_at')} AS uploaded_at, "
            f"{_iso('retired_at')} AS retired_at FROM server_quizzes "
            f"WHERE uploaded_by = :user_id AND {_IN_SERVER} "
            "ORDER BY guild_id, quiz_id, version"
        ),
        why_kept="quiz content stays: the server plays it and past runs point to it",
    ),
    MemberTable(
        "suggestions",
        "questions you suggested with /quiz-suggest: the text, choices, answer and explanation, your display name "
        "then, whether it was accepted and into which quiz",
        member_column="author_user_id",
        export_sql=(
            f"SELECT id AS suggestion_id, guild_id AS server_id, quiz_id, author_name AS name_shown, prompt, "
            f"choices, {_letter('answer')} AS answer, explanation, status, {_iso('created_at')} AS suggested_at, "
            f"{_iso('decided_at')} AS decided_at, accepted_quiz_id, accepted_question_id FROM suggestions "
            f"WHERE author_user_id = :user_id AND {_IN_SERVER} ORDER BY id"
        ),
    ),
    MemberTable(
        "suggestions",
        "members' suggestions you edited as a quiz master",
        Forget.KEEP,
        member_column="edited_by",
        export_sql=(
            f"SELECT id AS suggestion_id, guild_id AS server_id, {_iso('edited_at')} AS edited_at FROM suggestions "
            f"WHERE edited_by = :user_id AND {_IN_SERVER} ORDER BY id"
        ),
        why_kept="the suggestion is its author's; it keeps who changed it until its author is forgotten",
        name="suggestions_edited",
    ),
    MemberTable(
        "suggestions",
        "members' suggestions you accepted or rejected as a quiz master",
        Forget.KEEP,
        member_column="decided_by",
        export_sql=(
            f"SELECT id AS suggestion_id, guild_id AS server_id, status, {_iso('decided_at')} AS decided_at "
            f"FROM suggestions WHERE decided_by = :user_id AND {_IN_SERVER} ORDER BY id"
        ),
        why_kept="the decision is part of the server's record of its quizzes, like an upload",
        name="suggestions_decided",
    ),
)

# Summaries of one member, rebuilt from their answers the way the triggers keep them (migration 9):
# practice answers in the 'practice' and 'practice-series:' buckets, on no quiz, day or run summary.
_MEMBER = "a.user_id = :user_id AND (CAST(:guild_id AS BIGINT) IS NULL OR a.guild_id = :guild_id)"
_OWN_BUCKET = "CASE a.practice WHEN 0 THEN 'all' ELSE 'practice' END"
_REBUILD_SUMMARIES = (
    f"""
    INSERT INTO board_totals (guild_id, bucket, user_id, user_name, answered, correct, seconds)
    SELECT a.guild_id, {_OWN_BUCKET}, a.user_id,
           (SELECT l.user_name FROM answers AS l WHERE l.guild_id = a.guild_id AND l.user_id = a.user_id
            AND l.practice = a.practice ORDER BY l.answered_at DESC LIMIT 1),
           count(*), sum(a.correct), sum(a.seconds)
    FROM answers AS a WHERE {_MEMBER} GROUP BY a.guild_id, a.user_id, a.practice
    """,
    f"""
    INSERT INTO board_totals (guild_id, bucket, user_id, user_name, answered, correct, seconds)
    SELECT a.guild_id, k.bucket, a.user_id, t.user_name, count(*), sum(a.correct), sum(a.seconds)
    FROM answers AS a JOIN runs AS r ON r.id = a.run_id
    JOIN (SELECT id, 0 AS practice, 'quiz:' || quiz_id AS bucket FROM runs
          UNION ALL SELECT id, 0, 'series:' || series FROM runs WHERE series IS NOT NULL
          UNION ALL SELECT id, 1, 'practice-series:' || series FROM runs WHERE series IS NOT NULL
          UNION ALL SELECT id, 0, 'daily' FROM runs WHERE kind = 'daily') AS k
        ON k.id = r.id AND k.practice = a.practice
    JOIN board_totals AS t ON t.guild_id = a.guild_id AND t.bucket = {_OWN_BUCKET} AND t.user_id = a.user_id
    WHERE {_MEMBER}
    GROUP BY a.guild_id, k.bucket, a.user_id, t.user_name
    """,
    f"""
    INSERT INTO board_days (guild_id, day, user_id, answered, correct, seconds)
    SELECT a.guild_id, {{utc_day}} AS day, a.user_id, count(*), sum(a.correct), sum(a.seconds)
    FROM answers AS a WHERE {_MEMBER} AND a.practice = 0 GROUP BY a.guild_id, day, a.user_id
    """,
    f"""
    INSERT INTO board_runs (run_id, user_id, guild_id, answered, correct, seconds)
    SELECT a.run_id, a.user_id, a.guild_id, count(*), sum(a.correct), sum(a.seconds)
    FROM answers AS a WHERE {_MEMBER} AND a.practice = 0 GROUP BY a.run_id, a.user_id, a.guild_id
    """,
    f"""
    INSERT INTO board_tags (guild_id, user_id, tag, answered, correct)
    SELECT a.guild_id, a.user_id, t.tag, count(*), sum(a.correct)
    FROM answers AS a JOIN run_question_tags AS t ON t.run_id = a.run_id AND t.idx = a.idx
    WHERE {_MEMBER}
    GROUP BY a.guild_id, a.user_id, t.tag
    """,
)


# The UTC day of an answer as the triggers file it: SQLite's CAST truncates, PostgreSQL's would round, so
# PostgreSQL uses the migrations' utc_day().
_UTC_DAY: dict[Dialect, str] = {
    "sqlite": "CAST(a.answered_at / 86400 AS INTEGER)",
    "postgresql": "utc_day(a.answered_at)",
}


def rebuild_summaries(dialect: Dialect) -> tuple[str, ...]:
    """The statements that rebuild one member's summaries (:user_id, :guild_id NULL for every server)."""
    return tuple(statement.format(utc_day=_UTC_DAY[dialect]) for statement in _REBUILD_SUMMARIES)


def _compact_json(text: str | None) -> str | None:
    """JSON text as SQLite's JSON functions write it (PostgreSQL's add spaces), for the same export on both."""
    return None if text is None else json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class ForgetResult:
    """What forget did: rows deleted per table, and the servers whose summaries were recomputed."""

    deleted: dict[str, int] = field(default_factory=dict)
    servers: tuple[int, ...] = ()

    @property
    def answers(self) -> int:
        return self.deleted.get("answers", 0)


class PrivacyStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def is_hidden(self, guild_id: int, user_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT hidden FROM member_privacy WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return row is not None and bool(row[0])

    async def hidden_members(self, guild_id: int) -> frozenset[int]:
        rows = await self._db.fetch_all(
            "SELECT user_id FROM member_privacy WHERE guild_id = ? AND hidden = 1", (guild_id,)
        )
        return frozenset(int(row[0]) for row in rows)

    async def set_hidden(self, guild_id: int, user_id: int, hidden: bool, *, now: datetime) -> None:
        """Hide or show a member; showing removes their row (it holds nothing else)."""
        if hidden:
            await self._db.execute(
                "INSERT INTO member_privacy (guild_id, user_id, hidden, updated_at) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET hidden = 1, updated_at = excluded.updated_at",
                (guild_id, user_id, to_timestamp(now)),
            )
        else:
            await self._db.execute("DELETE FROM member_privacy WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))

    async def member_data(self, user_id: int, guild_id: int | None) -> dict[str, list[dict[str, Any]]]:
        """Every row about the member (in one server, or every server), by table, read in one snapshot."""
        params = {"user_id": user_id, "guild_id": guild_id}
        data: dict[str, list[dict[str, Any]]] = {}
        async with self._db.transaction() as connection:
            for table in MEMBER_TABLES:
                rows = [dict(row) for row in await connection.fetch_all(table.select(self._db.dialect), params)]
                for row in rows:
                    for column in table.json_columns:
                        row[column] = _compact_json(row[column])
                data[table.key] = rows
        return data

    async def answer_count(self, user_id: int, guild_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) FROM answers WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return int(row[0])

    async def forget(self, user_id: int, guild_id: int | None) -> ForgetResult:
        """Delete the member's rows (in one server, or every server) and recompute their summaries exactly.

        One transaction: a board read meanwhile sees the member either fully there or fully gone. Runs,
        quizzes and schedules stay (see MEMBER_TABLES).
        """
        params = {"user_id": user_id, "guild_id": guild_id}
        deleted: dict[str, int] = {}
        try:
            async with self._db.transaction() as connection:
                rows = await connection.fetch_all(
                    f"SELECT DISTINCT guild_id FROM board_totals AS a WHERE {_MEMBER} "
                    f"UNION SELECT DISTINCT guild_id FROM answers AS a WHERE {_MEMBER} ORDER BY 1",
                    params,
                )
                servers = tuple(int(row[0]) for row in rows)
                for table in MEMBER_TABLES:
                    if table.forget is Forget.DELETE:
                        changed = await connection.execute(f"DELETE FROM {table.table} WHERE {table.where()}", params)
                        deleted[table.table] = changed
                # The answers' delete trigger only subtracts; recomputing leaves exactly what a full rebuild
                # from the answers would hold (no zero rows, no float drift).
                for summary in SUMMARY_TABLES:
                    await connection.execute(f"DELETE FROM {summary} AS a WHERE {_MEMBER}", params)
                for statement in rebuild_summaries(self._db.dialect):
                    await connection.execute(statement, params)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            raise StorageError(
                f"the database {self._db.where} stayed busy for too long ({error}): try again in a moment."
            ) from None
        return ForgetResult(deleted, servers)
