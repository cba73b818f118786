"""quizbot migrate: a whole database copied SQLite -> PostgreSQL -> SQLite, every row and board kept, and refusals."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.boards import BoardTarget, Scope
from bot.domain.clock import FakeClock
from bot.domain.errors import EXIT_CONFIG, EXIT_FAILURE
from bot.domain.runs import RunKind
from bot.domain.suggestions import SuggestedQuestion
from bot.ops import migrate as migrate_module
from bot.ops.migrate import VerificationError, migrate
from bot.review.service import ReviewService
from bot.storage import Storage, open_storage
from bot.storage.copy import SchemaMismatchError, TargetNotEmptyError, read_tables
from tests.helpers import SEED_AT as T0
from tests.helpers import SEED_GUILD as GUILD
from tests.helpers import SEED_QUIZ as QUIZ
from tests.helpers import quizbot, seed_daily_answer, seed_practice, seed_run

OTHER_GUILD = 77
ANN, BEN, CY = 1, 2, 3


@pytest.fixture
def storage(sqlite_storage: Storage) -> Storage:
    """The source here is a SQLite file, as an admin's is: each test then goes to PostgreSQL (and back)."""
    return sqlite_storage


async def _fill(storage: Storage) -> None:
    """Every kind of row a server makes: live and daily runs with answers, practice, a window, a server quiz,
    settings, review cards, privacy, a suggestion, and a forgotten member whose summaries stay at zero."""
    await seed_run(storage, [(0, ANN, "ann", 0, 3.25), (1, ANN, "ann", 1, 4.5), (0, BEN, "ben", 1, 2.0)])
    await seed_run(storage, [(0, BEN, "Ben", 0, 1.5), (2, CY, "cy", 0, 7.125)], orders=((2, 0, 1),))
    await seed_run(storage, [(0, ANN, "ann", 0, 0.1 + 0.2)], guild_id=OTHER_GUILD)
    await seed_practice(storage, ANN, "ann", [(0, 2.0), (1, 3.0)])
    await seed_practice(storage, BEN, "ben", [(0, 5.0)], kind=RunKind.WINDOW)
    await seed_daily_answer(storage, CY, "cy", 0, created_by=ANN)
    await storage.library.save(GUILD, QUIZ, "id: lora", uploaded_by=ANN, now=T0, replace=False)
    await storage.settings.update_guild_settings(GUILD, scoring_mode="speed", timezone="Europe/Berlin")
    await storage.settings.set_meta("shard:0", "seen")
    await storage.privacy.set_hidden(GUILD, BEN, True, now=T0)
    await storage.suggestions.add(
        GUILD, "lora", author_id=CY, author_name="cy", question=SuggestedQuestion("Why?", ("a", "b"), 1, "b."),
        review_channel_id=999, now=T0,
    )  # fmt: skip
    review = ReviewService(storage, FakeClock(T0 + timedelta(days=2)))
    for member in (ANN, BEN, CY):
        await review.catch_up(GUILD, member)
    forgotten = await seed_run(storage, [(0, 4, "dan", 0, 9.0)])
    assert forgotten and (await storage.privacy.forget(4, GUILD)).answers == 1


