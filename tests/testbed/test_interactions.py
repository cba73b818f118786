"""discord.py's interaction features work through the test bed, and its Discord-like failures show up."""

from __future__ import annotations

import discord
import pytest
from discord.ext import commands

from tests.discord_testbed import Permission, TestBed
from tests.discord_testbed.probe_bot import ProbeBot, create_probe_bot
from tests.discord_testbed.runner import BotFactory


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_probe_bot


@pytest.fixture
def probe(running_bot: commands.Bot) -> ProbeBot:
    assert isinstance(running_bot, ProbeBot)
    return running_bot


async def test_every_option_type_arrives_with_resolved_data(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")
    quiz = testbed.add_channel(name="quiz")
    role = testbed.add_role(name="students")

    echo = await testbed.slash(
        "echo",
        {"text": "ab", "times": 2, "loud": True, "ratio": 0.5, "who": bob, "where": quiz, "role": role},
        user=alice,
    )

    assert echo.message is not None
    assert echo.message.content == "abab|True|0.5|bob|quiz|students"
    sent = echo.interaction.payload["data"]["options"]
    assert {o["name"]: o["type"] for o in sent}["who"] == 6


async def test_options_the_command_does_not_declare_are_refused(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    with pytest.raises(AssertionError, match="declares no option"):
        await testbed.slash("echo", {"text": "a", "colour": "red"}, user=alice)
    with pytest.raises(AssertionError, match="requires"):
        await testbed.slash("echo", {}, user=alice)


async def test_subcommands_are_nested_like_discord_does(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    result = await testbed.slash("daily set", {"hour": 7}, user=alice)

    assert result.message is not None and result.message.content == "hour=7"
    assert result.interaction.payload["data"]["options"] == [
        {"name": "set", "type": 1, "options": [{"name": "hour", "type": 4, "value": 7}]}
    ]


async def test_defer_with_thinking_then_followups(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    result = await testbed.slash("think", user=alice)

    assert result.response_type == 5
    final = await result.wait_final()
    assert final.content == "done" and final.ephemeral
    await testbed.wait_until(lambda: result.followups, what="the second followup")
    assert [m.content for m in result.followups] == ["and one more"]
    assert [m.content for m in testbed.ephemerals(alice)] == ["done", "and one more"]
    assert testbed.visible_messages(testbed.general) == []


async def test_edit_original_response_replaces_the_placeholder(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    result = await testbed.slash("later", user=alice)

    assert (await result.wait_final()).content == "edited"
    assert testbed.calls("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")


async def test_view_buttons_update_the_message_and_disable_themselves(
    testbed: TestBed, probe: ProbeBot
) -> None:
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")
    vote = await testbed.slash("vote", user=alice)
    assert vote.message is not None
    assert [(b.label, b.disabled) for b in vote.message.buttons] == [
        ("A", False),
        ("B", False),
        ("Count", False),
    ]

    click = await testbed.click(vote.message, "B", user=bob)

    assert click.response_type == 7
    assert vote.message.content == "B chosen by bob"
    assert all(b.disabled for b in vote.message.buttons)
    with pytest.raises(AssertionError, match="disabled"):
        await testbed.click(vote.message, "A", user=alice)


async def test_deferred_click_then_channel_message_edit(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    vote = await testbed.slash("vote", user=alice)
    assert vote.message is not None

    click = await testbed.click(vote.message, custom_id="vote:count", user=alice)

    assert click.response_type == 6
    await testbed.wait_until(lambda: vote.message.content == "counted", what="the channel message edit")
    assert testbed.calls("PATCH", "/channels/{channel_id}/messages/{message_id}")


async def test_channel_messages_are_created_and_edited(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    result = await testbed.slash("post", user=alice)

    assert result.message is not None and result.message.content == "ok"
    posted = await testbed.wait_for_message(testbed.general, lambda m: m.content == "posted")
    assert posted.embed is not None and posted.embed["title"] == "Quiz"
    assert posted.edits == 1


async def test_uploads_keep_their_bytes(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    result = await testbed.slash("upload", user=alice)

    assert result.message is not None
    assert [a["filename"] for a in result.message.attachments] == ["notes.txt"]
    assert result.message.files == {"notes.txt": b"hello"}


async def test_autocomplete_returns_the_bots_choices(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    choices = await testbed.autocomplete("pick", {"topic": "da"}, focused="topic", user=alice)

    assert [c["value"] for c in choices] == ["day1", "day2", "day48"]


async def test_modal_is_shown(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    result = await testbed.slash("ask", user=alice)

    assert result.response_type == 9
    assert result.modal is not None and result.modal["title"] == "Your answer"


async def test_answering_after_three_seconds_is_unknown_interaction(
    testbed: TestBed, probe: ProbeBot
) -> None:
    alice = testbed.add_member(name="alice")
    await testbed.slash("slow", user=alice, wait=False)
    await probe.entered.wait()

    testbed.advance(3.1)
    probe.gate.set()

    await testbed.wait_until(lambda: probe.errors, what="the bot's late answer")
    assert [(e.status, e.code) for e in probe.errors] == [(404, 10062)]
    assert [v.kind for v in testbed.take_violations()] == ["late-response"]


async def test_answering_twice_is_already_acknowledged(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    await testbed.slash("twice", user=alice)

    await testbed.wait_until(lambda: probe.errors, what="the second answer to fail")
    assert [(e.status, e.code) for e in probe.errors] == [(400, 40060)]
    assert [v.kind for v in testbed.take_violations()] == ["double-ack"]


async def test_followups_expire_after_fifteen_minutes(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    await testbed.slash("slowfollow", user=alice)
    await probe.entered.wait()

    testbed.advance(15 * 60 + 1)
    probe.gate.set()

    await testbed.wait_until(lambda: probe.errors, what="the expired followup")
    assert [(e.status, e.code) for e in probe.errors] == [(401, 50027)]
    assert [v.kind for v in testbed.take_violations()] == ["expired-token"]


async def test_content_over_the_limit_is_invalid_form_body(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")

    result = await testbed.slash("big", user=alice)

    assert result.message is not None and result.message.content == "failed: 400 50035"
    violation = testbed.take_violations("limits")[0]
    assert [path for path, _ in violation.problems] == ["data.content"]
    assert len(violation.body["data"]["content"]) == 2001


async def test_missing_permissions_are_forbidden(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    testbed.deny(testbed.general, Permission.EMBED_LINKS)

    result = await testbed.slash("post", user=alice)
    assert result.message is not None and result.message.content == "failed: 403 50013"

    testbed.allow(testbed.general, Permission.EMBED_LINKS)
    testbed.deny(testbed.general, Permission.SEND_MESSAGES)
    result = await testbed.slash("post", user=alice)
    assert result.message is not None and result.message.content == "failed: 403 50013"
    assert testbed.violations == []


async def test_a_moderator_deleting_a_message_makes_edits_unknown(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    await testbed.slash("post", user=alice)
    posted = await testbed.wait_for_message(testbed.general, lambda m: m.content == "posted")

    testbed.moderator_delete(posted)
    result = await testbed.slash("touch", user=alice)

    assert result.message is not None and result.message.content == "failed: 404 10008"
    assert posted not in testbed.visible_messages(testbed.general)


async def test_a_429_is_retried_after_retry_after(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    route = "/channels/{channel_id}/messages"
    testbed.force_429("POST", route, retry_after=0.05)

    result = await testbed.slash("post", user=alice)

    assert result.message is not None and result.message.content == "ok"
    attempts = testbed.calls("POST", route)
    assert [r.status for r in attempts] == [429, 200]
    assert testbed.rate_limited == attempts[:1]
    assert attempts[1].at - attempts[0].at >= 0.05


async def test_route_limits_throttle_the_bot_without_losing_edits(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    route = "/channels/{channel_id}/messages/{message_id}"
    testbed.limit_route("PATCH", route, limit=1, per=0.1)
    await testbed.slash("post", user=alice)
    posted = await testbed.wait_for_message(testbed.general, lambda m: m.content == "posted")

    await testbed.slash("touch", user=alice)

    assert posted.content == "touched"
    edits = [r for r in testbed.calls("PATCH", route) if r.status == 200]
    assert len(edits) == 2
    assert edits[1].at - edits[0].at >= 0.09, "discord.py must wait for the bucket to reset"


async def test_command_sync_is_counted_and_validated(testbed: TestBed, probe: ProbeBot) -> None:
    assert testbed.sync_calls == [], "commands were preloaded, not synced"

    await probe.tree.sync()
    assert testbed.sync_calls == [("PUT", None)]
    assert {c["name"] for c in testbed.commands[None]} >= {"echo", "daily", "vote"}

    bad = {"name": "Bad Name", "description": "x" * 101, "type": 1}
    with pytest.raises(discord.HTTPException) as err:
        await probe.http.bulk_upsert_global_commands(testbed.application_id, [bad])
    assert err.value.code == 50035
    problems = dict(testbed.take_violations("limits")[0].problems)
    assert set(problems) == {"0.name", "0.description"}


async def test_text_that_could_ping_is_a_violation_when_pings_are_forbidden(
    testbed: TestBed, probe: ProbeBot
) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")

    await testbed.slash("echo", {"text": "quiet"}, user=alice)
    assert testbed.violations == [], "echo sends allowed_mentions none"

    await testbed.slash("vote", user=alice, wait=False)
    await testbed.wait_until(lambda: testbed.violations, what="the ping violation")
    [violation] = testbed.take_violations("pings")
    assert violation.problems[0][0] == "data.allowed_mentions"


async def test_a_thread_takes_its_parents_permissions_and_send_messages_in_threads(
    testbed: TestBed, probe: ProbeBot
) -> None:
    alice = testbed.add_member(name="alice")
    thread = testbed.add_thread(testbed.general, name="week 1")
    await testbed.wait_until(lambda: probe.get_channel(thread.id), what="the bot to see the thread")

    testbed.deny(testbed.general, Permission.SEND_MESSAGES)  # only the parent: a thread needs its own bit
    result = await testbed.slash("post", user=alice, channel=thread)
    assert result.message is not None and result.message.content == "ok"
    assert result.interaction.payload["channel"]["parent_id"] == str(testbed.general.id)
    posted = await testbed.wait_for_message(thread, lambda m: m.content == "posted")
    assert posted not in testbed.visible_messages(testbed.general)

    testbed.deny(testbed.general, Permission.SEND_MESSAGES_IN_THREADS)
    result = await testbed.slash("post", user=alice, channel=thread)
    assert result.message is not None and result.message.content == "failed: 403 50013"
    assert not int(result.interaction.payload["app_permissions"]) & Permission.SEND_MESSAGES_IN_THREADS
    with pytest.raises(AssertionError, match="no overwrites"):
        testbed.deny(thread, Permission.SEND_MESSAGES_IN_THREADS)


async def test_a_deleted_channel_is_gone_for_the_bot_and_unknown_to_rest(testbed: TestBed, probe: ProbeBot) -> None:
    alice = testbed.add_member(name="alice")
    quiz = testbed.add_channel(name="quiz")
    thread = testbed.add_thread(quiz, name="week 1")
    await testbed.wait_until(lambda: probe.get_channel(thread.id), what="the bot to see the thread")
    await testbed.slash("post", user=alice, channel=quiz)
    posted = await testbed.wait_for_message(quiz, lambda m: m.content == "posted")

    testbed.delete_channel(quiz)

    await testbed.wait_until(lambda: probe.get_channel(quiz.id) is None, what="the bot to drop the channel")
    assert probe.get_channel(thread.id) is None  # its threads go with it
    assert testbed.visible_messages(quiz) == [] and posted.deleted
    touched = await testbed.slash("touch", user=alice)
    assert touched.message is not None and touched.message.content == "failed: 404 10003"
    with pytest.raises(discord.NotFound) as sent:
        await probe.get_partial_messageable(quiz.id).send("anyone there?")
    assert sent.value.code == 10003
    with pytest.raises(AssertionError, match="deleted"):
        await testbed.slash("post", user=alice, channel=quiz)
    assert testbed.violations == []
