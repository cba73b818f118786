"""Group commit of answer clicks: batches, per-click outcomes, durability before the reply, lock discipline."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import aiosqlite
import pytest

from bot.domain.quiz import Question, Quiz
from bot.domain.runs import AnswerOutcome, RunKind
from bot.storage import ConstraintError, Storage
from bot.storage.answer_batch import MAX_BATCH
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


def _count_transactions(storage: Storage) -> list[int]:
    """Wrap the database's transaction() so the test can see how many writes a burst took."""
    database = storage.database
    original = database.transaction
    opened: list[int] = []

    @asynccontextmanager
    async def counted() -> AsyncIterator[aiosqlite.Connection]:
        opened.append(1)
        async with original() as connection:
            yield connection

    database.transaction = counted
    return opened


async def test_concurrent_clicks_share_writes_and_each_learns_its_outcome(storage: Storage) -> None:
    run_id = await _open_run(storage)
    await storage.runs.record_answer(run_id=run_id, index=0, user_id=99, user_name="early", choice=2, now=NOW)
    writes = _count_transactions(storage)
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
    assert len(writes) < 10  # 55 clicks, a handful of commits
    answers = await storage.runs.answers(run_id)
    assert sorted(a.user_id for a in answers) == [99, *range(100, 150)]
    assert {a.user_id: a.choice for a in answers}[100] == 0  # the first click of the double click


async def test_a_recorded_answer_is_committed_before_the_caller_hears_of_it(storage: Storage) -> None:
    run_id = await _open_run(storage)

    async def click_and_look(user_id: int) -> int:
        result = await storage.runs.record_answer(
            run_id=run_id, index=0, user_id=user_id, user_name="m", choice=1, now=NOW
        )
        assert result.outcome is AnswerOutcome.RECORDED
        # Another connection sees only committed data.
        with sqlite3.connect(storage.database.path) as other:
            row = other.execute("SELECT count(*) FROM answers WHERE user_id = ?", (user_id,)).fetchone()
        return int(row[0])

    assert await asyncio.gather(*(click_and_look(200 + i) for i in range(20))) == [1] * 20


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
    await storage.database.execute(
        "CREATE TEMP TRIGGER refuse_boom BEFORE INSERT ON answers WHEN NEW.user_name = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'refused on purpose'); END"
    )
    names = ["a", "b", "boom", "c"]
    outcomes = await asyncio.gather(
        *(
            storage.runs.record_answer(run_id=run_id, index=0, user_id=300 + i, user_name=n, choice=1, now=NOW)
            for i, n in enumerate(names)
        ),
        return_exceptions=True,
    )
    assert isinstance(outcomes[2], ConstraintError)
    assert [o.outcome for i, o in enumerate(outcomes) if i != 2] == [AnswerOutcome.RECORDED] * 3
    assert sorted(a.user_name for a in await storage.runs.answers(run_id)) == ["a", "b", "c"]