async def _every_row(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    storage = await open_storage(path, read_only=True)
    try:
        tables = await read_tables(storage.database)
        return {
            name: sorted((tuple(row) for row in await storage.database.fetch_all(f'SELECT * FROM "{name}"')), key=repr)
            for name in tables
        }
    finally:
        await storage.close()


async def _boards(path: Path) -> list[Any]:
    storage = await open_storage(path, read_only=True)
    try:
        targets = [BoardTarget(Scope.ALL, guild) for guild in (GUILD, OTHER_GUILD)]
        targets += [BoardTarget(Scope.QUIZ, GUILD, quiz_id="lora"), BoardTarget(Scope.DAILY, GUILD)]
        return [await storage.boards.board(t, page=0, viewer_id=ANN) for t in targets]
    finally:
        await storage.close()


async def test_sqlite_to_postgresql_and_back_keeps_every_row_and_every_board(
    storage: Storage, tmp_path: Path, fresh_postgres_url: str
) -> None:
    await _fill(storage)
    await storage.close()
    source = tmp_path / "quizbot.db"
    with sqlite3.connect(source) as connection:
        # A sum of answer times added up in another order can differ in its last bits: the copy keeps the
        # source's own, where triggers rebuilding it from the copied answers would not.
        connection.execute("UPDATE board_totals SET seconds = seconds + 1e-9 WHERE user_id = ?", (ANN,))
    connection.close()
    before = await _every_row(source)
    assert all(before[name] for name in before), [name for name in before if not before[name]]

    there = await migrate(str(source), fresh_postgres_url)
    back = await migrate(fresh_postgres_url, str(tmp_path / "back.db"))

    assert (there.tables, there.rows, there.servers) == (back.tables, back.rows, back.servers)
    assert there.servers == 2 and there.rows == sum(len(rows) for rows in before.values())
    assert await _every_row(tmp_path / "back.db") == before
    assert await _boards(tmp_path / "back.db") == await _boards(source)


async def test_postgresql_carries_on_after_the_copy_with_new_ids_and_its_summary_triggers(
    storage: Storage, tmp_path: Path, fresh_postgres_url: str
) -> None:
    await _fill(storage)
    await storage.close()
    await migrate(str(tmp_path / "quizbot.db"), fresh_postgres_url)
    target = await open_storage(fresh_postgres_url)
    try:
        database = target.database
        highest = (await database.fetch_one("SELECT max(id) FROM runs"))[0]
        run_id = (
            await database.fetch_one(
                "INSERT INTO runs (guild_id, channel_id, kind, quiz_id, quiz_title, started_by, created_at, status, "
                "seconds_per_question, scoring_mode, question_count, quiz_snapshot) "
                "VALUES (?, 2, 'live', 'q', 'Q', 3, 0, 'running', 30, 'accuracy', 1, '{}') RETURNING id",
                (OTHER_GUILD,),
            )
        )[0]
        await database.execute(
            "INSERT INTO run_questions (run_id, idx, question_id, correct_choice, choice_count) "
            "VALUES (?, 0, 'q1', 0, 2)",
            (run_id,),
        )
        await database.execute(
            "INSERT INTO answers (run_id, idx, user_id, guild_id, user_name, choice, correct, answered_at, seconds) "
            "VALUES (?, 0, ?, ?, 'ann', 0, 1, 100, 2.5)",
            (run_id, ANN, OTHER_GUILD),
        )
        total = await database.fetch_one(
            "SELECT answered FROM board_totals WHERE guild_id = ? AND bucket = 'all' AND user_id = ?",
            (OTHER_GUILD, ANN),
        )
    finally:
        await target.close()
    assert highest >= 5 and run_id == highest + 1
    assert total[0] == 2  # the copied answer and the new one: the triggers are back on


async def test_a_postgresql_target_with_data_is_refused_and_left_as_it_was(
    storage: Storage, tmp_path: Path, fresh_postgres_url: str
) -> None:
    await seed_run(storage, [(0, ANN, "ann", 0, 1.0)])
    await storage.close()
    target = await open_storage(fresh_postgres_url)
    await target.settings.update_guild_settings(OTHER_GUILD, timezone="Asia/Tokyo")
    await target.close()

    with pytest.raises(TargetNotEmptyError, match="guild_settings"):
        await migrate(str(tmp_path / "quizbot.db"), fresh_postgres_url)

    target = await open_storage(fresh_postgres_url)
    try:
        assert (await target.database.fetch_one("SELECT count(*) FROM runs"))[0] == 0
        assert [tuple(r) for r in await target.database.fetch_all("SELECT guild_id, timezone FROM guild_settings")] == [
            (OTHER_GUILD, "Asia/Tokyo")
        ]
    finally:
        await target.close()


async def test_a_sqlite_target_with_data_is_refused_and_left_byte_for_byte(storage: Storage, tmp_path: Path) -> None:
    await seed_run(storage, [(0, ANN, "ann", 0, 1.0)])
    await storage.close()
    full = tmp_path / "full.db"
    other = await open_storage(full)
    await seed_run(other, [(0, BEN, "ben", 1, 2.0)], guild_id=OTHER_GUILD)
    await other.close()
    content = full.read_bytes()

    with pytest.raises(TargetNotEmptyError, match="runs"):
        await migrate(str(tmp_path / "quizbot.db"), str(full))
    assert full.read_bytes() == content


async def test_an_empty_quizbot_file_is_a_fine_target(storage: Storage, tmp_path: Path) -> None:
    await _fill(storage)
    await storage.close()
    empty = await open_storage(tmp_path / "empty.db")
    await empty.close()

    report = await migrate(str(tmp_path / "quizbot.db"), str(tmp_path / "empty.db"))

    assert await _every_row(tmp_path / "empty.db") == await _every_row(tmp_path / "quizbot.db")
    assert report.servers == 2


async def test_a_column_on_one_side_only_fails_loudly_before_anything_is_copied(
    storage: Storage, tmp_path: Path, fresh_postgres_url: str
) -> None:
    await seed_run(storage, [(0, ANN, "ann", 0, 1.0)])
    await storage.close()
    target = await open_storage(fresh_postgres_url)
    await target.database.execute("ALTER TABLE answers ADD COLUMN mood TEXT")
    await target.close()

    with pytest.raises(SchemaMismatchError, match=r"answers\.mood only in postgresql://"):
        await migrate(str(tmp_path / "quizbot.db"), fresh_postgres_url)

    target = await open_storage(fresh_postgres_url)
    try:
        assert (await target.database.fetch_one("SELECT count(*) FROM runs"))[0] == 0
    finally:
        await target.close()


async def test_a_copy_whose_boards_differ_is_emptied_again(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _fill(storage)
    await storage.close()
    read_board = migrate_module._whole_board

    async def off_by_one_on_the_target(on: Storage, target: BoardTarget) -> list[Any]:
        pages = await read_board(on, target)
        return [*pages, None] if on.database.where.endswith("copy.db") else pages

    monkeypatch.setattr(migrate_module, "_whole_board", off_by_one_on_the_target)
    with pytest.raises(VerificationError, match=f"all-time leaderboard of server {GUILD} differs.*emptied again"):
        await migrate(str(tmp_path / "quizbot.db"), str(tmp_path / "copy.db"))

    copied = await _every_row(tmp_path / "copy.db")
    assert {name: rows for name, rows in copied.items() if rows} == {}


def test_the_command_prints_what_it_did_and_never_the_password(tmp_path: Path) -> None:
    source = tmp_path / "quizbot.db"
    sqlite3.connect(source).close()  # an empty file: open_storage makes it a new quizbot database

    done = quizbot("migrate", "--to", str(tmp_path / "copy.db"), env={"QUIZBOT_DB": str(source)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "stop every bot process first" in done.stdout
    assert "verified: row counts and leaderboards of 0 servers match" in done.stdout

    unreachable = "postgresql://quizbot:s3cret-pw@127.0.0.1:1/quizbot"
    failed = quizbot("migrate", "--db", str(source), "--to", unreachable, cwd=tmp_path)
    assert failed.returncode == EXIT_FAILURE
    assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("quizbot: cannot reach PostgreSQL")
    assert "s3cret-pw" not in failed.stdout + failed.stderr and "quizbot@127.0.0.1:1" in failed.stdout


def test_every_refusal_is_one_line_and_exit_2(tmp_path: Path) -> None:
    source = tmp_path / "quizbot.db"
    sqlite3.connect(source).close()
    cases = {
        "no database": ("--db", str(tmp_path / "missing.db"), "--to", str(tmp_path / "new.db")),
        "same file": ("--db", str(source), "--to", str(source)),
        "a folder": ("--db", str(source), "--to", str(tmp_path)),
        "full target": ("--db", str(source), "--to", str(tmp_path / "copy.db")),
    }
    assert quizbot("migrate", "--db", str(source), "--to", str(tmp_path / "copy.db"), cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "copy.db") as connection:
        connection.execute("INSERT INTO guild_settings (guild_id) VALUES (1)")
    connection.close()
    for case, args in cases.items():
        result = quizbot("migrate", *args, cwd=tmp_path)
        assert (result.returncode, result.stderr.count("\n")) == (EXIT_CONFIG, 1), (case, result.stderr)
        assert result.stderr.startswith("quizbot: ") and "Traceback" not in result.stderr, case
