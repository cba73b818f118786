"""Shared pytest setup: the test bed's fixtures, a fresh storage, PostgreSQL servers and databases, a leak
guard and the schema-check summary line."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.app import QuizBot
from bot.storage import Storage, open_storage
from tests import postgres_server
from tests.discord_testbed.plugin import (
    bot_command,
    bot_factory,
    bot_process,
    bot_settings,
    running_bot,
    spec_summary,
    testbed,
)
from tests.postgres_databases import PostgresDatabases

__all__ = ["bot_command", "bot_factory", "bot_process", "bot_settings", "running_bot", "testbed"]


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


TEST_POSTGRES = "QUIZBOT_TEST_POSTGRES"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """The admin URL of the suite's PostgreSQL: QUIZBOT_TEST_POSTGRES, or a throw-away server started here.

    Without QUIZBOT_TEST_POSTGRES the server comes from Debian's binaries and is stopped at the end (by a
    guard process if pytest itself is killed). With neither, every test that needs PostgreSQL fails with
    one line saying what to do: a missing database must never pass as a skipped test.
    """
    configured = os.environ.get(TEST_POSTGRES)
    if configured:
        _fail_unless_it_answers(configured)
        yield configured
        return
    try:
        server = postgres_server.start()
    except postgres_server.PostgresUnavailableError as problem:
        reason = str(problem)
    else:
        reason = ""
    if reason:
        # Outside the except block: the report then shows the one line, not the exception it replaced.
        pytest.fail(reason, pytrace=False)
    guard = postgres_server.stop_when_owner_exits(server)
    try:
        yield server.url
    finally:
        server.stop()
        if guard.stdin is not None:
            guard.stdin.close()
        guard.wait(timeout=60)


def _fail_unless_it_answers(url: str) -> None:
    async def ask() -> None:
        connection = await asyncpg.connect(url, timeout=10)
        await connection.close()

    try:
        _run_outside_the_tests_loops(ask())
    except (TimeoutError, OSError, asyncpg.PostgresError) as problem:
        reason = " ".join(str(problem).split()) or type(problem).__name__
    else:
        return
    parts = urlsplit(url)
    # The URL without its user and password: this line lands in CI logs.
    where = parts._replace(netloc=f"{parts.hostname}:{parts.port or 5432}").geturl()
    pytest.fail(f"{TEST_POSTGRES} ({where}) does not answer: {reason}", pytrace=False)


def _run_outside_the_tests_loops(work: Coroutine[Any, Any, None]) -> None:
    # A private loop, never installed as the current one: pytest-asyncio owns that one for each test.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(work)
    finally:
        loop.close()


@pytest.fixture(scope="session")
def postgres_database_factory(postgres_server_url: str) -> Iterator[PostgresDatabases]:
    """Makes databases on the suite's server: `await create()` for an empty one; for many with the same
    content, `await template("migrated", fill)` once (fill(url) runs on the first call only) and then
    `await create(template="migrated")` per test. Everything it made is dropped at the session's end."""
    databases = PostgresDatabases(postgres_server_url)
    yield databases
    _run_outside_the_tests_loops(databases.drop_all())


@pytest.fixture
async def fresh_postgres_url(postgres_database_factory: PostgresDatabases) -> AsyncIterator[str]:
    """The URL of an empty database of its own for one test, dropped (WITH FORCE) afterwards."""
    url = await postgres_database_factory.create()
    yield url
    await postgres_database_factory.drop(url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(spec_summary())
