"""One bot process holding shards 0-1 of 2 (`quizbot run --shards 0-1 --shard-count 2`) against the sharded
test bed: both shards connect, each shard's servers get their commands and quizzes, and a `kill -9` resumes
the runs of both shards' servers. Only the process holding shard 0 registers the slash commands."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import QuizBot, ShardedQuizBot, create_bot
from bot.domain.shards import ShardSet
from bot.settings import Settings
from bot.storage.maintenance import shard_states
from tests.discord_testbed import Message, TestBed
from tests.discord_testbed.model import Channel, Guild
from tests.discord_testbed.runner import BotProcess, InProcessBot, settings_for
from tests.helpers import aquizbot, titled

TINY_QUIZ = """\
title: Tiny sharded quiz
seconds_per_question: 20
questions:
  - id: one
    prompt: Which letter comes first?
    choices: ["A", "B"]
    answer: A
  - id: two
    prompt: Which letter comes second?
    choices: ["A", "B"]
    answer: B
"""
BOTH_SHARDS = [(0, 2), (1, 2)]


@pytest.fixture
def world(testbed: TestBed) -> tuple[Guild, Guild]:
    """A server on each shard of 2, there before the bot connects."""
    return testbed.add_guild("on shard 0", shard=(0, 2)), testbed.add_guild("on shard 1", shard=(1, 2))


@pytest.fixture
def bot_settings(bot_settings: Settings, world: tuple[Guild, Guild], tmp_path: Path) -> Settings:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY_QUIZ, encoding="utf-8")
    return replace(bot_settings, quizzes_dir=folder)


@pytest.fixture
def bot_command() -> list[str]:
    return [sys.executable, "-m", "bot", "run", "--shards", "0-1", "--shard-count", "2"]


def general(guild: Guild) -> Channel:
    return next(iter(guild.channels.values()))


async def both_shards_up(tb: TestBed) -> None:
    # discord.py waits 5 s between two shards' IDENTIFYs (Discord's max_concurrency 1), so allow for it.
    await tb.wait_until(
        lambda: sorted(s.shard for s in tb.gateway.live_sessions()) == BOTH_SHARDS, 20.0, what="shards 0 and 1"
    )


async def start_tiny_quiz(tb: TestBed, guild: Guild, starter_name: str) -> tuple[Message, object]:
    channel = general(guild)
    starter = tb.add_member(guild, name=starter_name)
    fast = await tb.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=tb.owner, channel=channel)
    assert fast.ephemeral
    started = await tb.slash("quiz", {"name": "tiny"}, user=starter, channel=channel)
    assert started.ephemeral and "Starting" in started.message.content
    question = await tb.wait_for_message(channel, titled("Question 1/2"), timeout=5)
    locked = await tb.click(question, "A", user=starter)
    assert locked.message.content == "Locked in: A"
    return question, starter


async def shards_seen_by_doctor(process: BotProcess, cwd: Path) -> str:
    """What `quizbot doctor --offline` says about the shards of the running process's database."""
    env = {"QUIZBOT_DB": str(process.settings.db_path), "QUIZBOT_QUIZZES": str(process.settings.quizzes_dir)}
    await shards_recorded_up(process)
    result = await aquizbot("doctor", "--offline", env=env, cwd=cwd)
    return result.stdout


async def shards_recorded_up(process: BotProcess) -> None:
    # on_shard_ready writes the state right after READY; give that write a moment to commit.
    await process.tb.wait_until(
        lambda: (
            [s.up for s in shard_states(process.settings.db_path)] == [True, True]
            if process.settings.db_path.exists()
            else False
        ),
        10.0,
        what="both shards recorded as up",
    )


async def test_one_process_on_shards_0_and_1_serves_both_and_resumes_both_after_kill_9(
    testbed: TestBed, world: tuple[Guild, Guild], bot_process: BotProcess, tmp_path: Path
) -> None:
    testbed.forbid_pings = True
    await both_shards_up(testbed)
    assert len(testbed.sync_calls) == 1  # the process holds shard 0: it registered the commands
    assert "holding gateway shards 0-1 of 2" in bot_process.output()
    doctor = await shards_seen_by_doctor(bot_process, tmp_path)
    assert "[ ok ] shards: shard 0 of 2 is up" in doctor and "[ ok ] shards: shard 1 of 2 is up" in doctor, doctor
    on_zero, on_one = world
    started = {guild.id: await start_tiny_quiz(testbed, guild, f"member-{guild.name}") for guild in world}
    for guild in world:
        (session,) = testbed.gateway.sessions_for(guild.id)
        assert session.shard == (testbed.shard_of(guild), 2)
        assert {int(i["d"]["guild_id"]) for i in session.sent if i.get("t") == "INTERACTION_CREATE"} == {guild.id}

    await bot_process.kill9()
    await bot_process.restart()
    await both_shards_up(testbed)

    output = bot_process.output()
    assert "resuming quiz run 1 (running, question 1)" in output
    assert "resuming quiz run 2 (running, question 1)" in output
    for guild in (on_one, on_zero):
        question, starter = started[guild.id]
        again = await testbed.click(question, "B", user=starter, timeout=10)
        assert again.message.content == "You already answered A"
        await testbed.click(question, "Next", user=starter)
        q2 = await testbed.wait_for_message(general(guild), titled("Question 2/2"), timeout=5)
        await testbed.click(q2, "B", user=starter)
        await testbed.click(q2, "Next", user=starter)
        results = await testbed.wait_for_message(general(guild), titled("🏆 Results"), timeout=5)
        assert results.embed["description"].splitlines()[0].startswith(f"🥇 member-{guild.name} — 2 pts")
    assert len(testbed.sync_calls) == 1  # unchanged commands: the restart registered nothing


async def test_only_the_process_holding_shard_0_registers_the_slash_commands(
    testbed: TestBed, world: tuple[Guild, Guild], tmp_path: Path
) -> None:
    def settings(shards: str, folder: str) -> Settings:
        (tmp_path / folder).mkdir()
        return settings_for(testbed, tmp_path / folder, shards=ShardSet.parse(shards, 2))

    second = InProcessBot(testbed, create_bot, settings("1", "second"))
    bot = await second.start()
    assert isinstance(bot, ShardedQuizBot) and isinstance(bot, QuizBot)
    assert (bot.shard_ids, bot.shard_count) == ([1], 2)
    assert not bot.syncs_commands and testbed.sync_calls == []
    on_zero, on_one = world
    assert bot.owns(on_one.id) and not bot.owns(on_zero.id)
    assert [s.shard for s in testbed.gateway.live_sessions()] == [(1, 2)]

    first = InProcessBot(testbed, create_bot, settings("0", "first"))
    await first.start()
    assert len(testbed.sync_calls) == 1
    await first.stop()
    await second.stop()


def test_an_unsharded_bot_stays_a_plain_bot_that_owns_every_server(testbed: TestBed, tmp_path: Path) -> None:
    bot = create_bot(settings_for(testbed, tmp_path))
    assert type(bot) is QuizBot and bot.shard_count is None
    assert bot.owns(testbed.guild.id) and bot.syncs_commands
