"""The test bed's fault injection and nonce window, seen through the real discord.py client."""

from __future__ import annotations

import io

import aiohttp
import discord
import pytest
from discord.ext import commands

from tests.discord_testbed import TestBed
from tests.discord_testbed.probe_bot import ProbeBot, create_probe_bot
from tests.discord_testbed.runner import BotFactory

MESSAGES = "/channels/{channel_id}/messages"


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_probe_bot


@pytest.fixture
def channel(testbed: TestBed, running_bot: commands.Bot) -> discord.PartialMessageable:
    assert isinstance(running_bot, ProbeBot)
    return running_bot.get_partial_messageable(testbed.general.id, guild_id=testbed.guild.id)


def card() -> discord.File:
    return discord.File(io.BytesIO(b"\x89PNG not really"), filename="card.png")


async def test_a_refused_attachment_is_answered_like_discord_and_only_for_posts_with_files(
    testbed: TestBed, channel: discord.PartialMessageable
) -> None:
    fault = testbed.fail("POST", MESSAGES, status=400, files=True, times=2)

    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("with a card", file=card())
    assert (refused.value.status, refused.value.code, refused.value.text) == (400, 50035, "Invalid Form Body")
    plain = await channel.send("text alone")  # no attachment: the fault does not match
    assert plain.content == "text alone"
    with pytest.raises(discord.HTTPException):
        await channel.send("with a card again", file=card())
    with_card = await channel.send("the fault is spent", file=card())

    assert fault.spent and [r.status for r in fault.hits] == [400, 400]
    assert [m.content for m in testbed.visible_messages(testbed.general)] == ["text alone", "the fault is spent"]
    assert testbed.messages[with_card.id].files == {"card.png": b"\x89PNG not really"}
    assert [r.fault is fault for r in testbed.calls("POST", MESSAGES)] == [True, False, True, False]
    assert testbed.violations == [], "an injected refusal is not the bot's fault"


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [(403, discord.Forbidden, 50013), (413, discord.HTTPException, 40005), (503, discord.DiscordServerError, 0)],
)
async def test_each_status_comes_with_discords_error_code(
    testbed: TestBed, channel: discord.PartialMessageable, status: int, error: type[Exception], code: int
) -> None:
    testbed.fail("POST", MESSAGES, status=status)
    with pytest.raises(error) as raised:
        await channel.send("hello")
    assert isinstance(raised.value, discord.HTTPException)
    assert (raised.value.status, raised.value.code) == (status, code)
    assert testbed.visible_messages(testbed.general) == []


async def test_an_answer_lost_after_the_post_took_effect_is_deduplicated_by_its_nonce(
    testbed: TestBed, channel: discord.PartialMessageable
) -> None:
    testbed.fail("POST", MESSAGES, status=503, after=True)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("question 1", nonce="qz1q0")
    (posted,) = testbed.visible_messages(testbed.general)  # Discord did create it

    again = await channel.send("question 1", nonce="qz1q0")  # discord.py sends enforce_nonce with every nonce
    assert again.id == posted.id
    assert len(testbed.visible_messages(testbed.general)) == 1


async def test_a_nonce_is_remembered_for_a_few_minutes_only(
    testbed: TestBed, channel: discord.PartialMessageable
) -> None:
    first = await channel.send("reveal", nonce="r1")
    testbed.advance(testbed.nonce_ttl - 1)
    assert (await channel.send("reveal", nonce="r1")).id == first.id
    testbed.advance(2)
    later = await channel.send("reveal", nonce="r1")
    assert later.id != first.id
    assert len(testbed.visible_messages(testbed.general)) == 2


async def test_a_dropped_connection_is_a_network_error_before_or_after_the_work(
    testbed: TestBed, channel: discord.PartialMessageable
) -> None:
    testbed.drop_connection("POST", MESSAGES)
    with pytest.raises(aiohttp.ClientError):
        await channel.send("lost on the way in", nonce="n1")
    assert testbed.visible_messages(testbed.general) == []

    testbed.drop_connection("POST", MESSAGES, after=True)
    with pytest.raises(aiohttp.ClientError):
        await channel.send("lost on the way back", nonce="n2")
    (arrived,) = testbed.visible_messages(testbed.general)
    assert arrived.content == "lost on the way back"
    assert (await channel.send("lost on the way back", nonce="n2")).id == arrived.id


def test_a_fault_needs_an_error_status(testbed: TestBed) -> None:
    with pytest.raises(ValueError, match="error status"):
        testbed.fail("POST", MESSAGES, status=200)
    with pytest.raises(ValueError, match="force_429"):
        testbed.fail("POST", MESSAGES, status=429)
