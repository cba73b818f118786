"""The bots a benchmark can run, and how each one posts a question and stores its answers.

Every target runs as its own process against the test bed (`python -m ...`, the production way), so the
bot's CPU is its own and the test bed's load generation cannot borrow from it.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from discord.ext import commands

from bot.domain.database_target import is_server_url
from bot.settings import Settings
from bot.storage import open_storage
from tests.discord_testbed.model import Channel, Message, User
from tests.discord_testbed.testbed import TestBed

QuestionOpener = Callable[[TestBed, Channel, User, int], Awaitable[Message]]
# (SQLite file or PostgreSQL URL, custom_id clicked, id of the message it is on) -> the members whose answer
# is stored.
StoredReader = Callable[[Path | str, str, int], Awaitable[set[int]]]

BASELINE_BUTTON = re.compile(r"^bench:(?P<question>\d+):(?P<choice>\d)$")
VIEW_BUTTON = re.compile(r"^bench-view:(?P<choice>\d)$")
QUIZ_BUTTON = re.compile(r"^quiz:(?P<run>\d+):(?P<q>\d+):(?P<choice>\d+)$")
# Long enough that the question never closes during a burst, short enough for /quiz to accept it.
LIVE_QUESTION_SECONDS = 600
QUIZ_ID = "day48"
START_PREFIX = "quiz:start:"


@dataclass(frozen=True)
class Target:
    """A bot to measure: its command line, how to get a question on screen, how to read back answers."""

    name: str
    command: list[str]
    # Whose command tree the test bed preloads when the process registers none itself.
    factory: Callable[[Settings], commands.Bot]
    open_question: QuestionOpener
    answer_pattern: re.Pattern[str]
    stored_users: StoredReader
    writes_answers: bool = True
    # Whether the bot runs on a PostgreSQL URL in QUIZBOT_DB (the baselines know SQLite only).
    speaks_postgres: bool = False

    def answer_ids(self, message: Message) -> list[str]:
        return [b.custom_id for b in message.buttons if b.custom_id and self.answer_pattern.match(b.custom_id)]


def read_only(database: Path | str) -> sqlite3.Connection:
    """Open the bot's database without any chance of writing to it (the check must not change the data)."""
    if is_server_url(database):
        raise ValueError("this bot's answers are read from its SQLite file, not from a server")
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True)


# -- the baseline bot ------------------------------------------------------------------------------


async def _baseline_question(tb: TestBed, channel: Channel, starter: User, number: int) -> Message:
    result = await tb.slash("bench-question", {"question": number}, user=starter, channel=channel, timeout=20.0)
    if result.message is None:
        raise RuntimeError("the baseline bot answered /bench-question without a message")
    return result.message


async def _baseline_stored(db_path: Path | str, custom_id: str, message_id: int) -> set[int]:
    match = BASELINE_BUTTON.match(custom_id)
    assert match is not None
    return _stored_for_question(db_path, int(match["question"]))


async def _view_stored(db_path: Path | str, custom_id: str, message_id: int) -> set[int]:
    """The fixed View's buttons carry no question: the baseline stores the message id as the question."""
    return _stored_for_question(db_path, message_id)


def _stored_for_question(db_path: Path | str, question: int) -> set[int]:
    with read_only(db_path) as db:
        rows = db.execute("SELECT user_id FROM answers WHERE question = ?", (question,))
        return {row[0] for row in rows}


async def _no_answers(db_path: Path | str, custom_id: str, message_id: int) -> set[int]:
    return set()


def _baseline_factory(settings: Settings) -> commands.Bot:
    from bench.baseline_bot import create_baseline_bot

    return create_baseline_bot(settings)


# The floor the issue set (#17): one persistent View with four fixed custom_ids, registered once.
BASELINE_VIEW = Target(
    name="baseline-view",
    command=[sys.executable, "-m", "bench.baseline_bot", "--view"],
    factory=_baseline_factory,
    open_question=_baseline_question,
    answer_pattern=VIEW_BUTTON,
    stored_users=_view_stored,
)

