"""The test bed speaks Discord's gateway and REST protocol the way discord.py 2.7 expects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest
from discord.ext import commands

from bot.discord_endpoints import point_discord_at
from tests.discord_testbed import FAKE_TOKEN, TestBed
from tests.discord_testbed.openapi import spec_path
from tests.discord_testbed.probe_bot import create_probe_bot
from tests.discord_testbed.runner import BotFactory, InProcessBot, settings_for


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_probe_bot


async def test_handshake_logs_in_identifies_and_delivers_guilds(
    testbed: TestBed, running_bot: commands.Bot
) -> None:
    login = [(r.method, r.route) for r in testbed.requests[:2]]
    assert login == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert running_bot.application_id == testbed.application_id
    assert running_bot.user is not None and running_bot.user.id == testbed.bot_user.id
    guild = running_bot.get_guild(testbed.guild.id)
    assert guild is not None and [c.name for c in guild.text_channels] == ["general"]
    session = testbed.gateway.live_sessions()[0]
    ready = session.sent[0]
    assert ready["t"] == "READY" and ready["d"]["resume_gateway_url"] == testbed.gateway_url
    assert testbed.gateway.identifies == 1


async def test_heartbeats_are_acknowledged(testbed: TestBed, tmp_path: Path) -> None:
    testbed.gateway.heartbeat_interval_ms = 20
    runner = InProcessBot(testbed, create_probe_bot, settings_for(testbed, tmp_path))
    bot = await runner.start()
    try:
        await testbed.wait_until(lambda: testbed.heartbeats >= 3, what="three heartbeats")
        assert bot.latency < 1.0, "discord.py measures latency from our HEARTBEAT_ACKs"
    finally:
        await runner.stop()


async def test_reconnect_request_resumes_the_session_and_replays_missed_events(
    testbed: TestBed, running_bot: commands.Bot
) -> None:
    session = testbed.gateway.live_sessions()[0]

    testbed.gateway.request_reconnect(session)
    quiz = testbed.add_channel(name="quiz")

    await testbed.wait_until(lambda: session.resumes == 1 and session.live, what="a RESUME")
    await testbed.wait_until(lambda: running_bot.get_channel(quiz.id), what="the bot to see the new channel")
    assert testbed.gateway.identifies == 1
    alice = testbed.add_member(name="alice")
    echo = await testbed.slash("echo", {"text": "still here"}, user=alice, channel=quiz)
    assert echo.message is not None and echo.message.content == "still here|False|None|-|-|-"


async def test_guilds_added_later_arrive_as_guild_create(testbed: TestBed, running_bot: commands.Bot) -> None:
    second = testbed.add_guild("Second Guild", channels=["lobby", "quiz"])

    guild = await testbed.wait_until(lambda: running_bot.get_guild(second.id), what="GUILD_CREATE")

    assert [c.name for c in guild.text_channels] == ["lobby", "quiz"]


async def test_enforced_nonce_returns_the_existing_message(
    testbed: TestBed, running_bot: commands.Bot
) -> None:
    channel = running_bot.get_channel(testbed.general.id)
    assert isinstance(channel, discord.TextChannel)

    first = await channel.send("daily question", nonce="daily-2026-11-29")
    again = await channel.send("daily question", nonce="daily-2026-11-29")

    assert first.id == again.id
    assert len(testbed.visible_messages(testbed.general)) == 1


async def test_a_wrong_token_fails_login(testbed: TestBed) -> None:
    point_discord_at(testbed.api_base, testbed.gateway_url)
    client = discord.Client(intents=discord.Intents.none())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login(FAKE_TOKEN + "-wrong")
    finally:
        await client.close()


async def test_privileged_intents_not_granted_close_the_gateway_with_4014(
    testbed: TestBed, tmp_path: Path
) -> None:
    def greedy(settings: object) -> commands.Bot:
        return commands.Bot(command_prefix="!", intents=discord.Intents.all())

    runner = InProcessBot(testbed, greedy, settings_for(testbed, tmp_path))
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await runner.start()
    finally:
        await runner.stop()


async def test_routes_the_test_bed_lacks_are_reported(testbed: TestBed, running_bot: commands.Bot) -> None:
    route = discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=testbed.guild.id)

    with pytest.raises(discord.NotFound):
        await running_bot.http.request(route)

    assert [(v.kind, v.route) for v in testbed.take_violations()] == [
        ("unsupported-route", f"/guilds/{testbed.guild.id}/bans")
    ]


async def test_bodies_are_checked_against_the_openapi_spec_when_present(
    testbed: TestBed, running_bot: commands.Bot
) -> None:
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=testbed.general.id)
    body = {"content": "hello", "tts": "yes please"}

    if testbed.spec is None:
        assert not spec_path().is_file()
        await running_bot.http.request(route, json=body)
        assert testbed.violations == []
        return
    with pytest.raises(discord.HTTPException) as err:
        await running_bot.http.request(route, json=body)
    assert err.value.code == 50035
    [violation] = testbed.take_violations("openapi")
    assert violation.problems[0][0] == "tts"


async def test_starting_a_bot_costs_well_under_a_second(testbed: TestBed, tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    runner = InProcessBot(testbed, create_probe_bot, settings_for(testbed, tmp_path))
    started = loop.time()
    await runner.start()
    elapsed = loop.time() - started
    await runner.stop()
    assert elapsed < 1.0, f"starting the bot against the test bed took {elapsed:.3f}s"


async def test_message_events_reach_a_bot_with_the_guild_messages_intent(
    testbed: TestBed, tmp_path: Path
) -> None:
    deleted: list[int] = []

    def listening(settings: object) -> commands.Bot:
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

        @bot.event
        async def on_raw_message_delete(payload: discord.RawMessageDeleteEvent) -> None:
            deleted.append(payload.message_id)

        return bot

    runner = InProcessBot(testbed, listening, settings_for(testbed, tmp_path))
    bot = await runner.start()
    try:
        channel = bot.get_channel(testbed.general.id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("question 1")
        await sent.edit(content="question 1 (closed)")
        await testbed.wait_until(
            lambda: [m.content for m in bot.cached_messages] == ["question 1 (closed)"], what="MESSAGE_UPDATE"
        )

        testbed.moderator_delete(testbed.messages[sent.id])

        await testbed.wait_until(lambda: deleted, what="MESSAGE_DELETE")
        assert deleted == [sent.id]
    finally:
        await runner.stop()


async def test_threads_arrive_in_guild_create_or_with_thread_create(testbed: TestBed, tmp_path: Path) -> None:
    early = testbed.add_thread(testbed.general, name="before the bot")
    runner = InProcessBot(testbed, create_probe_bot, settings_for(testbed, tmp_path))
    bot = await runner.start()
    try:
        late = testbed.add_thread(testbed.general, name="after the bot")
        await testbed.wait_until(lambda: bot.get_channel(late.id), what="the bot to see the new thread")
        for thread in (early, late):
            seen = bot.get_channel(thread.id)
            assert isinstance(seen, discord.Thread) and seen.type is discord.ChannelType.public_thread
            assert seen.parent_id == testbed.general.id and seen.name == thread.name
        guild = bot.get_guild(testbed.guild.id)
        assert guild is not None and [c.name for c in guild.text_channels] == ["general"]
    finally:
        await runner.stop()
