"""PostgreSQL's migration history means what SQLite's does: the same schema, and triggers with the same effects.

Both databases are migrated from empty and described in one vocabulary (column types as integer, real or
text; defaults, keys, indexes, CHECKs and triggers with each engine's spelling normalised), then compared.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.storage import open_storage
from bot.storage.migrations import MIGRATIONS
from bot.storage.pg_migrations import PG_MIGRATIONS
from bot.storage.sqlite import _split_statements
from tests.unit.storage.summaries import ANSWERS_SQL, STORED_SQL, TAGS_SQL, count_of, rounded, stored_sql

# SQLite makes any `INTEGER PRIMARY KEY` the rowid, assigned when an insert leaves it out. Only the `id`
# columns rely on that (identity columns in PostgreSQL); a guild's settings are keyed by its Discord id,
# which the bot always supplies, so PostgreSQL gives that column no generator.
SUPPLIED_ROWID_KEYS = {("guild_settings", "guild_id")}

Description = dict[str, dict[str, Any]]


@pytest.fixture
async def postgres(fresh_postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a PostgreSQL database migrated through PG_MIGRATIONS, one transaction per script."""
    connection = await asyncpg.connect(fresh_postgres_url)
    try:
        for script in PG_MIGRATIONS:
            async with connection.transaction():
                await connection.execute(script)
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[sqlite3.Connection]:
    """A SQLite database migrated by quizbot itself, opened with sqlite3 to read its schema and run statements."""
    path = tmp_path / "x.db"
    store = await open_storage(path)
    try:
        assert await store.schema_version() == len(MIGRATIONS)
    finally:
        await store.close()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = ON")  # as the bot's connection has it: deleting a run cascades
    try:
        yield connection
    finally:
        connection.close()


# --- One vocabulary for both engines' SQL expressions (CHECKs, partial indexes, trigger conditions) ---

_PG_CASTS = re.compile(r"::(?:text|integer|bigint|numeric|double precision|json|jsonb)\b")
_PG_ANY_ARRAY = re.compile(r"= ANY \(ARRAY\[(.*?)\]\)")
_SQLITE_BETWEEN = re.compile(r"(\w+) BETWEEN (\S+) AND (\S+)", re.IGNORECASE)
_TOKEN = re.compile(r"'(?:[^']|'')*'|\w+|[<>=!]+|[,.*+-]")


def _canonical(expression: str) -> str:
    """Tokens without parentheses, keywords in lower case: `x IN ('a')` and `(x = ANY (ARRAY['a'::text]))` agree.

    Dropping parentheses is safe for the flat conditions a schema like this has; a difference in grouping
    alone would go unnoticed, any other difference shows.
    """
    expression = _PG_CASTS.sub("", expression)
    expression = _PG_ANY_ARRAY.sub(r"IN (\1)", expression)
    expression = re.sub(r"IS NOT DISTINCT FROM", "IS", expression, flags=re.IGNORECASE)
    expression = re.sub(r"IS DISTINCT FROM", "IS NOT", expression, flags=re.IGNORECASE)
    expression = _SQLITE_BETWEEN.sub(r"\1 >= \2 AND \1 <= \3", expression)
    tokens = _TOKEN.findall(expression)
    return " ".join(token if token.startswith("'") else token.lower() for token in tokens)


def _canonical_default(default: str | None) -> str | None:
    if default is None:
        return None
    default = _PG_CASTS.sub("", default)
    # PostgreSQL quotes a negative number it casts ('-1'::integer); SQLite keeps it bare.
    return re.sub(r"^'(-?\d+(?:\.\d+)?)'$", r"\1", default)


def _common_type(declared: str) -> str:
    return {
        "integer": "integer",
        "bigint": "integer",
        "real": "real",
        "double precision": "real",
        "text": "text",
    }.get(declared.lower(), f"unmapped type {declared}")


def _table(
    columns: list[tuple[str, str, bool, str | None, bool]],
    primary_key: Sequence[str],
    unique: list[tuple[str, ...]],
    indexes: dict[str, tuple[bool, tuple[str, ...], str | None]],
    foreign_keys: list[tuple[tuple[str, ...], str, tuple[str, ...], str, str]],
    checks: list[str],
    triggers: list[tuple[str, str, str, tuple[str, ...], str | None]],
) -> dict[str, Any]:
    """One table as both engines describe it: column order matters, sets of constraints are sorted."""
    return {
        "columns (name, type, not null, default, generated)": columns,
        "primary key": tuple(primary_key),
        "unique constraints": sorted(unique),
        "indexes (unique, columns, partial where)": indexes,
        "foreign keys (columns, table, columns, on delete, on update)": sorted(foreign_keys),
        "checks": sorted(checks),
        "row triggers (name, timing, event, of columns, when)": sorted(triggers),
    }


