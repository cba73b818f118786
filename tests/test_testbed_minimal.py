"""The minimal cog test: a slash command that replies and a button that answers ephemerally, both ways."""

from __future__ import annotations

import pytest

from tests.discord_testbed import TestBed
from tests.discord_testbed.minimal_bot import create_minimal_bot
from tests.discord_testbed.runner import BotFactory, BotProcess


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_minimal_bot


@pytest.fixture
def bot_command() -> list[str]:
    import sys

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
