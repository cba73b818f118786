"""The test bed shards like Discord: IDENTIFY's [shard_id, num_shards], guilds by (guild_id >> 22) % num_shards,
each guild's events and interactions on its shard's session only, and GET /gateway/bot as documented."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from discord.ext import commands

from bot.settings import Settings
from tests.discord_testbed import TestBed
from tests.discord_testbed.gateway import GatewaySession
from tests.discord_testbed.minimal_bot import ShardedMinimalBot
from tests.discord_testbed.model import Guild
from tests.discord_testbed.runner import InProcessBot


def events(session: GatewaySession, name: str) -> list[dict[str, Any]]:
    return [frame["d"] for frame in session.sent if frame.get("t") == name]


def session_on(tb: TestBed, shard: tuple[int, int]) -> GatewaySession:
    (found,) = [s for s in tb.gateway.live_sessions() if s.shard == shard]
    return found


@pytest.fixture
async def start_bot(testbed: TestBed, bot_settings: Settings) -> AsyncIterator[Callable[..., Any]]:
    """Start a ShardedMinimalBot in this loop with the given shard arguments; all are stopped afterwards."""
    runners: list[InProcessBot] = []

    async def start(**shards: Any) -> commands.Bot:
        runner = InProcessBot(testbed, lambda settings: ShardedMinimalBot(settings, **shards), bot_settings)
        runners.append(runner)
        return await runner.start()

    yield start
    for runner in runners:
        await runner.stop()


def two_shard_world(tb: TestBed) -> tuple[Guild, Guild]:
    return tb.add_guild("on shard 0", shard=(0, 2)), tb.add_guild("on shard 1", shard=(1, 2))


async def test_guilds_land_on_the_shard_discords_formula_names(testbed: TestBed) -> None:
    for count in (1, 2, 3, 8):
        for shard_id in range(count):
            guild = testbed.add_guild(shard=(shard_id, count))
            assert (guild.id >> 22) % count == shard_id == testbed.shard_of(guild, count)


async def test_one_client_holding_both_shards_gets_every_guild_each_on_its_own_session(
    testbed: TestBed, start_bot: Callable[..., Any]
) -> None:
    on_zero, on_one = two_shard_world(testbed)
    alice = testbed.add_member(on_one, name="alice")

    bot = await start_bot(shard_ids=[0, 1], shard_count=2)

    zero, one = session_on(testbed, (0, 2)), session_on(testbed, (1, 2))
    assert testbed.gateway.identifies == 2
    assert events(zero, "READY")[0]["shard"] == [0, 2] and events(one, "READY")[0]["shard"] == [1, 2]
    ready_zero = {int(g["id"]) for g in events(zero, "READY")[0]["guilds"]}
    ready_one = {int(g["id"]) for g in events(one, "READY")[0]["guilds"]}
    assert on_zero.id in ready_zero and on_one.id in ready_one and not ready_zero & ready_one
    assert ready_zero | ready_one == set(testbed.guilds)
    assert {int(g["id"]) for g in events(one, "GUILD_CREATE")} == ready_one
    assert {g.id for g in bot.guilds} == set(testbed.guilds)
    found = bot.get_guild(on_one.id)
    assert found is not None and found.shard_id == 1

    channel = next(iter(on_one.channels.values()))
    hello = await testbed.slash("hello", {"name": "shard one"}, user=alice, channel=channel)

    assert hello.message is not None and hello.message.content == "Hello, shard one!"
    assert [int(i["guild_id"]) for i in events(one, "INTERACTION_CREATE")] == [on_one.id]
    assert events(zero, "INTERACTION_CREATE") == []


async def test_two_clients_holding_different_shards_each_hear_only_their_guilds(
    testbed: TestBed, start_bot: Callable[..., Any]
) -> None:
    on_zero, on_one = two_shard_world(testbed)
    alice = testbed.add_member(on_zero, name="alice")
    bob = testbed.add_member(on_one, name="bob")

    first = await start_bot(shard_ids=[0], shard_count=2)
    second = await start_bot(shard_ids=[1], shard_count=2)

    assert {testbed.shard_of(testbed.guilds[g.id]) for g in first.guilds} == {0}
    assert {testbed.shard_of(testbed.guilds[g.id]) for g in second.guilds} == {1}
    assert first.get_guild(on_one.id) is None and second.get_guild(on_zero.id) is None
    zero, one = session_on(testbed, (0, 2)), session_on(testbed, (1, 2))

    hi_zero = await testbed.slash("hello", {"name": "zero"}, user=alice, channel=next(iter(on_zero.channels.values())))
    hi_one = await testbed.slash("hello", {"name": "one"}, user=bob, channel=next(iter(on_one.channels.values())))
    quiz = testbed.add_channel(on_one, "quiz")

    assert hi_zero.message is not None and hi_zero.message.content == "Hello, zero!"
    assert hi_one.message is not None and hi_one.message.content == "Hello, one!"
    assert [int(i["guild_id"]) for i in events(zero, "INTERACTION_CREATE")] == [on_zero.id]
    assert [int(i["guild_id"]) for i in events(one, "INTERACTION_CREATE")] == [on_one.id]
    assert [int(c["id"]) for c in events(one, "CHANNEL_CREATE")] == [quiz.id]
    assert events(zero, "CHANNEL_CREATE") == []
    await testbed.wait_until(lambda: second.get_channel(quiz.id) is not None, what="the channel on shard 1")
    assert first.get_channel(quiz.id) is None
    click = await testbed.click(hi_one.message, "Press me", user=bob)
    assert click.ephemeral and click.message is not None and click.message.content == "You pressed it, bob."


async def test_a_guild_whose_shard_nobody_holds_gets_no_interaction(
    testbed: TestBed, start_bot: Callable[..., Any]
) -> None:
    _, on_one = two_shard_world(testbed)
    bob = testbed.add_member(on_one, name="bob")
    await start_bot(shard_ids=[0], shard_count=2)

    with pytest.raises(AssertionError, match=r"no connected session holds the shard of on shard 1"):
        await testbed.slash("hello", {}, user=bob, channel=next(iter(on_one.channels.values())))


async def test_gateway_bot_recommends_shards_and_counts_session_starts(
    testbed: TestBed, start_bot: Callable[..., Any]
) -> None:
    testbed.recommended_shards = 3
    two_shard_world(testbed)

    bot = await start_bot()  # no count: discord.py asks GET /gateway/bot how many

    assert sorted(s.shard for s in testbed.gateway.live_sessions()) == [(0, 3), (1, 3), (2, 3)]
    assert bot.shard_count == 3 and {g.id for g in bot.guilds} == set(testbed.guilds)
    assert isinstance(bot, commands.AutoShardedBot)
    limits = await bot.fetch_session_start_limits()
    assert (limits.total, limits.remaining, limits.reset_after, limits.max_concurrency) == (1000, 997, 86_400_000, 1)
    assert testbed.calls("GET", "/gateway/bot")


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2]])
async def test_identify_with_a_shard_that_does_not_exist_is_closed_4010(testbed: TestBed, shard: list[int]) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(testbed.gateway_url) as ws:
        hello = json.loads((await ws.receive()).data)
        assert hello["op"] == 10
        await ws.send_str(json.dumps({"op": 2, "d": {"token": testbed.token, "intents": 1, "shard": shard}}))
        closing = await ws.receive()
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4010
    assert testbed.gateway.identifies == 0
