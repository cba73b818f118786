"""Two bot processes on one PostgreSQL database (issue 16 §3 and §5): process A runs `--shards 0-1 --shard-count
4`, process B `--shards 2-3 --shard-count 4`, against the sharded test bed with 20 servers, five on each shard.

- Every server's live quiz and daily post is driven exactly once: one message per question, one results card,
  one daily post per server, although both processes see every run and schedule in the shared database.
- `kill -9` of A while members click: every click acknowledged "Locked in" is in the database; B keeps running
  its servers meanwhile; restarted, A resumes its servers' runs, which finish, and nothing is posted twice.
- A third process whose range overlaps is refused before it logs in (exit 2, one line naming the shard).
- Only A, which holds shard 0, registers the slash commands.

The database comes from QUIZBOT_TEST_POSTGRES (a server URL): a fresh one for the test, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.storage import Storage, open_storage
from tests.discord_testbed import Message, TestBed
from tests.discord_testbed.model import Channel, Guild, User
from tests.discord_testbed.runner import BotProcess, default_bot_factory, process_env, settings_for
from tests.discord_testbed.testbed import InteractionResult
from tests.helpers import aquizbot, error_lines, titled

SHARD_COUNT = 4
SERVERS_PER_SHARD = 5
PROCESS_A = "0-1"
PROCESS_B = "2-3"
ALL_SHARDS = [(shard, SHARD_COUNT) for shard in range(SHARD_COUNT)]
# Long enough that only the Next button moves a question on, whatever the kill and restart cost in time.
SHARED_QUIZ = """\
title: Shared quiz
seconds_per_question: 300
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


@dataclass
class Server:
    guild: Guild
    shard: int
    general: Channel
    daily: Channel
    starter: User
    # Members who click while process A is killed.
    clickers: list[User]
    question_one: Message | None = None


@pytest.fixture
def world(testbed: TestBed) -> list[Server]:
    servers = []
    for shard in range(SHARD_COUNT):
        for number in range(SERVERS_PER_SHARD):
            guild = testbed.add_guild(f"s{shard}-{number}", channels=("general", "daily"), shard=(shard, SHARD_COUNT))
            general, daily = guild.channels.values()
            assert testbed.shard_of(guild, SHARD_COUNT) == shard
            servers.append(
                Server(
                    guild,
                    shard,
                    general,
                    daily,
                    testbed.add_member(guild, name=f"starter-{guild.name}"),
                    [testbed.add_member(guild, name=f"clicker{i}-{guild.name}") for i in range(3)],
                )
            )
    return servers


@pytest.fixture
def shared_settings(testbed: TestBed, tmp_path: Path, fresh_postgres_url: str) -> Settings:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "shared.yaml").write_text(SHARED_QUIZ, encoding="utf-8")
    return settings_for(testbed, tmp_path, db_url=fresh_postgres_url, quizzes_dir=folder)


def run_command(shards: str) -> list[str]:
    return [sys.executable, "-m", "bot", "run", "--shards", shards, "--shard-count", str(SHARD_COUNT)]


@pytest.fixture
async def processes(
    testbed: TestBed, world: list[Server], shared_settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[BotProcess, BotProcess]]:
    first = BotProcess(testbed, run_command(PROCESS_A), shared_settings, tmp_path / "a.log", default_bot_factory())
    second = BotProcess(testbed, run_command(PROCESS_B), shared_settings, tmp_path / "b.log", default_bot_factory())
    try:
        await first.start()
        await first.wait_connected()
        await second.start()
        await second.wait_connected()
        await all_shards_up(testbed)
        yield first, second
    finally:
        await first.stop()
        await second.stop()


async def all_shards_up(tb: TestBed) -> None:
    # discord.py waits 5 s between one process's IDENTIFYs (Discord's max_concurrency 1).
    await tb.wait_until(
        lambda: sorted(s.shard for s in tb.gateway.live_sessions()) == ALL_SHARDS, 30.0, what="shards 0-3 of 4"
    )


def in_process_a(server: Server) -> bool:
    return server.shard in (0, 1)


def daily_time() -> str:
    """A post time (UTC) far enough ahead for 20 `/daily set`s to land before it, and soon after that."""
    at = datetime.now(UTC) + timedelta(seconds=20)
    return (at.replace(second=0, microsecond=0) + timedelta(minutes=1)).strftime("%H:%M")


def titles(tb: TestBed, channel: Channel) -> list[str]:
    return [str(m.embed.get("title", "")) for m in tb.visible_messages(channel) if m.embed is not None]


def daily_posts(tb: TestBed, channel: Channel) -> list[Message]:
    return [m for m in tb.visible_messages(channel) if "Daily question" in m.text()]


def count_starting(found: list[str], prefix: str) -> int:
    return sum(title.startswith(prefix) for title in found)


async def schedule_daily(tb: TestBed, server: Server, at: str) -> None:
    options = {"channel": server.daily, "time": at, "timezone": "UTC", "quizzes": "shared"}
    reply = await tb.slash("daily set", options, user=tb.owner, channel=server.general)
    assert reply.ephemeral and "scheduled" in reply.message.content, reply.message.content


async def start_quiz(tb: TestBed, server: Server) -> None:
    fast_options = {"lead_seconds": 0, "reveal_seconds": 0}
    fast = await tb.slash("quiz-settings", fast_options, user=tb.owner, channel=server.general)
    assert fast.ephemeral
    started = await tb.slash("quiz", {"name": "shared"}, user=server.starter, channel=server.general)
    assert started.ephemeral and "Starting" in started.message.content, started.message.content
    server.question_one = await tb.wait_for_message(server.general, titled("Question 1/2"), timeout=10)
    locked = await tb.click(server.question_one, "A", user=server.starter)
    assert locked.message.content == "Locked in: A"


