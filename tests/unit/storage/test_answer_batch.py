"""Group commit of answer clicks: batches, per-click outcomes, durability before the reply, lock discipline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.domain.quiz import Question, Quiz
from bot.domain.runs import AnswerOutcome, RunKind
from bot.storage import ConstraintError, Storage, StorageUnavailableError, open_storage
from bot.storage.answer_batch import MAX_BATCH
from bot.storage.database import Params, Row
from tests.helpers import open_first_question

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(seconds=30)
QUIZ = Quiz(
    id="tiny",
    title="Tiny quiz",
    questions=(Question("q1", "One?", ("a", "b", "c"), 1), Question("q2", "Two?", ("x", "y"), 0)),
)


async def _open_run(storage: Storage) -> int:
    return await open_first_question(storage, QUIZ, now=NOW, deadline=DEADLINE)


def _count_writes(storage: Storage) -> list[int]:
    """Wrap the database's transaction_of_one() (the batch's write) so the test sees how many a burst took."""
    database = storage.database
    original = database.transaction_of_one
    writes: list[int] = []

    async def counted(sql: str, params: Params) -> list[Row]:
        writes.append(1)
        return await original(sql, params)

    database.transaction_of_one = counted  # type: ignore[method-assign]
    return writes


async def test_concurrent_clicks_share_writes_and_each_learns_its_outcome(storage: Storage) -> None:
    run_id = await _open_run(storage)
    await storage.runs.record_answer(run_id=run_id, index=0, user_id=99, user_name="early", choice=2, now=NOW)
    writes = _count_writes(storage)
    record = storage.runs.record_answer
    results = await asyncio.gather(
        *(record(run_id=run_id, index=0, user_id=100 + i, user_name=f"m{i}", choice=i % 3, now=NOW) for i in range(50)),
        record(run_id=run_id, index=0, user_id=100, user_name="m0", choice=2, now=NOW),  # double click, same batch
        record(run_id=run_id, index=0, user_id=99, user_name="early", choice=0, now=NOW),  # answered before
        record(run_id=run_id, index=1, user_id=7, user_name="x", choice=0, now=NOW),  # question not open
        record(run_id=run_id, index=0, user_id=8, user_name="y", choice=5, now=NOW),  # no such choice
        record(run_id=999, index=0, user_id=9, user_name="z", choice=0, now=NOW),  # no such run
    )
    *new, double, again, pending, bad_choice, no_run = results
    assert [r.outcome for r in new] == [AnswerOutcome.RECORDED] * 50
    assert [r.choice for r in new] == [i % 3 for i in range(50)]
    assert all(r.kind is RunKind.LIVE and r.deadline == DEADLINE for r in new)
    assert (double.outcome, double.choice, double.kind) == (AnswerOutcome.ALREADY_ANSWERED, 0, RunKind.LIVE)
    assert (again.outcome, again.choice, again.deadline) == (AnswerOutcome.ALREADY_ANSWERED, 2, DEADLINE)
    assert [r.outcome for r in (pending, bad_choice, no_run)] == [
        AnswerOutcome.CLOSED,
        AnswerOutcome.UNKNOWN,
        AnswerOutcome.UNKNOWN,
    ]
    assert 1 <= len(writes) < 10  # 55 clicks, a handful of commits
    answers = await storage.runs.answers(run_id)
    assert sorted(a.user_id for a in answers) == [99, *range(100, 150)]
    assert {a.user_id: a.choice for a in answers}[100] == 0  # the first click of the double click


async def test_a_recorded_answer_is_committed_before_the_caller_hears_of_it(
    storage: Storage, database_target: str | Path
) -> None:
    run_id = await _open_run(storage)
    # Another connection (another pool on PostgreSQL) sees committed data only.
    other = await open_storage(database_target)

    async def click_and_look(user_id: int) -> int:
        result = await storage.runs.record_answer(
            run_id=run_id, index=0, user_id=user_id, user_name="m", choice=1, now=NOW
        )
        assert result.outcome is AnswerOutcome.RECORDED
        row = await other.database.fetch_one("SELECT count(*) FROM answers WHERE user_id = ?", (user_id,))
        return int(row[0])

    try:
        assert await asyncio.gather(*(click_and_look(200 + i) for i in range(20))) == [1] * 20
    finally:
        await other.close()


async def test_a_click_never_joins_another_coroutines_transaction(storage: Storage) -> None:
    """A click during someone else's transaction waits for it: that transaction's rollback cannot take it along."""
    run_id = await _open_run(storage)
    inside, release = asyncio.Event(), asyncio.Event()

    async def failing_transaction() -> None:
        async with storage.database.transaction() as connection:
            await connection.execute("UPDATE runs SET quiz_title = 'changed' WHERE id = ?", (run_id,))
            inside.set()
            await release.wait()
            raise RuntimeError("rolled back on purpose")

    other = asyncio.create_task(failing_transaction())
    await inside.wait()
    click = asyncio.create_task(
        storage.runs.record_answer(run_id=run_id, index=0, user_id=5, user_name="m", choice=1, now=NOW)
    )
    await asyncio.sleep(0)  # let the click reach the database layer while the transaction is open
    release.set()
    with pytest.raises(RuntimeError, match="on purpose"):
        await other
    assert (await click).outcome is AnswerOutcome.RECORDED
    assert [a.user_id for a in await storage.runs.answers(run_id)] == [5]
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.quiz_title == "Tiny quiz"


async def test_more_clicks_than_one_batch_holds_are_all_recorded(storage: Storage) -> None:
    run_id = await _open_run(storage)
    clicks = MAX_BATCH * 2 + 7
    results = await asyncio.gather(
        *(
            storage.runs.record_answer(run_id=run_id, index=0, user_id=1000 + i, user_name="m", choice=1, now=NOW)
            for i in range(clicks)
        )
    )
    assert all(r.outcome is AnswerOutcome.RECORDED for r in results)
    assert await storage.runs.answer_count(run_id, 0) == clicks


async def test_a_click_that_cannot_be_stored_fails_alone(storage: Storage) -> None:
    """One bad row makes the batch's statement fail; the others are then written one by one."""
    run_id = await _open_run(storage)
    # A member name the answers table refuses (NOT NULL) on both engines: no engine-specific trigger needed.
    names: list[str | None] = ["a", "b", None, "c"]
    outcomes = await asyncio.gather(
        *(
            storage.runs.record_answer(
                run_id=run_id, index=0, user_id=300 + i, user_name=cast(str, n), choice=1, now=NOW
            )
            for i, n in enumerate(names)
        ),
        return_exceptions=True,
    )
    assert isinstance(outcomes[2], ConstraintError)
    assert [o.outcome for i, o in enumerate(outcomes) if i != 2] == [AnswerOutcome.RECORDED] * 3
    assert sorted(a.user_name for a in await storage.runs.answers(run_id)) == ["a", "b", "c"]


