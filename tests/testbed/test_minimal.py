"""The minimal cog test: a slash command that replies and a button that answers ephemerally, both ways."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.discord_testbed import TestBed
from tests.discord_testbed.minimal_bot import create_minimal_bot, create_never_syncing_bot
from tests.discord_testbed.runner import BotFactory, BotProcess


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_minimal_bot


@pytest.fixture
def bot_command() -> list[str]:
    return [sys.executable, "-m", "tests.discord_testbed.minimal_bot"]


async def test_slash_replies_and_button_answers_ephemerally_in_process(testbed: TestBed, running_bot) -> None:
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")

    hello = await testbed.slash("hello", {"name": "study group"}, user=alice)

    assert hello.response_type == 4
    assert hello.message is not None and hello.message.content == "Hello, study group!"
    assert not hello.ephemeral
    click = await testbed.click(hello.message, "Press me", user=bob)
    assert click.response_type == 4
    assert click.ephemeral
    assert testbed.last_ephemeral(bob) is click.message
    assert click.message.content == "You pressed it, bob."
    assert click.message not in testbed.visible_messages(testbed.general, user=alice)
    assert click.message in testbed.visible_messages(testbed.general, user=bob)


async def test_slash_replies_and_button_answers_ephemerally_in_a_process(
    testbed: TestBed, bot_process: BotProcess
) -> None:
    alice = testbed.add_member(name="alice")
    hello = await testbed.slash("hello", {}, user=alice)
    assert hello.message is not None and hello.message.content == "Hello, world!"

    await bot_process.kill9()
    await bot_process.restart()

    click = await testbed.click(hello.message, "Press me", user=alice)
    assert click.ephemeral and click.message.content == "You pressed it, alice."
    assert testbed.gateway.identifies == 2
    assert len(testbed.sync_calls) == 1, "a restart with unchanged commands must not re-sync"


async def test_concurrent_clicks_each_get_their_own_ephemeral_answer(testbed: TestBed, running_bot) -> None:
    members = [testbed.add_member(name=f"member{i}") for i in range(25)]
    hello = await testbed.slash("hello", {}, user=members[0])
    assert hello.message is not None

    clicks = await asyncio.gather(*(testbed.click(hello.message, "Press me", user=m) for m in members))

    assert all(c.ephemeral for c in clicks)
    for member in members:
        assert [m.content for m in testbed.ephemerals(member)] == [f"You pressed it, {member.name}."]


async def test_a_process_that_never_syncs_finds_its_commands_registered(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "tests.discord_testbed.minimal_bot", "--no-sync"]
    proc = BotProcess(testbed, command, bot_settings, tmp_path / "bot.log", create_never_syncing_bot)
    await proc.start()
    try:
        await proc.wait_connected()
        hello = await testbed.slash("hello", {}, user=testbed.add_member(name="alice"))
    finally:
        await proc.stop()

    assert hello.message is not None and hello.message.content == "Hello, world!"
    assert testbed.sync_calls == []
