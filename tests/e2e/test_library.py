"""A server's own quizzes end to end: played, listed, downloaded and removed from Discord, never seen elsewhere."""

from __future__ import annotations

from bot.app import QuizBot
from bot.domain.permissions import Member
from tests.discord_testbed import Permission
from tests.discord_testbed.testbed import TestBed

YAML = """title: Day 49 — Our own quiz
questions:
  - id: q1
    prompt: Which rank does LoRA add?
    choices: [a low one, a high one]
    answer: A
    explanation: Low rank keeps the update small.
"""


async def upload_directly(bot: QuizBot, guild_id: int) -> None:
    """Store a server quiz the way /quiz-upload does after reading the attachment."""
    organiser = Member(user_id=1, manages_server=True)
    await bot.library.upload(organiser, guild_id, "day49.yaml", YAML.encode(), name=None, replace=False)


async def test_a_servers_quiz_is_offered_played_and_listed_there_and_nowhere_else(
    testbed: TestBed, bot: QuizBot
) -> None:
    other = testbed.add_guild("Other study group")
    elsewhere = testbed.add_channel(other, name="study")
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(other, name="bob")
    await upload_directly(bot, testbed.guild.id)

    here = await testbed.autocomplete("quiz", {"name": "day4"}, focused="name", user=alice)
    there = await testbed.autocomplete("quiz", {"name": "day4"}, focused="name", user=bob, channel=elsewhere)
    assert [c["value"] for c in here] == ["day48", "day49"]
    assert [c["value"] for c in there] == ["day48"]

    refused = await testbed.slash("quiz", {"name": "day49"}, user=bob, channel=elsewhere)
    assert refused.ephemeral and "There is no quiz called “day49”" in refused.message.content
    started = await testbed.slash("quiz", {"name": "day49"}, user=alice)
    assert "Starting **Day 49 — Our own quiz**: 1 questions" in started.message.content

    listed = await testbed.slash("quizzes", {}, user=alice)
    assert "`day49` — Day 49 — Our own quiz (1 questions)" in listed.message.text()


async def test_download_hands_back_the_yaml_and_members_are_refused(testbed: TestBed, bot: QuizBot) -> None:
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    member = testbed.add_member(name="member")
    await upload_directly(bot, testbed.guild.id)

    downloaded = await testbed.slash("quiz-download", {"name": "day49"}, user=admin)
    assert downloaded.ephemeral and downloaded.message.files == {"day49.yaml": YAML.encode()}
    refused = await testbed.slash("quiz-download", {"name": "day49"}, user=member)
    assert refused.ephemeral and "Only members with Manage Server or the quiz-master role" in refused.message.content


async def test_remove_asks_first_then_removes_and_past_results_stay(testbed: TestBed, bot: QuizBot) -> None:
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    await upload_directly(bot, testbed.guild.id)

    asked = await testbed.slash("quiz-remove", {"name": "day49"}, user=admin)
    assert asked.ephemeral and "Remove **Day 49 — Our own quiz** (`day49`)" in asked.message.content
    kept = await testbed.click(asked.message, "Keep it", user=admin)
    assert "Kept `day49`" in kept.message.content
    assert "day49" in bot.library.catalog_for(testbed.guild.id).ids()

    asked = await testbed.slash("quiz-remove", {"name": "day49"}, user=admin)
    removed = await testbed.click(asked.message, "Remove", user=admin)
    assert "Removed `day49`" in removed.message.content and removed.message.buttons == []
    assert "day49" not in bot.library.catalog_for(testbed.guild.id).ids()

    shared = await testbed.slash("quiz-remove", {"name": "day48"}, user=admin)
    assert "shared quizzes, which only the bot's host can remove" in shared.message.content


async def test_daily_set_takes_a_servers_own_quiz_there_only(testbed: TestBed, bot: QuizBot) -> None:
    other = testbed.add_guild("Other study group")
    elsewhere = testbed.add_channel(other, name="study")
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    other_admin = testbed.add_member(other, name="other admin", permissions=Permission.MANAGE_GUILD)
    await upload_directly(bot, testbed.guild.id)
    options = {"time": "09:00", "timezone": "Europe/Berlin", "quizzes": "day49"}

    here = await testbed.slash("daily set", {**options, "channel": testbed.general}, user=admin)
    assert "Daily question scheduled." in here.message.content and "day49" in here.message.content
    there = await testbed.slash("daily set", {**options, "channel": elsewhere}, user=other_admin, channel=elsewhere)
    assert "Daily question scheduled." not in there.message.content and "day49" in there.message.content