# --- SQLite's schema ---


_STRING_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|--[^\n]*")


def _sqlite_checks(create_table: str) -> list[str]:
    """The CHECK conditions of a CREATE TABLE as SQLite stored it, its comments and string literals respected."""
    uncommented = _STRING_OR_COMMENT.sub(lambda m: m[0] if m[0].startswith("'") else " " * len(m[0]), create_table)
    # The same text with string contents blanked, so that a parenthesis or CHECK inside a literal is no syntax.
    masked = _STRING_OR_COMMENT.sub(lambda m: "'" + "_" * (len(m[0]) - 2) + "'", uncommented)
    checks = []
    for match in re.finditer(r"\bCHECK\s*\(", masked, re.IGNORECASE):
        depth = 0
        for end in range(match.end() - 1, len(masked)):
            depth += {"(": 1, ")": -1}.get(masked[end], 0)
            if depth == 0:
                break
        checks.append(_canonical(uncommented[match.end() : end]))
    return checks


_SQLITE_TRIGGER = re.compile(
    r"CREATE\s+TRIGGER\s+(\w+)\s+(BEFORE|AFTER)\s+(INSERT|UPDATE|DELETE)(?:\s+OF\s+([\w\s,]+?))?\s+ON\s+\w+"
    r"(?:\s+FOR\s+EACH\s+ROW)?(?:\s+WHEN\s+(.*?))?\s+BEGIN\b",
    re.IGNORECASE | re.DOTALL,
)


def describe_sqlite(connection: sqlite3.Connection) -> Description:
    description: Description = {}
    tables = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    for table, create_table in tables:
        without_rowid = bool(connection.execute("SELECT wr FROM pragma_table_list(?)", (table,)).fetchone()[0])
        info = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
        primary_key = [row[1] for row in sorted((row for row in info if row[5]), key=lambda row: row[5])]
        rowid_key = (
            primary_key[0]
            if not without_rowid and len(primary_key) == 1 and next(r[2] for r in info if r[5]).upper() == "INTEGER"
            else None
        )
        columns = [
            (
                name,
                _common_type(declared),
                # A rowid is never NULL and a WITHOUT ROWID key refuses NULL; other keys only if declared.
                bool(not_null) or name == rowid_key or (bool(pk) and without_rowid),
                _canonical_default(default),
                name == rowid_key and (table, name) not in SUPPLIED_ROWID_KEYS,
            )
            for _, name, declared, not_null, default, pk in info
        ]
        unique, indexes = [], {}
        for _, index, is_unique, origin, partial in connection.execute(f'PRAGMA index_list("{table}")'):
            index_columns = tuple(row[2] for row in connection.execute(f'PRAGMA index_info("{index}")').fetchall())
            if origin == "u":
                unique.append(index_columns)
            elif origin == "c":
                where = None
                if partial:
                    sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
                    where = _canonical(re.split(r"\bWHERE\b", sql, maxsplit=1, flags=re.IGNORECASE)[1])
                indexes[index] = (bool(is_unique), index_columns, where)
        references: dict[int, list[Any]] = {}
        for key_id, _, parent, child_column, parent_column, on_update, on_delete, _ in connection.execute(
            f'PRAGMA foreign_key_list("{table}")'
        ):
            entry = references.setdefault(key_id, [[], parent, [], on_delete, on_update])
            entry[0].append(child_column)
            entry[2].append(parent_column)
        foreign_keys = [(tuple(c), p, tuple(pc), d, u) for c, p, pc, d, u in references.values()]
        triggers = []
        trigger_sql = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
        for (sql,) in connection.execute(trigger_sql, (table,)):
            match = _SQLITE_TRIGGER.match(sql.strip())
            assert match, f"cannot read the trigger {sql[:80]!r}"
            name, timing, event, of_columns, when = match.groups()
            of = tuple(c.strip() for c in of_columns.split(",")) if of_columns else ()
            triggers.append((name, timing.upper(), event.upper(), of, _canonical(when) if when else None))
        description[table] = _table(
            columns, primary_key, unique, indexes, foreign_keys, _sqlite_checks(create_table), triggers
        )
    return description


# --- PostgreSQL's schema ---

