"""Issue 13 §3: small things the command line got wrong quietly.

`quizbot --version` did not exist, bare `quizbot` was an argparse error, `sync --dev-guild` with an empty
QUIZBOT_DEV_GUILD synced globally, every run/sync logged two voice-library warnings for a bot without
voice, and `doctor` without a token said everything looked fine while `run` exits 2.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.settings import Settings
from bot.storage import open_storage
from tests.discord_testbed.runner import BotProcess, process_env
from tests.discord_testbed.testbed import TestBed
from tests.helpers import REPO_ROOT, aquizbot, quizbot

VOICE_WARNINGS = ("PyNaCl", "davey", "voice will NOT be supported")


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    result = quizbot("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"quizbot {project['version']}\n"


def test_bare_quizbot_prints_the_help(tmp_path: Path) -> None:
    result = quizbot(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("usage: quizbot ")
    for command in ("run", "sync", "validate", "import", "backup", "restore", "doctor", "export", "rescore", "forget"):
        assert f"    {command} " in result.stdout, command
    assert "Exit status:" in result.stdout


async def test_sync_dev_guild_without_an_id_and_an_empty_setting_refuses_instead_of_syncing_globally(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    env = {**process_env(bot_settings), "QUIZBOT_DEV_GUILD": ""}
    result = await aquizbot("sync", "--dev-guild", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("quizbot: --dev-guild without an id uses QUIZBOT_DEV_GUILD, which is not set")
    assert testbed.sync_calls == [] and testbed.requests == [], "no login, no global sync"


async def test_sync_dev_guild_without_an_id_uses_the_setting(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    env = {**process_env(bot_settings), "QUIZBOT_DEV_GUILD": str(testbed.guild.id)}
    result = await aquizbot("sync", "--dev-guild", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert testbed.sync_calls == [("PUT", testbed.guild.id)]


async def test_run_sync_and_doctor_log_no_voice_library_warnings(
    testbed: TestBed, bot_process: BotProcess, bot_settings: Settings, tmp_path: Path
) -> None:
    running = bot_process.output()
    assert "logging in using static token" in running, running  # the client was built: it would have warned
    synced = await aquizbot("sync", env=process_env(bot_settings), cwd=tmp_path)
    assert synced.returncode == 0 and "synced" in synced.stdout, synced.stderr
    assert "logging in using static token" in synced.stderr, "the log is there, and shows no warning"
    doctor = await aquizbot("doctor", env=process_env(bot_settings), cwd=tmp_path)
    assert "token valid: logged in as QuizBot" in doctor.stdout, doctor.stdout
    for output in (running, synced.stderr, doctor.stdout + doctor.stderr):
        assert not [w for w in VOICE_WARNINGS if w in output], output


async def test_doctor_without_a_token_fails_with_exit_2_like_run(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    storage = await open_storage(bot_settings.db_path)
    await storage.close()
    env = {k: v for k, v in process_env(bot_settings).items() if k != "DISCORD_TOKEN"}
    result = await aquizbot("doctor", env=env, cwd=tmp_path)
    run = await aquizbot("run", env=env, cwd=tmp_path)
    assert (result.returncode, run.returncode) == (2, 2), result.stdout
    assert "[FAIL] config: DISCORD_TOKEN is not set" in result.stdout
    assert "looks fine" not in result.stdout
    assert result.stdout.splitlines()[-1] == "1 problem(s) to fix; see docs/operations.md"
    assert testbed.requests == []
