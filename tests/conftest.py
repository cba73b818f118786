"""Shared pytest setup: the test bed's fixtures, a fresh storage, a leak guard and the schema-check summary line."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import QuizBot
from bot.storage import Storage, open_storage
from tests.discord_testbed.plugin import (
    bot_command,
    bot_factory,
    bot_process,
    bot_settings,
    running_bot,
    spec_summary,
    testbed,
)
from tests.pg_fixtures_local import fresh_postgres_url, postgres_server_url

__all__ = [
    "bot_command",
    "bot_factory",
    "bot_process",
    "bot_settings",
    "fresh_postgres_url",
    "postgres_server_url",
    "running_bot",
    "testbed",
]


@pytest.fixture
def bot(running_bot: object) -> QuizBot:
    """The running bot, typed as our QuizBot (tests of the real bot use this instead of `running_bot`)."""
    assert isinstance(running_bot, QuizBot)
    return running_bot


def _database_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive() and "_connection_worker_thread" in t.name}


@pytest.fixture(autouse=True)
def no_database_left_open() -> Iterator[None]:
    """Fail a test that leaves an aiosqlite connection open: its worker thread would hang pytest's exit."""
    before = _database_threads()
    yield
    deadline = time.monotonic() + 1.0
    while (leaked := _database_threads() - before) and time.monotonic() < deadline:
        time.sleep(0.02)
    if leaked:
        pytest.fail(f"{len(leaked)} database connection(s) left open: close the bot or storage this test opened")


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    """A fresh, migrated database file for storage-level tests, closed afterwards."""
    store = await open_storage(tmp_path / "quizbot.db")
    yield store
    await store.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(spec_summary())