async def finish_quiz(tb: TestBed, server: Server) -> None:
    assert server.question_one is not None
    await tb.click(server.question_one, "Next", user=server.starter, timeout=10)
    second = await tb.wait_for_message(server.general, titled("Question 2/2"), timeout=10)
    locked = await tb.click(second, "B", user=server.starter)
    assert locked.message.content == "Locked in: B"
    await tb.click(second, "Next", user=server.starter)
    results = await tb.wait_for_message(server.general, titled("🏆 Results"), timeout=10)
    assert results.embed is not None
    assert results.embed["description"].splitlines()[0].startswith(f"🥇 starter-{server.guild.name} — 2 pts")


async def click_during_the_kill(tb: TestBed, server: Server, clicker: User) -> InteractionResult | BaseException:
    assert server.question_one is not None
    try:
        return await tb.click(server.question_one, "A", user=clicker, timeout=3)
    except (AssertionError, TimeoutError) as unanswered:  # the process died before answering
        return unanswered


async def stored_answer(storage: Storage, server: Server, user: User) -> int | None:
    run = await storage.runs.active_live_run(server.general.id)
    assert run is not None, f"the run in {server.guild.name} is no longer active"
    found = [answer.choice for answer in await storage.runs.answers(run.id, user_id=user.id) if answer.index == 0]
    return found[0] if found else None


# Two processes connecting four shards, a daily post up to 80 s ahead, a kill and a restart.
@pytest.mark.timeout(300)
async def test_two_processes_share_twenty_servers_exactly_once_and_survive_a_kill_9(
    testbed: TestBed,
    world: list[Server],
    processes: tuple[BotProcess, BotProcess],
    shared_settings: Settings,
    tmp_path: Path,
) -> None:
    testbed.forbid_pings = True
    first, second = processes
    assert len(testbed.sync_calls) == 1, "only the process holding shard 0 registers the commands"
    assert "holding gateway shards 0-1 of 4" in first.output()
    assert "holding gateway shards 2-3 of 4" in second.output() and "synced" not in second.output()
    for server in world:
        (session,) = testbed.gateway.sessions_for(server.guild.id)
        assert session.shard == (server.shard, SHARD_COUNT)

    # A third process whose range overlaps both: refused before it logs in.
    identifies = testbed.gateway.identifies
    overlap = await aquizbot(
        "run", "--shards", "1-2", "--shard-count", str(SHARD_COUNT), env=process_env(shared_settings), cwd=tmp_path
    )
    assert overlap.returncode == 2, overlap.stderr
    (line,) = error_lines(overlap.stderr)
    assert "shard 1 of 4 is held by another running quizbot process" in line, line
    assert "Traceback" not in overlap.stderr and testbed.gateway.identifies == identifies

    at = daily_time()
    for server in world:
        await schedule_daily(testbed, server, at)
    for server in world:
        await start_quiz(testbed, server)
    await testbed.wait_until(
        lambda: all(len(daily_posts(testbed, server.daily)) == 1 for server in world),
        150.0,
        what=f"the daily post at {at} UTC in all 20 servers",
    )

    # kill -9 process A while members of its servers click.
    a_servers = [server for server in world if in_process_a(server)]
    clicks = {
        (server.guild.id, clicker.id): asyncio.create_task(click_during_the_kill(testbed, server, clicker))
        for server in a_servers
        for clicker in server.clickers
    }
    # Killed as soon as the first click is answered, while the others are still on their way.
    await testbed.wait_until(lambda: any(task.done() for task in clicks.values()), 10.0, what="a first answered click")
    await first.kill9()
    outcomes = {key: await task for key, task in clicks.items()}
    acknowledged = {
        key
        for key, outcome in outcomes.items()
        if isinstance(outcome, InteractionResult)
        and outcome.message is not None
        and outcome.message.content == "Locked in: A"
    }
    assert acknowledged, "no click was answered before the kill: the test did not test the kill"

    storage = await open_storage(shared_settings.database)
    try:
        for server in a_servers:
            for clicker in server.clickers:
                if (server.guild.id, clicker.id) in acknowledged:
                    assert await stored_answer(storage, server, clicker) == 0, f"{clicker.name} was told Locked in"
    finally:
        await storage.close()

    # B keeps serving its servers while A is down.
    for server in world:
        if not in_process_a(server):
            await finish_quiz(testbed, server)

    await first.restart()
    await all_shards_up(testbed)
    assert "resuming quiz run" in first.output()
    for server in a_servers:
        for clicker in server.clickers:
            if (server.guild.id, clicker.id) in acknowledged:
                assert server.question_one is not None
                again = await testbed.click(server.question_one, "B", user=clicker, timeout=10)
                assert again.message is not None and again.message.content == "You already answered A"
        await finish_quiz(testbed, server)

    for server in world:
        found = titles(testbed, server.general)
        counts = [count_starting(found, prefix) for prefix in ("Question 1/2", "Question 2/2", "🏆 Results")]
        assert counts == [1, 1, 1], f"{server.guild.name}: {found}"
        assert len(daily_posts(testbed, server.daily)) == 1, f"{server.guild.name}: daily posted twice"
    assert len(testbed.sync_calls) == 1, "unchanged commands: the restart registered nothing"
