"""The bot as a real process: graceful SIGTERM, config errors, restore refusal, and command sync discipline."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.backup import BackupError, restore_database
from bot.settings import Settings
from tests.discord_testbed.runner import REPO_ROOT, BotProcess, InProcessBot, process_env
from tests.discord_testbed.testbed import FAKE_TOKEN, TestBed


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
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
