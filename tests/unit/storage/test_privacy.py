"""/privacy in storage: hidden members on every board, a member's export, and forget with exact summaries."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.domain.boards import BoardTarget, Scope, scope_window
from bot.domain.quiz import Question, Quiz
from bot.privacy.service import export_document
from bot.storage import Storage, open_storage
from bot.storage.migrations import MIGRATIONS
from bot.storage.privacy import (
    MEMBER_COLUMN_NAMES,
    MEMBER_COLUMN_SUFFIXES,
    MEMBER_TABLES,
    SUMMARY_TABLES,
    Forget,
)
from bot.storage.sqlite import _split_statements, copy_database
from tests.helpers import SEED_AT as T0
from tests.helpers import SEED_GUILD as GUILD
from tests.helpers import SEED_QUIZ as QUIZ
from tests.helpers import seed_daily_answer, seed_run
from tests.unit.storage.summaries import fresh_count, stored

OTHER_GUILD = 77
ANN, BEN, CY, DAN = 1, 2, 3, 4


def names(page: Any) -> list[tuple[int, str]]:
    return [(entry.rank, entry.user_name) for entry in page.entries]


async def _four_members(storage: Storage) -> int:
    """ann 3 right, ben 2, cy 1, dan 0: ranks 1 to 4 on every board of the run's day."""
    return await seed_run(
        storage,
        [
            *((i, ANN, "ann", QUIZ.questions[i].answer, 1.0) for i in range(3)),
            *((i, BEN, "ben", QUIZ.questions[i].answer, 1.0) for i in range(2)),
            (0, CY, "cy", QUIZ.questions[0].answer, 1.0),
            (0, DAN, "dan", 1, 1.0),
        ],
    )


async def test_a_hidden_member_leaves_every_board_without_a_gap_and_still_sees_their_own_place(
    storage: Storage,
) -> None:
    run_id = await _four_members(storage)
    await storage.privacy.set_hidden(GUILD, BEN, True, now=T0)
    assert await storage.privacy.is_hidden(GUILD, BEN) and not await storage.privacy.is_hidden(GUILD, ANN)
    assert await storage.privacy.hidden_members(GUILD) == {BEN}

    week = scope_window(Scope.WEEK, T0, "UTC")
    targets = [
        BoardTarget(Scope.ALL, GUILD),
        BoardTarget(Scope.QUIZ, GUILD, quiz_id="lora"),
        BoardTarget(Scope.RUN, GUILD, run_id=run_id),
        BoardTarget(Scope.WEEK, GUILD, window=week),
    ]
    for target in targets:
        seen_by_dan = await storage.boards.board(target, page=0, viewer_id=DAN)
        assert names(seen_by_dan) == [(1, "ann"), (2, "cy"), (3, "dan")], target.scope
        assert seen_by_dan.member_count == 3 and seen_by_dan.own is not None and seen_by_dan.own.rank == 3

        seen_by_ben = await storage.boards.board(target, page=0, viewer_id=BEN)
        assert names(seen_by_ben) == [(1, "ann"), (2, "cy"), (3, "dan")], "ben is not on the page he sees either"
        own = seen_by_ben.own
        assert own is not None and (own.rank, own.position, own.user_name) == (2, 2, "ben")
        assert seen_by_ben.member_count == 3 and not seen_by_ben.own_on_page

    await storage.privacy.set_hidden(GUILD, BEN, False, now=T0)
    back = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=DAN)
    assert names(back) == [(1, "ann"), (2, "ben"), (3, "cy"), (4, "dan")]
    assert await storage.database.fetch_all("SELECT * FROM member_privacy") == [], "showing leaves no row behind"


