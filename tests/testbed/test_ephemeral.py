"""Ephemeral messages: buttons on them update them (7, or 6 + @original), and their token edits them for 15 min."""

from __future__ import annotations

import discord
import pytest
from discord.ext import commands

from tests.discord_testbed import Message, TestBed, User
from tests.discord_testbed.forms_bot import FormsBot, create_forms_bot
from tests.discord_testbed.runner import BotFactory


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_forms_bot


@pytest.fixture
def forms(running_bot: commands.Bot) -> FormsBot:
    assert isinstance(running_bot, FormsBot)
    return running_bot


async def _panel(tb: TestBed, user: User) -> Message:
    shown = await tb.slash("panel", user=user)
    assert shown.ephemeral and shown.message is not None
    return shown.message


def _message_events(tb: TestBed) -> list[str]:
    return [f["t"] for s in tb.gateway.live_sessions() for f in s.sent if str(f.get("t")).startswith("MESSAGE_")]


async def test_a_button_on_an_ephemeral_message_updates_it_in_place(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")
    panel = await _panel(testbed, alice)

    click = await testbed.click(panel, "Update", user=alice)

    assert click.response_type == 7 and click.ephemeral
    assert click.message is panel and panel.content == "updated" and panel.edits == 1
    assert testbed.ephemerals(alice) == [panel] and testbed.ephemerals(bob) == []
    assert panel not in testbed.visible_messages(testbed.general, user=bob)
    assert _message_events(testbed) == [], "Discord sends no gateway events for ephemeral messages"
    with pytest.raises(AssertionError, match="cannot see ephemeral"):
        await testbed.click(panel, "Update", user=bob)


async def test_a_deferred_click_edits_the_ephemeral_message_through_original(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    panel = await _panel(testbed, alice)

    click = await testbed.click(panel, "Later", user=alice)

    assert click.response_type == 6 and click.message is panel
    await testbed.wait_until(lambda: panel.content == "edited later", what="the PATCH of @original")
    [edit] = testbed.calls("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
    assert edit.status == 200 and panel.ephemeral


async def test_the_commands_token_edits_its_ephemeral_reply_for_15_minutes(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    panel = await _panel(testbed, alice)
    assert forms.panel_interaction is not None

    note = await forms.panel_interaction.followup.send("note", ephemeral=True, wait=True)

    testbed.advance(14 * 60)
    edited = await forms.panel_interaction.edit_original_response(content="still mine")
    await note.edit(content="note, edited")
    assert panel.content == "still mine" and edited.flags.ephemeral
    assert [m.content for m in testbed.ephemerals(alice)] == ["still mine", "note, edited"]

    testbed.advance(61)
    with pytest.raises(discord.HTTPException) as err:
        await forms.panel_interaction.edit_original_response(content="too late")
    assert (err.value.status, err.value.code) == (401, 50027)
    assert [v.kind for v in testbed.take_violations()] == ["expired-token"]
    click = await testbed.click(panel, "Update", user=alice)  # a click brings a fresh token
    assert click.response_type == 7 and panel.content == "updated"


async def test_an_ephemeral_message_is_unknown_to_the_channel_routes(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    panel = await _panel(testbed, alice)
    message = forms.get_partial_messageable(testbed.general.id).get_partial_message(panel.id)

    with pytest.raises(discord.NotFound) as err:
        await message.edit(content="via the channel")

    assert err.value.code == 10008 and panel.content == "panel"
