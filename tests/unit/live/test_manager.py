"""The live-run manager resumes only the runs and open windows of the servers on its own shards."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.clock import FakeClock
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import Run, RunKind, RunQuestion, ScoringMode
from bot.domain.scoring import Standing
from bot.domain.shards import ShardSet
from bot.live.manager import LiveQuizManager
from bot.quizfiles import QuizCatalog
from bot.storage import Storage

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ON_SHARD_0, ON_SHARD_1 = 10 << 22, 11 << 22  # (guild_id >> 22) % 2 is 0 and 1
QUIZ = Quiz(id="basics", title="Basics", questions=(Question(id="q1", prompt="Yes?", choices=("yes", "no"), answer=0),))
CATALOG = QuizCatalog(folder=Path("."), by_id={"basics": QUIZ})


class IntroRecorder:
    """A presenter that records which runs post their intro, then holds them there until closed."""

    def __init__(self) -> None:
        self.intros: list[int] = []
        self.changed = asyncio.Event()

    async def post_intro(self, run: Run, quiz: Quiz, *, nonce: str) -> int:
        self.intros.append(run.id)
        self.changed.set()
        await asyncio.Event().wait()  # never posted: the test closes the manager first
        raise AssertionError("unreachable")

    async def post_question(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int, *, nonce: str) -> int:
        raise AssertionError("a resumed lobby posts its intro first")

    async def refresh_counter(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int) -> None:
        raise AssertionError("no question is open")

    async def reveal(self, run: Run, quiz: Quiz, question: RunQuestion, counts: list[int]) -> None:
        raise AssertionError("no question is open")

    def results_parts(
        self, run: Run, quiz: Quiz, board: list[Standing], answers: list[object]
    ) -> Sequence[Sequence[str]]:
        raise AssertionError("no run ends here")

    async def post_results_part(self, run: Run, part: str, *, nonce: str) -> int:
        raise AssertionError("no run ends here")

    async def report_problem(self, run: Run, text: str) -> None:
        raise AssertionError(text)


async def _open_run(storage: Storage, guild_id: int, channel_id: int) -> int:
    run = await storage.runs.create_run(
        guild_id=guild_id,
        channel_id=channel_id,
        kind=RunKind.LIVE,
        quiz=QUIZ,
        started_by=1,
        now=NOW,
        seconds_per_question=20,
        scoring_mode=ScoringMode.ACCURACY,
    )
    return run.id


async def _open_window(storage: Storage, guild_id: int, channel_id: int) -> int:
    run = await storage.private.create(
        kind=RunKind.WINDOW,
        guild_id=guild_id,
        channel_id=channel_id,
        quiz=QUIZ,
        started_by=1,
        now=NOW,
        closes_at=NOW + timedelta(hours=1),
    )
    return run.id


async def _resumed_by(storage: Storage, owns: ShardSet | None) -> tuple[int, list[int]]:
    presenter = IntroRecorder()
    manager = LiveQuizManager(
        storage, FakeClock(NOW), presenter, lambda guild_id: CATALOG, owns=None if owns is None else owns.contains
    )
    try:
        count = await manager.resume_all()
        while len(presenter.intros) < count:
            presenter.changed.clear()
            await asyncio.wait_for(presenter.changed.wait(), 3.0)
        return count, sorted(presenter.intros)
    finally:
        await manager.close()


async def test_a_process_on_shard_1_of_2_resumes_only_the_runs_of_servers_on_shard_1(storage: Storage) -> None:
    on_zero = await _open_run(storage, ON_SHARD_0, 100)
    on_one = await _open_run(storage, ON_SHARD_1, 200)

    assert await _resumed_by(storage, ShardSet.parse("1", 2)) == (1, [on_one])
    assert await _resumed_by(storage, ShardSet.parse("0", 2)) == (1, [on_zero])


async def test_a_process_on_shard_1_of_2_resumes_only_the_open_windows_of_servers_on_shard_1(storage: Storage) -> None:
    on_zero = await _open_window(storage, ON_SHARD_0, 100)
    on_one = await _open_window(storage, ON_SHARD_1, 200)

    assert await _resumed_by(storage, ShardSet.parse("1", 2)) == (1, [on_one])
    assert await _resumed_by(storage, ShardSet.parse("0", 2)) == (1, [on_zero])


async def test_unsharded_and_all_shards_resume_every_run(storage: Storage) -> None:
    runs = sorted([await _open_run(storage, ON_SHARD_0, 100), await _open_run(storage, ON_SHARD_1, 200)])

    assert await _resumed_by(storage, None) == (2, runs)
    assert await _resumed_by(storage, ShardSet.parse("0-1", 2)) == (2, runs)
