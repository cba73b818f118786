"""Pytest fixtures for the test bed (loaded from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord.ext import commands

from bot.settings import Settings
from tests.discord_testbed.openapi import load_spec_checker, spec_path
from tests.discord_testbed.runner import (
    BotFactory,
    BotProcess,
    InProcessBot,
    default_bot_command,
    default_bot_factory,
    settings_for,
)
from tests.discord_testbed.testbed import TestBed


@pytest.fixture
async def testbed() -> AsyncIterator[TestBed]:
    """A fresh offline Discord; fails the test if the bot sent anything Discord would refuse."""
    async with TestBed() as tb:
        yield tb
    if tb.violations:
        listing = "\n".join(f"  {v}" for v in tb.violations)
        pytest.fail(
            f"the bot sent {len(tb.violations)} request(s) Discord would refuse:\n{listing}", pytrace=False
        )


@pytest.fixture
def bot_factory() -> BotFactory:
    """Override in a test module to run another bot: `def bot_factory(): return my_factory`."""
    return default_bot_factory()


@pytest.fixture
def bot_settings(testbed: TestBed, tmp_path: Path) -> Settings:
    return settings_for(testbed, tmp_path)


@pytest.fixture
async def running_bot(
    testbed: TestBed, bot_factory: BotFactory, bot_settings: Settings
) -> AsyncIterator[commands.Bot]:
    """The bot under test, in this test's event loop, connected and ready."""
    runner = InProcessBot(testbed, bot_factory, bot_settings)
    try:
        yield await runner.start()
    finally:
        await runner.stop()


@pytest.fixture
def bot_command() -> list[str]:
    """The process the `bot_process` fixture runs; override to run another entry point."""
    return default_bot_command()


@pytest.fixture
async def bot_process(
    testbed: TestBed, bot_command: list[str], bot_factory: BotFactory, bot_settings: Settings, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot as a separate process, connected; `kill9()`/`restart()` it, the test bed keeps its state.

    If the process registered no commands by the time it connected, those of `bot_factory`'s tree are
    preloaded, as if an admin had synced them earlier.
    """
    proc = BotProcess(testbed, bot_command, bot_settings, tmp_path / "bot-process.log", bot_factory)
    await proc.start()
    try:
        await proc.wait_connected()
        yield proc
    finally:
        await proc.stop()


def spec_summary() -> str:
    path = spec_path()
    if not path.is_file():
        return f"Discord OpenAPI schema check did NOT run: no spec at {path} (set QUIZBOT_DISCORD_SPEC)"
    if load_spec_checker.cache_info().currsize == 0:
        return "Discord OpenAPI schema check: no test bed was used in this run"
    checker = load_spec_checker(path)
    assert checker is not None
    return f"Discord OpenAPI schema check ran on {checker.checked} request bodies (spec: {checker.path})"