_PG_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


async def describe_postgres(connection: asyncpg.Connection) -> Description:
    description: Description = {}
    tables = await connection.fetch(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    for (table,) in tables:
        relation = await connection.fetchval("SELECT to_regclass($1)::oid", f'public."{table}"')
        columns = [
            (name, _common_type(data_type), nullable == "NO", _canonical_default(default), identity == "YES")
            for name, data_type, nullable, default, identity in await connection.fetch(
                "SELECT column_name, data_type, is_nullable, column_default, is_identity "
                "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 "
                "ORDER BY ordinal_position",
                table,
            )
        ]
        constraints = await connection.fetch(
            """
            SELECT c.contype::text, pg_get_constraintdef(c.oid) AS definition, c.confrelid::regclass::text AS parent,
                   c.confdeltype::text, c.confupdtype::text,
                   ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, n)
                         JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                         ORDER BY k.n) AS columns,
                   ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k (attnum, n)
                         JOIN pg_attribute AS a ON a.attrelid = c.confrelid AND a.attnum = k.attnum
                         ORDER BY k.n) AS parent_columns
            FROM pg_constraint AS c WHERE c.conrelid = $1
            """,
            relation,
        )
        primary_key = next((row["columns"] for row in constraints if row["contype"] == "p"), [])
        unique = [tuple(row["columns"]) for row in constraints if row["contype"] == "u"]
        foreign_keys = [
            (
                tuple(row["columns"]),
                row["parent"],
                tuple(row["parent_columns"]),
                _PG_ACTIONS[row["confdeltype"]],
                _PG_ACTIONS[row["confupdtype"]],
            )
            for row in constraints
            if row["contype"] == "f"
        ]
        # pg_get_constraintdef spells a check `CHECK (<condition>)`.
        checks = [_canonical(row["definition"].removeprefix("CHECK ")) for row in constraints if row["contype"] == "c"]
        indexes = {
            row["name"]: (
                row["indisunique"],
                tuple(row["columns"]),
                _canonical(row["predicate"]) if row["predicate"] else None,
            )
            for row in await connection.fetch(
                """
                SELECT ic.relname AS name, i.indisunique, pg_get_expr(i.indpred, i.indrelid) AS predicate,
                       ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k (attnum, n)
                             JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                             ORDER BY k.n) AS columns
                FROM pg_index AS i JOIN pg_class AS ic ON ic.oid = i.indexrelid
                WHERE i.indrelid = $1 AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint AS c
                    WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid AND c.contype IN ('p', 'u'))
                """,
                relation,
            )
        }
        triggers = []
        for row in await connection.fetch(
            """
            SELECT t.trigger_name, t.action_timing, t.event_manipulation, t.action_orientation,
                   t.action_condition,
                   ARRAY(SELECT u.event_object_column FROM information_schema.triggered_update_columns AS u
                         WHERE u.trigger_schema = t.trigger_schema AND u.trigger_name = t.trigger_name
                           AND u.event_object_table = t.event_object_table
                         ORDER BY u.event_object_column) AS of_columns
            FROM information_schema.triggers AS t
            WHERE t.event_object_schema = 'public' AND t.event_object_table = $1
            """,
            table,
        ):
            # SQLite has row triggers only; a statement trigger here would mean something else.
            assert row["action_orientation"] == "ROW", f"{row['trigger_name']} is not a row-level trigger"
            condition = row["action_condition"]
            triggers.append(
                (
                    row["trigger_name"],
                    row["action_timing"],
                    row["event_manipulation"],
                    tuple(row["of_columns"]),
                    _canonical(condition) if condition else None,
                )
            )
        description[table] = _table(columns, primary_key, unique, indexes, foreign_keys, checks, triggers)
    return description


def test_both_histories_have_the_same_length() -> None:
    assert len(PG_MIGRATIONS) == len(MIGRATIONS)


async def test_postgres_schema_means_what_sqlite_schema_means(
    sqlite: sqlite3.Connection, postgres: asyncpg.Connection
) -> None:
    expected = describe_sqlite(sqlite)
    actual = await describe_postgres(postgres)
    assert sorted(actual) == sorted(expected), "the two schemas have different tables"
    # The description must have caught what the comparison is about, or equality proves nothing.
    assert expected["runs"]["checks"] and expected["answers"]["row triggers (name, timing, event, of columns, when)"]
    for table in sorted(expected):
        assert actual[table] == expected[table], f"table {table} differs between PostgreSQL and SQLite"


# --- The triggers: the same statements on both, the same summaries after ---

SNAPSHOT = json.dumps(
    {
        "id": "cells",
        "tags": ["biology", "cell", 7],
        "questions": [
            {"id": "q1", "tags": ["cell", "membrane", "cell", ["nested"], None]},
            {"id": "q2", "tags": {"first": "organelle", "count": 2}},
            {"id": "q3", "tags": "mitosis"},
            {"id": "q4"},
        ],
    }
)
DAILY_SNAPSHOT = json.dumps({"id": "daily", "questions": [{"id": "d1", "tags": None}]})

_RUN = (
    "INSERT INTO runs (id, guild_id, channel_id, kind, quiz_id, quiz_title, series, started_by, created_at, "
    "status, seconds_per_question, scoring_mode, question_count, quiz_snapshot) "
    "VALUES (?, ?, ?, ?, ?, 'title', ?, 5, 1.0, 'finished', 30, 'accuracy', 4, ?)"
)
_QUESTION = (
    "INSERT INTO run_questions (run_id, idx, question_id, correct_choice, choice_count) VALUES (?, ?, 'q', 0, 4)"
)
_ANSWER = (
    "INSERT INTO answers (run_id, idx, user_id, guild_id, user_name, choice, correct, answered_at, seconds, practice) "
    "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)"
)
DAY = 86400.0
# The first second of a UTC day, and times either side of it; -0.5 is before 1970, where truncating
# (SQLite's CAST) and flooring disagree.
MIDNIGHT = 19676 * DAY

STATEMENTS: list[tuple[str, tuple[Any, ...]]] = [
    (_RUN, (1, 10, 100, "live", "cells", "bio", SNAPSHOT)),
    (_RUN, (2, 10, 101, "daily", "daily", None, DAILY_SNAPSHOT)),
    (_RUN, (3, 10, 102, "practice", "cells", "bio", SNAPSHOT)),
    (_RUN, (4, 11, 103, "window", "broken", None, "{not json")),
    *[(_QUESTION, (1, idx)) for idx in range(4)],
    (_QUESTION, (2, 0)),
    *[(_QUESTION, (3, idx)) for idx in range(3)],
    (_QUESTION, (4, 0)),
    # Live run: two members, across a UTC midnight.
    (_ANSWER, (1, 0, 5, 10, "ana", 1, MIDNIGHT - 0.25, 2.5, 0)),
    (_ANSWER, (1, 1, 5, 10, "ana", 0, MIDNIGHT, 3.25, 0)),
    (_ANSWER, (1, 2, 5, 10, "ana", 1, MIDNIGHT + 1.5, 1.125, 0)),
    (_ANSWER, (1, 3, 5, 10, "ana", 1, MIDNIGHT + 2.0, 4.0, 0)),
    (_ANSWER, (1, 0, 6, 10, "ben", 0, MIDNIGHT - 0.5, 6.5, 0)),
    (_ANSWER, (1, 1, 6, 10, "Ben", 1, MIDNIGHT + 0.75, 0.5, 0)),
    # The daily question, once before 1970.
    (_ANSWER, (2, 0, 5, 10, "ana", 1, -0.5, 7.0, 0)),
    (_ANSWER, (2, 0, 6, 10, "Ben", 0, MIDNIGHT + 3.0, 9.0, 0)),
    # Practice: off the public boards, on its own buckets and the tags.
    (_ANSWER, (3, 0, 5, 10, "ana", 1, MIDNIGHT + 10.0, 2.0, 1)),
    (_ANSWER, (3, 1, 5, 10, "ana", 0, MIDNIGHT + 11.0, 2.5, 1)),
    (_ANSWER, (3, 2, 5, 10, "ana", 1, MIDNIGHT + 12.0, 3.0, 1)),
    # A window whose snapshot is not JSON: no tags, everything else as usual.
    (_ANSWER, (4, 0, 7, 11, "cy", 1, MIDNIGHT + 20.0, 5.0, 0)),
    # Rescores: a flip on a live question and on a practice answer, and an update that changes nothing.
    ("UPDATE answers SET correct = 1 - correct WHERE run_id = ? AND idx = ?", (1, 0)),
    ("UPDATE answers SET correct = 1 - correct WHERE run_id = ? AND idx = ?", (3, 1)),
    ("UPDATE answers SET correct = correct, user_name = 'renamed' WHERE run_id = ?", (4,)),
    # Deleting answers: one of several in a run, the only one in a run, a practice one; then a whole run.
    ("DELETE FROM answers WHERE run_id = ? AND idx = ? AND user_id = ?", (1, 2, 5)),
    ("DELETE FROM answers WHERE run_id = ? AND idx = ? AND user_id = ?", (4, 0, 7)),
    ("DELETE FROM answers WHERE run_id = ? AND idx = ? AND user_id = ?", (3, 2, 5)),
    ("DELETE FROM runs WHERE id = ?", (2,)),
]

SUMMARIES = {
    "board_totals": "guild_id, bucket, user_id",
    "board_days": "guild_id, day, user_id",
    "board_runs": "run_id, user_id",
    "board_tags": "guild_id, user_id, tag",
    "run_question_tags": "run_id, idx, tag",
}


def _numbered_placeholders(sql: str) -> str:
    numbers = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(numbers)}", sql)