# The same with a DynamicItem per button (`bench:<question>:<choice>`), as quizbot had them.
BASELINE = Target(
    name="baseline",
    command=[sys.executable, "-m", "bench.baseline_bot"],
    factory=_baseline_factory,
    open_question=_baseline_question,
    answer_pattern=BASELINE_BUTTON,
    stored_users=_baseline_stored,
)

# The same bot acking without touching SQLite: the cost of the test bed plus discord.py alone.
ECHO = Target(
    name="ack-only",
    command=[sys.executable, "-m", "bench.baseline_bot", "--no-db"],
    factory=_baseline_factory,
    open_question=_baseline_question,
    answer_pattern=BASELINE_BUTTON,
    stored_users=_no_answers,
    writes_answers=False,
)


# -- quizbot ---------------------------------------------------------------------------------------


def _is_question(message: Message) -> bool:
    return any(b.custom_id and QUIZ_BUTTON.match(b.custom_id) and not b.disabled for b in message.buttons)


def _is_intro(message: Message) -> bool:
    return any(b.custom_id and b.custom_id.startswith(START_PREFIX) and not b.disabled for b in message.buttons)


async def _quiz_question(tb: TestBed, channel: Channel, starter: User, number: int) -> Message:
    """`/quiz day48 seconds:600`, press "Start now" on the intro, return question 1's message."""
    await tb.slash(
        "quiz", {"name": QUIZ_ID, "seconds": LIVE_QUESTION_SECONDS}, user=starter, channel=channel, timeout=20.0
    )
    shown = await tb.wait_for_message(channel, lambda m: _is_intro(m) or _is_question(m), timeout=20.0)
    if not _is_question(shown):
        start_now = next(b for b in shown.buttons if b.custom_id and b.custom_id.startswith(START_PREFIX))
        await tb.click(shown, user=starter, custom_id=start_now.custom_id, timeout=20.0)
    return await tb.wait_for_message(channel, _is_question, timeout=20.0)


async def _quiz_stored(database: Path | str, custom_id: str, message_id: int) -> set[int]:
    match = QUIZ_BUTTON.match(custom_id)
    assert match is not None
    run_id, index = int(match["run"]), int(match["q"])
    if is_server_url(database):
        return await stored_on_server(str(database), run_id, index)
    with read_only(database) as db:
        rows = db.execute("SELECT user_id FROM answers WHERE run_id = ? AND idx = ?", (run_id, index))
        return {row[0] for row in rows}


async def stored_on_server(url: str, run_id: int, index: int) -> set[int]:
    """The members with an answer to question `index` of `run_id` in a PostgreSQL database, read through the
    bot's own `Storage` opened read-only (nothing in the database changes)."""
    storage = await open_storage(url, read_only=True)
    try:
        return {answer.user_id for answer in await storage.runs.answers(run_id) if answer.index == index}
    finally:
        await storage.close()


def _quiz_factory(settings: Settings) -> commands.Bot:
    from bot.app import create_bot

    return create_bot(settings)


QUIZBOT = Target(
    name="quizbot",
    command=[sys.executable, "-m", "bot", "run"],
    factory=_quiz_factory,
    open_question=_quiz_question,
    answer_pattern=QUIZ_BUTTON,
    stored_users=_quiz_stored,
    speaks_postgres=True,
)

TARGETS = {t.name: t for t in (BASELINE, BASELINE_VIEW, ECHO, QUIZBOT)}

# Runs `python -m bot run` with another checkout first on the path: quizbot as it was at some commit.
_RUN_FROM_TREE = "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); runpy.run_module('bot', run_name='__main__')"


def target(name: str) -> Target:
    """A target by name; `quizbot@PATH` is quizbot from another checkout (e.g. `git worktree add PATH <commit>`),
    so that two versions can be measured side by side in one run."""
    if name in TARGETS:
        return TARGETS[name]
    kind, _, tree = name.partition("@")
    if kind != QUIZBOT.name or not tree or not (Path(tree) / "bot" / "__main__.py").is_file():
        raise ValueError(f"unknown target {name!r}: one of {sorted(TARGETS)}, or quizbot@<path of a checkout>")
    return replace(QUIZBOT, name=name, command=[sys.executable, "-c", _RUN_FROM_TREE, str(Path(tree).resolve()), "run"])
