"""Direct messages: the bot opens a DM channel and writes there; a member with DMs closed gets none (403 50007)."""

from __future__ import annotations

import pytest
from discord.ext import commands

from tests.discord_testbed import TestBed
from tests.discord_testbed.forms_bot import create_forms_bot
from tests.discord_testbed.gateway import DIRECT_MESSAGES_INTENT
from tests.discord_testbed.model import Member
from tests.discord_testbed.runner import BotFactory


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_forms_bot


async def test_a_dm_reaches_the_member_and_only_them(testbed: TestBed, running_bot: commands.Bot) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")

    first = await testbed.slash("dm", {"text": "hello @everyone"}, user=alice)
    again = await testbed.slash("dm", {"text": "again"}, user=alice)

    assert first.message is not None and first.message.content.endswith(" in private")
    assert [m.content for m in testbed.dms(alice)] == ["hello @everyone", "again"]
    assert testbed.dms(bob) == [] and len(testbed.dm_channels) == 1  # one channel per member, handed out again
    assert [r.status for r in testbed.calls("POST", "/users/@me/channels")] == [200]  # discord.py keeps it
    (dm,) = testbed.dm_channels.values()
    assert dm.recipient is alice and all(m.guild_id is None for m in testbed.dms(alice))
    assert again.message is not None and again.message.content.startswith("sent ")
    assert testbed.visible_messages(testbed.general) == []  # nothing public in the server
    intents = [s.intents for s in testbed.gateway.live_sessions()]
    sent_events = [f["t"] for s in testbed.gateway.live_sessions() for f in s.sent]
    assert not any(i & DIRECT_MESSAGES_INTENT for i in intents) and "MESSAGE_CREATE" not in sent_events


async def test_a_member_with_dms_closed_gets_no_dm(testbed: TestBed, running_bot: commands.Bot) -> None:
    carol = testbed.add_member(name="carol")
    testbed.close_dms(carol)

    refused = await testbed.slash("dm", {"text": "psst"}, user=carol)

    assert refused.message is not None and refused.message.content == "not sent: 403 50007"
    assert testbed.dms(carol) == []
    [send] = testbed.calls("POST", "/channels/{channel_id}/messages")
    assert send.status == 403 and testbed.violations == []  # a 403 is for the bot to cope with, not a bug


async def test_a_member_who_left_every_shared_server_gets_no_dm(testbed: TestBed, running_bot: commands.Bot) -> None:
    dave = testbed.add_member(name="dave")
    testbed.dm_channel(dave)  # opened while dave was still in the server
    del testbed.guild.members[dave.id]

    assert not testbed.may_dm(dave)  # Discord: 50007 for a user who shares no server with the bot
    other = testbed.add_guild("Other")
    other.members[dave.id] = Member(dave)
    assert testbed.may_dm(dave)
