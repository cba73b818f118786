"""Arrange steps and small checks several test modules share; test modules never import each other."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from aiohttp import web
from PIL import Image

from bot.app import QuizBot, create_bot
from bot.domain.clock import Clock
from bot.domain.daily import Slot
from bot.domain.quiz import ChoiceOrder, Question, Quiz, letter_of, reorder_choices
from bot.domain.runs import RunKind, RunStatus, ScoringMode
from bot.domain.schedule import DailySchedule, parse_time_of_day
from bot.settings import Settings
from bot.storage import Storage
from bot.ui.results_card import FILL, TRACK
from tests.discord_testbed import TestBed
from tests.discord_testbed.model import Channel, Message, User
from tests.discord_testbed.runner import BotFactory, InProcessBot, settings_for

REPO_ROOT = Path(__file__).resolve().parents[1]  # bot/, docs/, quizzes/: the same from any test folder
TEST_DATA = REPO_ROOT / "tests" / "data"  # input files tests read (import sources, quiz files)


# -- storage ---------------------------------------------------------------------------------------


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


SEED_GUILD = 10  # the guild seed_run's runs belong to unless told otherwise
SEED_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
SEED_QUIZ = Quiz(
    id="lora",
    title="LoRA basics",
    series="finetuning",
    tags=("ml",),
    questions=(
        Question("q1", "Rank?", ("r", "alpha", "both"), 0, tags=("lora",)),
        Question("q2", "Bits?", ("4", "8", "16"), 1, tags=("quantization",)),
        Question("q3", "Easy?", ("yes", "no"), 0, tags=("lora", "quantization")),
    ),
)

SeedAnswer = tuple[int, int, str, int, float]  # (question index, user id, name, choice, seconds)


async def seed_run(
    storage: Storage,
    answers: list[SeedAnswer],
    *,
    quiz: Quiz = SEED_QUIZ,
    at: datetime = SEED_AT,
    kind: RunKind = RunKind.LIVE,
    guild_id: int = SEED_GUILD,
    orders: tuple[ChoiceOrder | None, ...] = (),
) -> int:
    """A finished run whose questions all opened at `at`, answered through the click path.

    With `orders` the run shows those questions' choices shuffled (as `shuffle_for_run` deals them), and
    the choices in `answers` are positions as shown.
    """
    shown = tuple(
        question if order is None else reorder_choices(question, order)
        for question, order in zip(quiz.questions, orders + (None,) * (len(quiz.questions) - len(orders)), strict=True)
    )
    run = await storage.runs.create_run(
        guild_id=guild_id,
        channel_id=random.randrange(1, 2**40),
        kind=kind,
        quiz=replace(quiz, questions=shown),
        started_by=1,
        now=at,
        seconds_per_question=30,
        scoring_mode=ScoringMode.ACCURACY,
        choice_orders=orders,
    )
    for index in range(len(quiz.questions)):
        assert await storage.runs.open_question(run.id, index, now=at, deadline=at + timedelta(days=1))
    for index, user_id, name, choice, seconds in answers:
        result = await storage.runs.record_answer(
            run_id=run.id,
            index=index,
            user_id=user_id,
            user_name=name,
            choice=choice,
            now=at + timedelta(seconds=seconds),
        )
        assert result.outcome == "recorded"
    await storage.runs.finish_run(run.id, status=RunStatus.FINISHED, now=at)
    return run.id


async def seed_daily_answer(storage: Storage, user_id: int, name: str, choice: int, *, created_by: int = 1) -> int:
    """A scheduled daily post on 2026-11-21 in SEED_GUILD (channel 555), answered by the member; the post's run id."""
    schedule = DailySchedule(0, SEED_GUILD, 555, parse_time_of_day("09:00"), "UTC")
    config = await storage.daily.save_schedule(
        guild_id=SEED_GUILD, channel_id=555, schedule=schedule, quiz_ids=("lora",), order="sequential", seed=1,
        created_by=created_by, now=SEED_AT,
    )  # fmt: skip
    slot, posted = Slot(date(2026, 11, 21)), SEED_AT + timedelta(days=1)
    assert await storage.daily.claim(config.id, slot, "lora/q1", post_at=posted, reveal_at=posted + timedelta(hours=5))
    run_id = await storage.daily.start_post_run(
        config.id, slot, guild_id=SEED_GUILD, channel_id=555, quiz=SEED_QUIZ, started_by=created_by, now=posted,
        deadline=posted + timedelta(hours=5), scoring_mode=ScoringMode.ACCURACY,
    )  # fmt: skip
    assert run_id is not None
    await storage.runs.record_answer(
        run_id=run_id, index=0, user_id=user_id, user_name=name, choice=choice, now=posted + timedelta(seconds=4)
    )
    return run_id


