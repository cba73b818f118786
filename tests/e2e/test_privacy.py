"""Issue 15 §5, /privacy end to end: hide from public boards, export my data, forget me."""

from __future__ import annotations

import json

from bot.app import QuizBot
from bot.settings import Settings
from tests.discord_testbed.runner import BotFactory
from tests.discord_testbed.testbed import TestBed
from tests.helpers import restart, seed_run

HIDE, SHOW = "Hide me from public boards", "Show me on public boards"
PRIVATE = "That member keeps their results private (/privacy): only they can see them."


async def test_a_hidden_member_is_off_every_public_board_and_sees_their_own_place_privately(
    testbed: TestBed, bot: QuizBot
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    others = [(0, 50_000 + i, f"m{i:02d}", 1, 5.0) for i in range(11)]  # all wrong: ranks 3 to 13
    bob_first = [(0, bob.id, "bob", 0, 1.0), (1, bob.id, "bob", 1, 1.0), (0, alice.id, "alice", 0, 2.0)]
    await seed_run(bot.storage, [*bob_first, *others], guild_id=testbed.guild.id)
    posted_before = (await testbed.slash("leaderboard", {}, user=bob)).message
    assert not posted_before.ephemeral and "🥇 **bob**" in posted_before.text()

    panel = await testbed.slash("privacy", {}, user=bob)
    assert panel.ephemeral and "You are **shown on public boards** here" in panel.message.content
    assert [b.label for b in panel.message.buttons] == [HIDE, "Export my data", "Forget me"]
    hidden = await testbed.click(panel.message, HIDE, user=bob)
    assert hidden.message is panel.message and "You are **hidden from public boards** here" in hidden.message.content
    assert [b.label for b in panel.message.buttons] == [SHOW, "Export my data", "Forget me"]

    seen_by_alice = await testbed.slash("leaderboard", {}, user=alice)
    text = seen_by_alice.message.text()
    assert not seen_by_alice.ephemeral and "bob" not in text
    assert "🥇 **alice** · 1/1 correct" in text and "`#12` **m10**" not in text and "12 members" in text
    # The board bob posted before he hid, paged now: without him, and without his "You" line.
    await testbed.click(posted_before, "Next", user=bob)
    assert "bob" not in testbed.messages[posted_before.id].text() and "Page 2/2" in posted_before.text()

    own = await testbed.slash("leaderboard", {}, user=bob)
    assert own.ephemeral and own.message not in testbed.visible_messages(testbed.general, user=alice)
    assert "You (hidden from public boards: only you see this)" in own.message.text()
    assert "🥇 **bob** · 2/2 correct" in own.message.text(), "where he would stand among the members shown"
    await testbed.click(own.message, "Next", user=bob)
    assert "Page 2/2" in own.message.text() and "🥇 **bob** · 2/2 correct" in own.message.text()

    refused = await testbed.slash("stats", {"member": bob}, user=alice)
    assert refused.ephemeral and refused.message.content == PRIVATE
    streak = await testbed.slash("daily streak", {"member": bob}, user=alice)
    assert streak.ephemeral and streak.message.content == PRIVATE
    mine = await testbed.slash("stats", {}, user=bob)
    assert mine.ephemeral and "Stats · bob" in mine.message.text()

    await testbed.click(panel.message, SHOW, user=bob)
    back = await testbed.slash("leaderboard", {}, user=alice)
    assert not back.ephemeral and "🥇 **bob**" in back.message.text() and "13 members" in back.message.text()


async def test_export_my_data_is_a_private_json_file_of_this_server_only(testbed: TestBed, bot: QuizBot) -> None:
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    guild = testbed.guild.id
    await seed_run(bot.storage, [(0, alice.id, "alice", 2, 1.5), (0, bob.id, "bob", 1, 2.0)], guild_id=guild)
    await seed_run(bot.storage, [(0, alice.id, "alice", 0, 1.0)], guild_id=guild + 1)

    panel = await testbed.slash("privacy", {}, user=alice)
    assert "Stored about you here: 1 answer and" in panel.message.content
    clicked = await testbed.click(panel.message, "Export my data", user=alice)
    sent = await clicked.wait_final()
    assert sent.ephemeral and sent not in testbed.visible_messages(testbed.general, user=bob)
    assert sent.content.startswith("Everything stored about you in this server:")
    (name,) = sent.files
    assert name.startswith(f"quizbot-{guild}-{alice.id}-") and name.endswith(".json")
    document = json.loads(sent.files[name])
    assert (document["member_id"], document["server_id"]) == (str(alice.id), str(guild))
    (answer,) = document["tables"]["answers"]["rows"]
    assert (answer["name_shown"], answer["choice_in_quiz_file"], answer["correct"]) == ("alice", "C", 0)
    rows = [row for table in document["tables"].values() for row in table["rows"]]
    assert all(row.get("user_id", str(alice.id)) == str(alice.id) for row in rows), "nobody else's rows"
    assert all(row.get("guild_id", row.get("server_id")) == str(guild) for row in rows), "this server only"


async def test_forget_me_asks_first_still_works_after_a_restart_and_the_boards_are_recomputed(
    testbed: TestBed, bot: QuizBot, bot_factory: BotFactory, bot_settings: Settings
) -> None:
    alice, bob, carol = (testbed.add_member(name=name) for name in ("alice", "bob", "carol"))
    guild = testbed.guild.id
    answers = [(0, alice.id, "alice", 0, 1.0), (1, alice.id, "alice", 1, 1.0), (0, bob.id, "bob", 0, 3.0)]
    await seed_run(bot.storage, answers, guild_id=guild)

    panel = (await testbed.slash("privacy", {}, user=alice)).message
    asked = await testbed.click(panel, "Forget me", user=alice)
    assert asked.message is panel and "deletes your 2 answers" in panel.content and "cannot be undone" in panel.content
    assert [b.label for b in panel.buttons] == ["Forget me now", "Cancel"]
    await testbed.click(panel, "Cancel", user=alice)
    assert "Your data in this server" in panel.content
    assert await bot.storage.privacy.answer_count(alice.id, guild) == 2, "cancel deletes nothing"
    await testbed.click(panel, "Forget me", user=alice)

    bot = await restart(testbed, bot, bot_factory, bot_settings)
    done = await testbed.click(panel, "Forget me now", user=alice)
    assert done.message is panel and panel.buttons == []
    assert panel.content.startswith("Done: your 2 answers in this server are deleted")
    assert await bot.storage.privacy.answer_count(alice.id, guild) == 0
    board = (await testbed.slash("leaderboard", {}, user=bob)).message.text()
    assert "🥇 **bob** · 1/1 correct" in board and "alice" not in board and "1 members" in board
    stats = await testbed.slash("stats", {"member": alice}, user=bob)
    assert "has not answered any question here yet" in stats.message.text()

    nothing = await testbed.click((await testbed.slash("privacy", {}, user=carol)).message, "Forget me", user=carol)
    assert nothing.ephemeral and nothing.message.content.startswith("There is nothing to forget")