async def test_hiding_is_per_server_and_a_board_of_only_hidden_members_is_empty(storage: Storage) -> None:
    await seed_run(storage, [(0, ANN, "ann", 0, 1.0)])
    await seed_run(storage, [(0, ANN, "ann", 0, 1.0)], guild_id=OTHER_GUILD)
    await storage.privacy.set_hidden(GUILD, ANN, True, now=T0)

    here = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=BEN)
    assert (here.entries, here.member_count, here.own) == ((), 0, None)
    own = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=ANN)
    assert own.entries == () and own.own is not None and own.own.rank == 1
    elsewhere = await storage.boards.board(BoardTarget(Scope.ALL, OTHER_GUILD), page=0, viewer_id=BEN)
    assert names(elsewhere) == [(1, "ann")]


async def test_the_export_holds_every_row_about_the_member_in_that_server_and_nobody_elses(storage: Storage) -> None:
    shuffled = await seed_run(
        storage, [(0, ANN, "Ann", 2, 1.5), (1, ANN, "Ann", 1, 2.0), (0, BEN, "ben", 2, 3.0)], orders=((2, 0, 1),)
    )
    daily = await seed_daily_answer(storage, ANN, "ann", 0)
    await seed_run(storage, [(0, ANN, "ann elsewhere", 0, 1.0)], guild_id=OTHER_GUILD)
    await storage.privacy.set_hidden(GUILD, ANN, True, now=T0)

    data = await storage.privacy.member_data(ANN, GUILD)
    assert set(data) == {table.key for table in MEMBER_TABLES}
    answers = data["answers"]
    assert [(a["run_id"], a["question_number"], a["name_shown"]) for a in answers] == [
        (shuffled, 1, "Ann"),
        (shuffled, 2, "Ann"),
        (daily, 1, "ann"),
    ]
    first = answers[0]
    # Shown as C in a run that dealt the file's C, A, B: the file's B.
    assert (first["choice_as_shown"], first["choice_in_quiz_file"], first["correct"]) == ("C", "B", 0)
    assert (first["quiz_id"], first["kind"], first["question_id"], first["seconds"]) == ("lora", "live", "q1", 1.5)
    assert first["answered_at"] == "2026-11-20T12:00:01.500Z" and first["daily_post_date"] is None
    assert (answers[2]["kind"], answers[2]["daily_post_date"]) == ("daily", "2026-11-21")
    assert {row["bucket"] for row in data["board_totals"]} == {"all", "quiz:lora", "series:finetuning", "daily"}
    assert {row["run_id"] for row in data["board_runs"]} == {shuffled, daily}
    assert {row["user_id"] for table in SUMMARY_TABLES for row in data[table]} == {ANN}
    assert {row["guild_id"] for table in SUMMARY_TABLES for row in data[table]} == {GUILD}
    assert data["member_privacy"] == [{"server_id": GUILD, "hidden": 1, "updated_at": "2026-11-20T12:00:00.000Z"}]
    assert [row["run_id"] for row in data["runs"]] == [shuffled, daily], "seed_run starts runs in ann's name"
    assert [row["server_id"] for row in data["daily_schedules"]] == [GUILD]

    everywhere = await storage.privacy.member_data(ANN, None)
    assert len(everywhere["answers"]) == 4
    nothing = await storage.privacy.member_data(999, GUILD)
    assert all(rows == [] for rows in nothing.values())