async def test_an_outage_fails_the_whole_batch_at_once_and_never_retries_it(storage: Storage) -> None:
    """Splitting the batch after an outage would retry a write whose outcome is unknown, click by click."""
    run_id = await _open_run(storage)
    attempts: list[int] = []

    async def unreachable(sql: str, params: Params) -> list[Row]:
        attempts.append(1)
        raise StorageUnavailableError("the server went away (test)")

    storage.database.transaction_of_one = unreachable  # type: ignore[method-assign]
    outcomes = await asyncio.gather(
        *(
            storage.runs.record_answer(run_id=run_id, index=0, user_id=400 + i, user_name="m", choice=1, now=NOW)
            for i in range(5)
        ),
        return_exceptions=True,
    )
    assert [type(o) for o in outcomes] == [StorageUnavailableError] * 5
    assert attempts == [1]


# --- PostgreSQL only: what a server (rather than one embedded writer) adds ------------------------------


@pytest.fixture
async def postgres_storage(fresh_postgres_url: str) -> AsyncIterator[Storage]:
    store = await open_storage(fresh_postgres_url)
    yield store
    await store.close()


async def _lock_waiters(admin: asyncpg.Connection[Any], database: str) -> int:
    return int(
        await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", database
        )
    )


async def _lock_waiters_are(count: int, admin: asyncpg.Connection[Any], database: str) -> bool:
    return await _lock_waiters(admin, database) == count


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(500):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting until {what}")


