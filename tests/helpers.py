"""Arrange steps several test files share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PIL import Image

from bot.app import QuizBot, create_bot
from bot.domain.clock import Clock
from bot.domain.quiz import Quiz
from bot.domain.runs import RunKind, ScoringMode
from bot.settings import Settings
from bot.storage import Storage
from bot.ui.results_card import FILL, TRACK

REPO_ROOT = Path(__file__).resolve().parents[1]  # bot/, docs/, quizzes/: the same from any test folder
TEST_DATA = REPO_ROOT / "tests" / "data"  # input files tests read (import sources, quiz files)


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


def bar_runs(image: Image.Image, x: int) -> int:
    """How many separate vertical runs of bar colour (track or fill) cross column x."""
    runs, inside = 0, False
    for y in range(image.height):
        pixel = image.getpixel((x, y))
        is_bar = pixel in (TRACK, FILL)
        if is_bar and not inside:
            runs += 1
        inside = is_bar
    return runs
