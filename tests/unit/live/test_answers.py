"""The click path without Discord: replies for live and daily runs, and resumable results bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.clock import FakeClock
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import RunKind, RunStatus
from bot.live.answers import NO_LONGER_ACTIVE, submit_answer
from bot.storage import Storage
from tests.helpers import open_first_question

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
QUIZ = Quiz(
    id="mini",
    title="Mini",
    questions=(Question("q1", "1+1?", ("1", "2", "3"), 1, "Two."),),
)


async def open_run(storage: Storage, kind: RunKind, deadline: datetime) -> int:
    return await open_first_question(storage, QUIZ, now=T0, deadline=deadline, kind=kind)


async def click(storage: Storage, clock: FakeClock, run_id: int, choice: int, user: int = 7) -> str:
    reply = await submit_answer(storage, clock, run_id=run_id, index=0, choice=choice, user_id=user, user_name="ann")
    return reply.text


async def test_live_replies(storage: Storage) -> None:
    clock = FakeClock(T0 + timedelta(seconds=3))
    run_id = await open_run(storage, RunKind.LIVE, T0 + timedelta(seconds=30))
    assert await click(storage, clock, run_id, 1) == "Locked in: B"
    assert await click(storage, clock, run_id, 2) == "You already answered B"
    assert await click(storage, clock, run_id, 9) == NO_LONGER_ACTIVE
    assert await click(storage, clock, run_id + 1, 0) == NO_LONGER_ACTIVE
    await clock.advance(30)
    assert (await click(storage, clock, run_id, 0, user=8)).startswith("This question is closed")


async def test_daily_replies_name_the_reveal_time_and_never_the_counts(storage: Storage) -> None:
    reveal = T0 + timedelta(hours=8)
    clock = FakeClock(T0 + timedelta(minutes=5))
    run_id = await open_run(storage, RunKind.DAILY, reveal)
    note = f" — the answer is revealed at <t:{int(reveal.timestamp())}:t>"
    assert await click(storage, clock, run_id, 2) == f"Locked in: C{note}"
    assert await click(storage, clock, run_id, 1) == f"You already answered C{note}"


async def test_results_progress_drives_what_resumes(storage: Storage) -> None:
    run_id = await open_run(storage, RunKind.LIVE, T0 + timedelta(seconds=30))
    assert [r.id for r in await storage.runs.live_runs_to_resume()] == [run_id]
    await storage.runs.finish_run(run_id, status=RunStatus.FINISHED, now=T0)
    await storage.runs.set_results_parts(run_id, 1, done=False)
    run = await storage.runs.get_run(run_id)
    assert run is not None and (run.results_parts, run.results_done) == (1, False)
    assert [r.id for r in await storage.runs.live_runs_to_resume()] == [run_id]
    await storage.runs.set_results_parts(run_id, 2, done=True)
    assert await storage.runs.live_runs_to_resume() == []