def _summaries(connection: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every summary row, sorted, with sums of seconds to the microsecond (summing order may differ)."""
    return {
        table: sorted(
            tuple(round(value, 6) if isinstance(value, float) else value for value in row)
            for row in connection.execute(f"SELECT * FROM {table}")
        )
        for table in SUMMARY_TABLES
    }


def _fully_rebuilt(path: Path, scratch: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The summaries a copy of the database gets when migration 3's own backfill rebuilds them from scratch."""
    copy_database(path, scratch)
    connection = sqlite3.connect(scratch)
    try:
        for table in SUMMARY_TABLES:
            connection.execute(f"DELETE FROM {table}")
        backfill = [s for s in _split_statements(MIGRATIONS[2]) if s.lstrip().startswith("INSERT INTO board_")]
        assert len(backfill) == 5
        for statement in backfill:
            connection.execute(statement)
        return _summaries(connection)
    finally:
        connection.close()


def _current(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(path)
    try:
        return _summaries(connection)
    finally:
        connection.close()


async def _rows(storage: Storage, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await storage.database.fetch_all(sql)]


async def test_forget_deletes_the_members_rows_in_that_server_and_the_summaries_equal_a_full_rebuild(
    tmp_path: Path,
) -> None:
    path = tmp_path / "quizbot.db"
    storage = await open_storage(path)
    try:
        other_quiz = Quiz(id="solo", title="Solo", questions=(Question("s1", "S?", ("a", "b"), 0, tags=("x",)),))
        await _four_members(storage)
        await seed_run(storage, [(0, ANN, "ann", 0, 0.3), (2, BEN, "ben", 1, 7.1)], at=T0 + timedelta(days=3))
        only_ann = await seed_run(storage, [(0, ANN, "ann", 0, 2.2)], quiz=other_quiz)
        await seed_daily_answer(storage, ANN, "ann", 0)
        await seed_run(storage, [(0, ANN, "ann", 0, 1.0), (0, BEN, "ben", 1, 1.0)], guild_id=OTHER_GUILD)
        await storage.privacy.set_hidden(GUILD, ANN, True, now=T0)
        runs_before = await _rows(storage, "SELECT * FROM runs ORDER BY id")
        questions_before = await _rows(storage, "SELECT * FROM run_questions ORDER BY run_id, idx")
        others_before = await _rows(storage, "SELECT * FROM answers WHERE user_id != 1 ORDER BY run_id, idx, user_id")
        assert await storage.privacy.answer_count(ANN, GUILD) == 6

        result = await storage.privacy.forget(ANN, GUILD)

        assert result.answers == 6 and result.servers == (GUILD,)
        assert await storage.privacy.answer_count(ANN, GUILD) == 0
        assert await storage.privacy.answer_count(ANN, OTHER_GUILD) == 1, "another server's answers stay"
        assert _current(path) == _fully_rebuilt(path, tmp_path / "rebuilt.db")
        assert (
            await storage.database.fetch_all(
                "SELECT 1 FROM board_totals WHERE guild_id = ? AND user_id = ?", (GUILD, ANN)
            )
            == []
        ), "no zero rows left behind"
        assert await _rows(storage, "SELECT * FROM runs ORDER BY id") == runs_before, "runs and quiz content stay"
        assert await _rows(storage, "SELECT * FROM run_questions ORDER BY run_id, idx") == questions_before
        others_after = await _rows(storage, "SELECT * FROM answers WHERE user_id != 1 ORDER BY run_id, idx, user_id")
        assert others_after == others_before
        assert await storage.privacy.is_hidden(GUILD, ANN), "the hidden choice outlives forget"
        board = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=ANN)
        assert board.own is None and "ann" not in [e.user_name for e in board.entries]
        assert await storage.boards.latest_run_id(GUILD) != only_ann, "a run only ann answered has no board now"

        everywhere = await storage.privacy.forget(ANN, None)
        assert everywhere.answers == 1 and everywhere.servers == (OTHER_GUILD,)
        assert _current(path) == _fully_rebuilt(path, tmp_path / "rebuilt-again.db")
        again = await storage.privacy.forget(ANN, None)
        assert (again.answers, again.servers) == (0, ())
    finally:
        await storage.close()


async def test_every_table_with_a_member_column_is_covered_by_export_and_forget(storage: Storage) -> None:
    """A new table (on any branch) with a user_id, member_id or *_by column needs its MEMBER_TABLES entry."""
    member_columns: set[tuple[str, str]] = set()
    for table, name in await _columns(storage):
        if name in MEMBER_COLUMN_NAMES or name.endswith(MEMBER_COLUMN_SUFFIXES):
            member_columns.add((table, name))
    assert ("answers", "user_id") in member_columns, "the catalog was read"
    covered = {(entry.table, entry.member_column) for entry in MEMBER_TABLES}
    assert member_columns - covered == set(), "add these to MEMBER_TABLES in bot/storage/privacy.py"
    assert covered - member_columns == set(), "MEMBER_TABLES names a table or column that does not exist"
    assert {e.table for e in MEMBER_TABLES if e.forget is Forget.REBUILD} == set(SUMMARY_TABLES)
    assert all(e.why_kept for e in MEMBER_TABLES if e.forget is Forget.KEEP), "say why kept rows stay"
    for entry in MEMBER_TABLES:  # every export query runs on the current schema
        await storage.database.fetch_all(entry.select(storage.database.dialect), {"user_id": 1, "guild_id": None})


async def _columns(storage: Storage) -> list[tuple[str, str]]:
    """(table, column) of every table, from the engine's own catalog."""
    if storage.database.dialect == "postgresql":
        rows = await storage.database.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        )
        return [(str(row[0]), str(row[1])) for row in rows]
    tables = [row[0] for row in await storage.database.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [
        (table, str(column["name"]))
        for table in tables
        for column in await storage.database.fetch_all(f"PRAGMA table_info({table})")
    ]


async def _everything_about_ann(storage: Storage) -> None:
    """The same rows about ANN in every table export reads, whatever the backend (ids and times fixed)."""
    random.seed(16)  # seed_run picks channel ids at random; the runs' rows are exported
    shuffled = await seed_run(
        storage, [(0, ANN, "Ann", 2, 1.5), (1, ANN, "Ann", 1, 2.0), (0, BEN, "ben", 2, 3.0)], orders=((2, 0, 1),)
    )
    await seed_daily_answer(storage, ANN, "Änn ✓", 0)
    await seed_run(storage, [(0, ANN, "ann elsewhere", 0, 1.0)], guild_id=OTHER_GUILD)
    await storage.privacy.set_hidden(GUILD, ANN, True, now=T0)
    await storage.library.save(GUILD, QUIZ, "yaml", uploaded_by=ANN, now=T0 + timedelta(seconds=0.0004), replace=False)
    at = T0.timestamp()
    statements: list[tuple[str, tuple[Any, ...]]] = [
        (
            "INSERT INTO private_progress (run_id, user_id, guild_id, idx, shown_at, deadline) "
            "VALUES (?, ?, ?, 1, ?, NULL)",
            (shuffled, ANN, GUILD, at + 0.2346),
        ),
        (
            "INSERT INTO review_cards (id, guild_id, user_id, quiz_id, question_id, run_id, idx, due, phase, "
            "last_review, ratings, lapses, review_lapses, last_answer_at, scheduler_state, created_at) "
            "VALUES (41, ?, ?, 'lora', 'q1', ?, 0, ?, 2, ?, 2, 1, 0, ?, '{\"card_id\": 41, \"s\": 1.5}', ?)",
            (GUILD, ANN, shuffled, at + 86400.9996, at, at, at + 0.001),
        ),
        (
            "INSERT INTO review_cards (id, guild_id, user_id, quiz_id, question_id, run_id, idx, due, phase, "
            "last_review, ratings, lapses, last_answer_at, scheduler_state, created_at) "
            "VALUES (42, ?, ?, 'lora', 'q2', ?, 1, ?, 1, ?, 1, 0, ?, '{}', ?)",
            (GUILD, ANN, shuffled, at, at, at, at),
        ),
        (
            "INSERT INTO review_log (card_id, n, rating, reviewed_at, source, run_id, idx, choice) "
            "VALUES (41, 1, 1, ?, 'answer', ?, 0, 2), (41, 2, 3, ?, 'review', ?, 0, NULL)",
            (at + 1.5, shuffled, at + 7200.123, shuffled),
        ),
        (
            "INSERT INTO review_members (guild_id, user_id, every_answer, synced_until) VALUES (?, ?, 1, ?)",
            (GUILD, ANN, at + 5.25),
        ),
        (
            "INSERT INTO suggestions (id, guild_id, quiz_id, author_user_id, author_name, prompt, choices, answer, "
            "explanation, status, created_at, review_channel_id, edited_by, edited_at, decided_by, decided_at) "
            "VALUES (7, ?, NULL, ?, 'Ann', 'Why?', '[\"a\", \"b\"]', 1, 'because', 'accepted', ?, 9, ?, ?, ?, ?)",
            (GUILD, ANN, at, ANN, at + 60.5, ANN, at + 120.75),
        ),
    ]
    for sql, parameters in statements:
        await storage.database.execute(sql, parameters)


async def test_the_export_reads_the_same_on_both_backends(tmp_path: Path, fresh_postgres_url: str) -> None:
    exports: list[dict[str, list[dict[str, Any]]]] = []
    for target in (str(tmp_path / "quizbot.db"), fresh_postgres_url):
        storage = await open_storage(target)
        try:
            await _everything_about_ann(storage)
            exports.append(await storage.privacy.member_data(ANN, GUILD))
        finally:
            await storage.close()
    on_sqlite, on_postgres = exports
    # Every table the export reads has rows, or the comparison would prove nothing about it.
    assert [key for key, rows in on_sqlite.items() if not rows] == []
    for key in on_sqlite:
        assert on_postgres[key] == on_sqlite[key], f"{key} differs between PostgreSQL and SQLite"
    now = "2026-11-20T12:00:00Z"
    assert export_document(ANN, GUILD, on_postgres, now) == export_document(ANN, GUILD, on_sqlite, now)
    # What the comparison is about: times to the millisecond, rounded as SQLite rounds; letters; JSON text.
    assert on_sqlite["private_progress"][0]["shown_at"] == "2026-11-20T12:00:00.235Z"
    assert on_sqlite["server_quizzes"][0]["uploaded_at"] == "2026-11-20T12:00:00.000Z"
    assert on_sqlite["review_cards"][0]["due"] == "2026-11-21T12:00:01.000Z"
    assert on_sqlite["review_cards"][0]["ratings_log"] == (
        '[{"n":1,"rating":1,"at":"2026-11-20T12:00:01.500Z","source":"answer","run_id":1,"choice":2},'
        '{"n":2,"rating":3,"at":"2026-11-20T14:00:00.123Z","source":"review","run_id":1,"choice":null}]'
    )
    assert on_sqlite["review_cards"][1]["ratings_log"] == "[]"
    assert on_sqlite["suggestions"][0]["answer"] == "B"
    assert [a["name_shown"] for a in on_sqlite["answers"]] == ["Ann", "Ann", "Änn ✓"]


async def test_forget_leaves_summaries_equal_to_a_fresh_count(storage: Storage) -> None:
    other_quiz = Quiz(id="solo", title="Solo", questions=(Question("s1", "S?", ("a", "b"), 0, tags=("x",)),))
    await _four_members(storage)
    await seed_run(storage, [(0, ANN, "ann", 0, 0.3), (2, BEN, "ben", 1, 7.1)], at=T0 + timedelta(days=3))
    await seed_run(storage, [(0, ANN, "ann", 0, 2.2)], quiz=other_quiz)
    await seed_daily_answer(storage, ANN, "ann", 0)
    await seed_run(storage, [(0, ANN, "ann", 0, 1.0), (0, BEN, "ben", 1, 1.0)], guild_id=OTHER_GUILD)

    result = await storage.privacy.forget(ANN, GUILD)

    assert result.answers == 6 and result.servers == (GUILD,)
    assert await stored(storage) == await fresh_count(storage)
    left = await storage.database.fetch_all("SELECT guild_id FROM board_totals WHERE user_id = ?", (ANN,))
    assert {row[0] for row in left} == {OTHER_GUILD}, "no zero rows left in the forgotten server"
    everywhere = await storage.privacy.forget(ANN, None)
    assert (everywhere.answers, everywhere.servers) == (1, (OTHER_GUILD,))
    assert await stored(storage) == await fresh_count(storage)
    assert (await fresh_count(storage))["board_totals"], "the other members' summaries are still there"