async def seed_practice(
    storage: Storage,
    user_id: int,
    name: str,
    choices: list[tuple[int, float]],
    *,
    quiz: Quiz = SEED_QUIZ,
    at: datetime = SEED_AT,
    guild_id: int = SEED_GUILD,
    kind: RunKind = RunKind.PRACTICE,
) -> int:
    """A practice run (or a window) of `quiz` that the member answers in order through the private click path:
    `choices` are (choice, seconds taken) for the first questions; the run's id."""
    private = storage.private
    run = await private.create(
        kind=kind,
        guild_id=guild_id,
        channel_id=20,
        quiz=quiz,
        started_by=user_id,
        now=at,
        closes_at=at + timedelta(days=1) if kind is RunKind.WINDOW else None,
    )
    if kind is RunKind.WINDOW:
        assert await private.join(run.id, user_id, now=at) is not None
    shown = at
    for index, (choice, seconds) in enumerate(choices):
        shown += timedelta(seconds=seconds)
        outcome, _ = await private.record(
            run_id=run.id,
            index=index,
            user_id=user_id,
            user_name=name,
            choice=choice,
            now=shown,
            move_on=kind is RunKind.WINDOW,
        )
        assert outcome == "recorded"
        if kind is RunKind.PRACTICE:
            assert await private.move_on(run.id, user_id, after=index, now=shown, timer_seconds=None)
    return run.id


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


# -- the bot ---------------------------------------------------------------------------------------


def clocked_bot_factory(clock: Clock) -> Callable[[Settings], QuizBot]:
    """A `bot_factory` for the test bed fixtures: our real bot, with time in the test's hands."""
    return lambda settings: create_bot(settings, clock=clock)


async def restart(tb: TestBed, bot: QuizBot, factory: BotFactory, settings: Settings) -> QuizBot:
    """Stop the bot (its tasks die with it) and start a fresh one on the same database and clock."""
    await bot.close()
    fresh = await InProcessBot(tb, factory, settings).start()
    assert isinstance(fresh, QuizBot)
    return fresh


# -- live quizzes through the test bed -------------------------------------------------------------

EDIT_ROUTE = "/channels/{channel_id}/messages/{message_id}"


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 3.0, what: str = "") -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def titled(prefix: str) -> Callable[[Message], bool]:
    return lambda m: m.embed is not None and str(m.embed.get("title", "")).startswith(prefix)


async def question_message(tb: TestBed, channel: Channel, number: int, total: int) -> Message:
    return await tb.wait_for_message(channel, titled(f"Question {number}/{total}"))


async def revealed(tb: TestBed, message: Message) -> None:
    await tb.wait_until(lambda: "closed" in str(message.embed and message.embed.get("title")), what="the reveal")


async def fast_settings(tb: TestBed, admin: User) -> None:
    reply = await tb.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=admin)
    assert reply.ephemeral and "Lead before the first question: 0 s" in reply.message.content


def wrong(quiz: Quiz, index: int) -> str:
    return letter_of((quiz.questions[index].answer + 1) % len(quiz.questions[index].choices))


def right(quiz: Quiz, index: int) -> str:
    return quiz.questions[index].answer_letter