async def test_postgres_a_question_closes_only_after_every_answer_it_let_in_has_committed(
    postgres_storage: Storage, fresh_postgres_url: str, postgres_server_url: str
) -> None:
    """No answer is told "Locked in" yet left out of the reveal's counts read right after the close.

    A click whose statement has read the question as open but not yet committed (here held up by a lock
    another session holds on its run) makes close_question wait for it; SQLite gets this from its single
    writer, PostgreSQL from the batch's FOR SHARE lock on the question row.
    """
    storage = postgres_storage
    run_id = await _open_run(storage)
    database = urlsplit(fresh_postgres_url).path.lstrip("/")
    admin = await asyncpg.connect(postgres_server_url)
    holder = await asyncpg.connect(fresh_postgres_url)
    try:
        hold = holder.transaction()
        await hold.start()
        # The click's foreign key check needs a KEY SHARE lock on the run row, which FOR UPDATE holds off.
        await holder.execute("SELECT id FROM runs WHERE id = $1 FOR UPDATE", run_id)
        click = asyncio.create_task(
            storage.runs.record_answer(run_id=run_id, index=0, user_id=5, user_name="m", choice=1, now=NOW)
        )
        await _until(lambda: _lock_waiters_are(1, admin, database), "the click waits on the run row")

        async def close_then_count() -> int:
            assert await storage.runs.close_question(run_id, 0, now=NOW + timedelta(seconds=1))
            return await storage.runs.answer_count(run_id, 0)

        closing = asyncio.create_task(close_then_count())
        await _until(
            lambda: _settled_or_waiting(closing, admin, database), "the close either finished or waits on the click"
        )
        await hold.rollback()
        counted = await closing
        result = await click
    finally:
        await holder.close()
        await admin.close()
    assert result.outcome is AnswerOutcome.RECORDED
    assert counted == 1, "the close committed before the answer it let in"


async def _settled_or_waiting(task: asyncio.Task[int], admin: asyncpg.Connection[Any], database: str) -> bool:
    return task.done() or await _lock_waiters(admin, database) == 2


async def test_postgres_clicks_during_an_outage_are_not_recorded_and_the_pool_reconnects_by_itself(
    postgres_storage: Storage, fresh_postgres_url: str, postgres_server_url: str
) -> None:
    """Issue 16: the server goes away mid-quiz (every session cut, new ones refused for a while), then returns."""
    storage = postgres_storage
    run_id = await _open_run(storage)

    async def click(user_id: int) -> AnswerOutcome:
        result = await storage.runs.record_answer(
            run_id=run_id, index=0, user_id=user_id, user_name="m", choice=1, now=NOW
        )
        return result.outcome

    assert await click(1) is AnswerOutcome.RECORDED
    database = urlsplit(fresh_postgres_url).path.lstrip("/")
    admin = await asyncpg.connect(postgres_server_url)
    try:
        # Refused first, then cut: the pool cannot slip a new connection in between.
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        ended = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1", database
        )
        assert ended >= 1  # the pool's connections, idle between statements
        during = await asyncio.gather(click(2), click(3), click(4), return_exceptions=True)
        assert [type(outcome) for outcome in during] == [StorageUnavailableError] * 3, during
        assert await asyncio.gather(click(5), return_exceptions=True) != [AnswerOutcome.RECORDED]
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await admin.close()
    # The same storage, never reopened: the pool's next acquire connects again.
    assert await click(6) is AnswerOutcome.RECORDED
    assert [a.user_id for a in await storage.runs.answers(run_id)] == [1, 6]
