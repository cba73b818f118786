"""The bot as a real process: graceful SIGTERM, config errors, restore refusal, and command sync discipline."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import QuizBot
from bot.domain.runs import AnswerResult
from bot.ops.backup import BackupError, restore_database
from bot.runtime import shut_down
from bot.settings import Settings
from bot.ui.buttons import INTERACTION_ROUTERS, PERSISTENT_BUTTONS
from tests.discord_testbed.runner import REPO_ROOT, BotProcess, InProcessBot, process_env
from tests.discord_testbed.testbed import FAKE_TOKEN, TestBed


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def _stored_choice(path: Path, user_id: int) -> int | None:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT choice FROM answers WHERE user_id = ?", (user_id,)).fetchone()
        return None if row is None else int(row[0])
    finally:
        connection.close()


async def _quizbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", *args],
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
    )


async def test_sigterm_shuts_down_cleanly_with_exit_code_0(bot_process: BotProcess, bot_settings: Settings) -> None:
    assert bot_process.proc is not None
    bot_process.proc.terminate()
    code = await asyncio.wait_for(bot_process.proc.wait(), 15)
    output = bot_process.output()
    assert code == 0, output[-2000:]
    assert "received SIGTERM: shutting down" in output
    assert "quizbot shut down cleanly" in output
    assert "Traceback" not in output
    assert await asyncio.to_thread(_integrity, bot_settings.db_path) == "ok"
    # The last connection to close checkpoints and deletes the WAL: proof the database was closed, not dropped.
    assert not await asyncio.to_thread(Path(f"{bot_settings.db_path}-wal").exists)


@pytest.mark.parametrize(
    ("token", "expected"),
    [(None, "DISCORD_TOKEN is not set"), ("not-a-token", "DISCORD_TOKEN looks malformed")],
    ids=["missing", "malformed"],
)
async def test_run_without_a_usable_token_prints_one_line_and_exits_2(
    tmp_path: Path, token: str | None, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "QUIZBOT_"))}
    env["QUIZBOT_DB"] = str(tmp_path / "quizbot.db")
    if token is not None:
        env["DISCORD_TOKEN"] = token
    result = await _quizbot("run", env=env, cwd=tmp_path)  # tmp cwd: no .env is picked up
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


async def test_restore_refuses_while_the_bot_process_holds_the_database(
    bot_process: BotProcess, bot_settings: Settings, tmp_path: Path
) -> None:
    env = process_env(bot_settings)
    backup = await _quizbot("backup", str(tmp_path / "b.db"), env=env, cwd=tmp_path)
    assert backup.returncode == 0 and "integrity ok" in backup.stdout, backup.stderr
    with pytest.raises(BackupError, match="the bot is running"):
        restore_database(tmp_path / "b.db", bot_settings.db_path)
    refused = await _quizbot("restore", str(tmp_path / "b.db"), env=env, cwd=tmp_path)
    assert refused.returncode == 1 and "stop it first" in refused.stderr
    assert bot_process.proc is not None and bot_process.proc.returncode is None


async def test_ten_restarts_with_unchanged_commands_sync_once_and_a_new_scope_syncs_again(
    testbed: TestBed, bot_settings: Settings
) -> None:
    from bot.app import create_bot

    async def start_and_stop(settings: Settings) -> None:
        runner = InProcessBot(testbed, create_bot, settings)
        try:
            await runner.start()
        finally:
            await runner.stop()

    for _ in range(10):
        await start_and_stop(bot_settings)
    assert testbed.sync_calls == [("PUT", None)], "only the very first start may sync"

    dev_guild = testbed.guild.id
    await start_and_stop(replace(bot_settings, dev_guild_id=dev_guild))
    assert testbed.sync_calls[1:] == [("PUT", dev_guild)]
    await start_and_stop(replace(bot_settings, dev_guild_id=dev_guild))
    assert len(testbed.sync_calls) == 2


async def test_sync_command_registers_to_the_dev_guild(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    guild = testbed.add_guild("Dev guild")
    env = process_env(bot_settings)
    result = await _quizbot("sync", "--dev-guild", str(guild.id), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("synced ")
    assert testbed.sync_calls == [("PUT", guild.id)]
    assert FAKE_TOKEN not in result.stderr + result.stdout


async def test_sigterm_mid_quiz_keeps_every_answer_and_the_next_start_resumes_the_run(
    testbed: TestBed, bot_process: BotProcess, bot_settings: Settings
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    await testbed.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=testbed.owner)
    await testbed.slash("quiz", {"name": "day48"}, user=alice)
    first = await testbed.wait_for_message(
        testbed.general, lambda m: m.embed is not None and "Question 1/10" in str(m.embed.get("title")), timeout=5
    )
    locked = await testbed.click(first, "A", user=alice)
    assert locked.message.content.startswith("Locked in"), locked.message.content

    assert bot_process.proc is not None
    bot_process.proc.terminate()
    assert await asyncio.wait_for(bot_process.proc.wait(), 15) == 0, bot_process.output()[-2000:]
    stopped = bot_process.output()
    assert "quiz started: run=1 quiz=day48" in stopped and "received SIGTERM: shutting down" in stopped
    assert "quizbot shut down cleanly" in stopped and "Traceback" not in stopped
    assert await asyncio.to_thread(_integrity, bot_settings.db_path) == "ok"

    await bot_process.restart()
    await testbed.wait_until(lambda: "resuming quiz run 1" in bot_process.output(), 10.0, what="the resume log line")
    # The question message posted before the stop still takes clicks, and alice's answer survived.
    again = await testbed.click(first, "B", user=alice, timeout=10)
    assert again.message.content.startswith("You already answered"), again.message.content
    late = await testbed.click(first, "B", user=bob)
    assert late.message.content.startswith("Locked in"), late.message.content
    await testbed.click(first, "Next", user=alice)
    await testbed.wait_for_message(
        testbed.general, lambda m: m.embed is not None and "Question 2/10" in str(m.embed.get("title")), timeout=5
    )
    titles = [str(m.embed.get("title")) for m in testbed.visible_messages(testbed.general) if m.embed]
    assert sum("Question 1/10" in t for t in titles) == 1, "the restart posts no question twice"


async def test_shutdown_refuses_new_quizzes_and_lets_an_in_flight_answer_commit(
    testbed: TestBed, running_bot: QuizBot, bot_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = testbed.add_member(name="alice")
    await testbed.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=testbed.owner)
    await testbed.slash("quiz", {"name": "day48"}, user=alice)
    first = await testbed.wait_for_message(
        testbed.general, lambda m: m.embed is not None and "Question 1/10" in str(m.embed.get("title")), timeout=5
    )
    # A click whose write is still on its way to the disk when SIGTERM arrives.
    record_answer = running_bot.storage.runs.record_answer
    writing = asyncio.Event()

    async def slow_record_answer(**kwargs: Any) -> AnswerResult:
        writing.set()
        await asyncio.sleep(0.3)
        return await record_answer(**kwargs)

    monkeypatch.setattr(running_bot.storage.runs, "record_answer", slow_record_answer)
    click = await testbed.click(first, "A", user=alice, wait=False)
    await asyncio.wait_for(writing.wait(), 5)

    running_bot.shutting_down = True
    refused = await testbed.slash("quiz", {"name": "day48"}, user=alice, channel=testbed.add_channel(name="other"))
    assert refused.ephemeral and "The bot is restarting; start the quiz again in a minute." in refused.message.content

    await shut_down(running_bot)
    assert click.message is not None and click.message.content.startswith("Locked in"), "the click was answered"
    assert await asyncio.to_thread(_stored_choice, bot_settings.db_path, alice.id) == 0


async def test_startup_identifies_with_the_guilds_intent_only_caches_nothing_and_has_its_buttons(
    testbed: TestBed, running_bot: QuizBot
) -> None:
    (session,) = testbed.gateway.live_sessions()
    assert session.intents == discord.Intents(guilds=True).value, "no privileged or unused intents"
    state = running_bot._connection
    assert state.member_cache_flags.value == discord.MemberCacheFlags.none().value
    assert state.max_messages is None, "no message cache"
    # Persistent buttons are registered in setup_hook, before the gateway connects, so the first click
    # after a restart finds them (the SIGKILL and SIGTERM process tests click old messages at once).
    registered = set(state._view_store._dynamic_items.values())
    assert set(PERSISTENT_BUTTONS) <= registered
    # Answer buttons are routed by an on_interaction listener instead, added in setup_hook as well.
    assert set(INTERACTION_ROUTERS) <= set(running_bot.extra_events.get("on_interaction", []))
