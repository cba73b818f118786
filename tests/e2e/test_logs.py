"""Logs of a whole bot process through the test bed: no bot token or interaction token, at DEBUG and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.discord_testbed.runner import BotFactory, BotProcess
from tests.discord_testbed.testbed import FAKE_TOKEN, TestBed


async def _run_session(
    testbed: TestBed, command: list[str], settings: Settings, factory: BotFactory, log_path: Path, **env: str
) -> tuple[str, int | None]:
    process = BotProcess(testbed, command, settings, log_path, factory)
    process.env.update(env)
    await process.start()
    try:
        await process.wait_connected()
        member = testbed.add_member(name="alice")
        if any(c["name"] == "quiz" for scope in testbed.commands.values() for c in scope):
            # A command that answers: force a 429 on its callback so discord.py logs the URL with the token.
            testbed.force_429("POST", "/interactions/{interaction_id}/{interaction_token}/callback", retry_after=0.05)
            quiz = await testbed.slash("quiz", {"name": "day48"}, user=member, wait=False)
            await testbed.wait_until(lambda: quiz.response_type is not None, 5.0, what="the quiz to answer")
        # A command the bot does not know: its token reaches the bot and the error path logs.
        testbed.preload_commands([{"name": "zz-unknown", "description": "not ours"}], testbed.guild)
        await testbed.slash("zz-unknown", user=member, wait=False)
        await testbed.wait_until(lambda: "zz-unknown" in process.output(), 5.0, what="the unknown command's log")
    finally:
        assert process.proc is not None
        process.proc.terminate()
        code = await process.proc.wait()
    return process.output(), code


@pytest.mark.parametrize(("level", "fmt"), [("DEBUG", "text"), ("INFO", "json")])
async def test_a_full_session_logs_no_token(
    testbed: TestBed,
    bot_command: list[str],
    bot_settings: Settings,
    bot_factory: BotFactory,
    tmp_path: Path,
    level: str,
    fmt: str,
) -> None:
    output, code = await _run_session(
        testbed, bot_command, bot_settings, bot_factory, tmp_path / "bot.log", LOG_LEVEL=level, LOG_FORMAT=fmt
    )
    assert code == 0
    assert testbed.interactions_by_token, "the test bed issued no interaction token"
    assert FAKE_TOKEN not in output
    leaked = [token for token in testbed.interactions_by_token if token in output]
    assert leaked == []
    assert "logging in using static token" in output and "quizbot shut down cleanly" in output
    if fmt == "json":
        entries = [json.loads(line) for line in output.splitlines() if line.strip()]
        assert {e["level"] for e in entries} <= {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
    else:
        library_debug = [line for line in output.splitlines() if " DEBUG " in line and " bot." not in line]
        assert library_debug == [], "discord.py and aiosqlite stay at INFO even with LOG_LEVEL=DEBUG"