async def test_triggers_keep_the_same_summaries_on_both(
    sqlite: sqlite3.Connection, postgres: asyncpg.Connection
) -> None:
    for sql, parameters in STATEMENTS:
        sqlite.execute(sql, parameters)
        await postgres.execute(_numbered_placeholders(sql), *parameters)
    sqlite.commit()

    for table, key in SUMMARIES.items():
        expected = [tuple(row) for row in sqlite.execute(f"SELECT * FROM {table} ORDER BY {key}")]
        actual = [tuple(row) for row in await postgres.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
        assert actual == expected, f"{table} differs between PostgreSQL and SQLite"

    # The scenario reaches what it is meant to: string tags only, once each, the question's and the quiz's.
    tags = {row[0] for row in sqlite.execute("SELECT tag FROM run_question_tags WHERE run_id = 1 AND idx = 0")}
    assert tags == {"cell", "membrane", "biology"}
    buckets = {row[0] for row in sqlite.execute("SELECT DISTINCT bucket FROM board_totals")}
    assert buckets >= {"all", "practice", "practice-series:bio", "quiz:cells", "series:bio", "daily"}
    days = {row[0] for row in sqlite.execute("SELECT day FROM board_days")}
    assert days == {0, 19675, 19676}

    # Deleting run 2 cascaded to its answers: every summary is what counting the remaining answers gives
    # (migration 10), on both.
    expected_count = count_of(sqlite.execute(ANSWERS_SQL), sqlite.execute(TAGS_SQL))
    assert expected_count["board_totals"], "the count sees the answers"
    for table in STORED_SQL:
        assert rounded(sqlite.execute(stored_sql(table))) == expected_count[table], f"SQLite's {table}"
        assert rounded(await postgres.fetch(stored_sql(table))) == expected_count[table], f"PostgreSQL's {table}"


async def test_migration_10_recounts_the_buckets_that_deleted_runs_left_behind(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    """Runs deleted under migration 9's triggers left their answers on quiz, series and daily boards."""
    sqlite = sqlite3.connect(tmp_path / "nine.db")
    sqlite.execute("PRAGMA foreign_keys = ON")
    postgres = await asyncpg.connect(fresh_postgres_url)
    try:
        for script in MIGRATIONS[:9]:
            for statement in _split_statements(script):
                sqlite.execute(statement)
        for script in PG_MIGRATIONS[:9]:
            async with postgres.transaction():
                await postgres.execute(script)
        for sql, parameters in STATEMENTS:
            sqlite.execute(sql, parameters)
            await postgres.execute(_numbered_placeholders(sql), *parameters)
        stale = "SELECT 1 FROM board_totals WHERE bucket = 'daily' AND answered > 0"
        assert sqlite.execute(stale).fetchall() and await postgres.fetch(stale), "run 2's daily answers stayed"

        for statement in _split_statements(MIGRATIONS[9]):
            sqlite.execute(statement)
        sqlite.commit()
        async with postgres.transaction():
            await postgres.execute(PG_MIGRATIONS[9])

        expected_count = count_of(sqlite.execute(ANSWERS_SQL), sqlite.execute(TAGS_SQL))
        for table in STORED_SQL:
            assert rounded(sqlite.execute(stored_sql(table))) == expected_count[table], f"SQLite's {table}"
            assert rounded(await postgres.fetch(stored_sql(table))) == expected_count[table], f"PostgreSQL's {table}"
        names = "SELECT guild_id, bucket, user_id, user_name FROM board_totals ORDER BY guild_id, bucket, user_id"
        assert [tuple(row) for row in await postgres.fetch(names)] == sqlite.execute(names).fetchall()
    finally:
        sqlite.close()
        await postgres.close()