async def start_fast_quiz(tb: TestBed, starter: User, channel: Channel | None = None) -> Message:
    """Start day48 with no lead and no reveal pause; return question 1 once it is posted."""
    channel = channel or tb.general
    started = await tb.slash("quiz", {"name": "day48"}, user=starter, channel=channel)
    assert started.ephemeral and "Starting" in started.message.content, started.message.content
    return await question_message(tb, channel, 1, 10)


# -- private runs (practice, open windows) ------------------------------------------------------------

# A small quiz in the file's order (no shuffling), with explanations and a choice's own explanation.
NUMBERS_QUIZ = """\
title: Numbers
series: maths
questions:
  - id: prime
    prompt: Which number is prime?
    choices: ["4", "7", "9", "10"]
    answer: B
    explanation: 7 has no divisor but 1 and itself.
    choice_explanations:
      A: 4 is 2 × 2.
      C: 9 is 3 × 3.
  - id: even
    prompt: Which number is even?
    choices: ["3", "5", "8"]
    answer: C
    explanation: 8 is 2 × 4.
  - id: square
    prompt: Which number is a square?
    choices: ["2", "16", "6"]
    answer: B
    explanation: 16 is 4 × 4.
"""


def settings_with_numbers(tb: TestBed, tmp_path: Path) -> Settings:
    """Settings whose quiz folder holds the shipped day48 and `numbers` (NUMBERS_QUIZ)."""
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "numbers.yaml").write_text(NUMBERS_QUIZ, encoding="utf-8")
    (folder / "day48.yaml").write_bytes((REPO_ROOT / "quizzes" / "day48.yaml").read_bytes())
    return settings_for(tb, tmp_path, quizzes_dir=folder)


def labels(message: Message) -> list[str]:
    """The labels of a message's buttons, in order."""
    return [b.label or "" for b in message.buttons]


# -- results card ----------------------------------------------------------------------------------


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


# -- deployment: the scripts in deploy/, run for real under /bin/sh ---------------------------------

DEPLOY = REPO_ROOT / "deploy"


def fake_executable(bin_dir: Path, name: str, body: str) -> Path:
    """Write an executable `/bin/sh` script `bin_dir/name` (the folder is created) and return its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return script


def wait_until(condition: Callable[[], bool], *, timeout: float = 10.0, what: str = "the condition") -> None:
    """Poll `condition` every 20 ms until it holds; fail after `timeout` seconds (a bound, not a wait)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def line_count(path: Path) -> int:
    """Lines a fake executable has appended to `path` so far (0 before the first)."""
    return len(path.read_text().split()) if path.exists() else 0


# --- the quizbot command as an admin runs it -------------------------------------------------------
# Shaped like a bot token (three dot-separated parts), so settings accept it; no Discord ever sees it.
SHAPED_TOKEN = "MTA4NjQ2MTk4NzY1NDMyMTA5OA.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any quizbot or Discord setting, plus `extra`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "QUIZBOT_"))}
    return {**base, **(extra or {}), "PYTHONPATH": str(REPO_ROOT)}


def quizbot(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path, time_limit: float = 60
) -> subprocess.CompletedProcess[str]:
    """`quizbot ARGS` in `cwd` (a temp folder, so no .env is picked up) with only the settings in `env`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=time_limit,
        check=False,
        stdin=subprocess.DEVNULL,
    )


async def aquizbot(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path, time_limit: float = 60
) -> subprocess.CompletedProcess[str]:
    """`quizbot()` in a thread, so a server in this test's event loop keeps answering meanwhile."""
    return await asyncio.to_thread(quizbot, *args, env=env, cwd=cwd, time_limit=time_limit)


def error_lines(output: str) -> list[str]:
    """The ERROR lines of a text log."""
    return [line for line in output.splitlines() if " ERROR " in line]


@asynccontextmanager
async def endpoint_answering(status: int) -> AsyncIterator[str]:
    """An HTTP server on 127.0.0.1 that answers every request with `status`; yields its /api/v10 base URL.

    Like a wrong DISCORD_API_BASE (404 for everything) or a broken proxy in front of Discord (502).
    """

    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=status, text=f"{status} from a test endpoint", content_type="text/plain")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api/v10"
    finally:
        await runner.cleanup()
