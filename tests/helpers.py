"""Arrange steps several test files share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.app import QuizBot, create_bot
from bot.domain.clock import Clock
from bot.domain.quiz import Quiz
from bot.domain.runs import RunKind, ScoringMode
from bot.settings import Settings
from bot.storage import Storage


async def open_first_question(
    storage: Storage,
    quiz: Quiz,
    *,
    now: datetime,
    deadline: datetime,
    kind: RunKind = RunKind.LIVE,
    guild_id: int = 10,
    channel_id: int = 20,
    started_by: int = 1,
) -> int:
    """A new accuracy-scored run of `quiz` with its first question open until `deadline`; the run's id."""
    run = await storage.runs.create_run(
        guild_id=guild_id,
        channel_id=channel_id,
        kind=kind,
        quiz=quiz,
        started_by=started_by,
        now=now,
        seconds_per_question=30,
        scoring_mode=ScoringMode.ACCURACY,
    )
    assert await storage.runs.open_question(run.id, 0, now=now, deadline=deadline)
    return run.id


def clocked_bot_factory(clock: Clock) -> Callable[[Settings], QuizBot]:
    """A `bot_factory` for the test bed fixtures: our real bot, with time in the test's hands."""
    return lambda settings: create_bot(settings, clock=clock)


async def active_run_ids(storage: Storage, kind: RunKind | None = None) -> list[int]:
    """Ids of the runs still in their lobby or running, read straight from the database."""
    rows = await storage.database.fetch_all(
        "SELECT id, kind FROM runs WHERE status IN ('lobby', 'running') ORDER BY id"
    )
    return [int(row[0]) for row in rows if kind is None or row[1] == kind.value]


async def stored_choice(storage: Storage, run_id: int, index: int, user_id: int) -> int | None:
    """The choice a member's stored answer holds, or None, read straight from the database."""
    row = await storage.database.fetch_one(
        "SELECT choice FROM answers WHERE run_id = ? AND idx = ? AND user_id = ?", (run_id, index, user_id)
    )
    return None if row is None else int(row[0])
