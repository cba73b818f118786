"""Issue 13 §2: every failure an admin meets on the command line is one line with the right exit code.

Exit 2 means "change a setting or an argument first" (a supervisor does not retry it); exit 1 means "this
failed now and may work later" (Discord unreachable or broken), so a supervisor retries.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.storage import open_storage
from tests.discord_testbed.runner import process_env
from tests.discord_testbed.testbed import FAKE_TOKEN, TestBed
from tests.helpers import REPO_ROOT, SHAPED_TOKEN, aquizbot, endpoint_answering, error_lines, quizbot

SHIPPED_QUIZZES = REPO_ROOT / "quizzes"


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = error_lines(stderr)
    assert len(errors) == 1, stderr
    return errors[0]


async def _quizbot_db(path: Path) -> Path:
    storage = await open_storage(path)
    await storage.close()
    return path


async def test_sync_to_a_server_the_bot_is_not_in_says_so_in_one_line_and_exits_2(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    stranger = 424242424242
    result = await aquizbot("sync", "--dev-guild", str(stranger), env=process_env(bot_settings), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert f"server {stranger}" in line and "applications.commands" in line, line
    assert "403" in line and FAKE_TOKEN not in result.stderr
    assert result.stdout == ""
    assert testbed.sync_calls == []


async def test_run_with_a_dev_guild_the_bot_is_not_in_stops_with_the_same_line_and_exit_2(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    stranger = 434343434343
    env = {**process_env(bot_settings), "QUIZBOT_DEV_GUILD": str(stranger)}
    result = await aquizbot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert f"server {stranger}" in line and "applications.commands" in line, line
    assert testbed.sync_calls == []


@pytest.mark.parametrize("command", ["run", "sync"])
async def test_an_endpoint_answering_404_is_one_line_naming_the_setting_and_exits_2(
    tmp_path: Path, command: str
) -> None:
    async with endpoint_answering(404) as api_base:
        result = await aquizbot(
            command, env={"DISCORD_TOKEN": SHAPED_TOKEN, "DISCORD_API_BASE": api_base}, cwd=tmp_path
        )
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert api_base in line and "404" in line and "DISCORD_API_BASE" in line, line
    assert SHAPED_TOKEN not in result.stderr


async def test_doctor_against_an_endpoint_answering_404_prints_every_check_and_a_fail_line(tmp_path: Path) -> None:
    await _quizbot_db(tmp_path / "quizbot.db")
    async with endpoint_answering(404) as api_base:
        env = {"DISCORD_TOKEN": SHAPED_TOKEN, "DISCORD_API_BASE": api_base, "QUIZBOT_QUIZZES": str(SHIPPED_QUIZZES)}
        result = await aquizbot("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == "" and "Traceback" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[ ok ] config: settings load")
    assert any(line.startswith("[ ok ] database: integrity_check ok") for line in lines), result.stdout
    (discord_line,) = [line for line in lines if line.startswith("[FAIL] discord:")]
    assert api_base in discord_line and "404" in discord_line and "DISCORD_API_BASE" in discord_line
    assert lines[-1] == "1 problem(s) to fix; see docs/operations.md"


async def test_an_endpoint_answering_502_is_one_line_and_exit_1_for_run_sync_and_doctor(tmp_path: Path) -> None:
    # discord.py retries a 502 five times, 25 s in all, before giving up; the three commands share that wait.
    await _quizbot_db(tmp_path / "quizbot.db")
    async with endpoint_answering(502) as api_base:
        env = {"DISCORD_TOKEN": SHAPED_TOKEN, "DISCORD_API_BASE": api_base}
        run, sync, doctor = await asyncio.gather(
            *(aquizbot(command, env=env, cwd=tmp_path, time_limit=90) for command in ("run", "sync", "doctor"))
        )
    for result in (run, sync):
        assert result.returncode == 1, result.stderr
        line = _one_error_line(result.stderr)
        assert api_base in line and "502" in line and "retr" in line, line
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    assert doctor.stderr == ""
    (discord_line,) = [line for line in doctor.stdout.splitlines() if line.startswith("[FAIL] discord:")]
    assert api_base in discord_line and "502" in discord_line


async def test_restore_into_a_folder_that_does_not_exist_is_one_line_and_exit_2(tmp_path: Path) -> None:
    backup = await _quizbot_db(tmp_path / "b.db")
    target = tmp_path / "missing" / "dir" / "quizbot.db"
    result = await aquizbot("restore", str(backup), "--db", str(target), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("quizbot: "), result.stderr
    assert f"folder {target.parent} does not exist" in result.stderr
    assert not target.parent.exists()


@pytest.mark.parametrize("command", ["backup", "export"])
def test_backup_and_export_of_a_file_that_is_not_a_database_is_one_line_and_exit_2(
    tmp_path: Path, command: str
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("QUIZBOT_DB points here by mistake\n" * 50)
    before = notes.read_bytes()
    args = [str(tmp_path / "out.db")] if command == "backup" else ["--guild", "1", "-o", str(tmp_path / "a.csv")]
    result = quizbot(command, *args, env={"QUIZBOT_DB": str(notes)}, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"quizbot: {notes} is not a SQLite database" in result.stderr and "QUIZBOT_DB" in result.stderr
    assert notes.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"], "nothing written, not even a partial file"


async def test_run_with_the_database_folder_missing_is_exit_2_before_logging_in(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-folder" / "quizbot.db"
    result = await aquizbot("run", env=process_env(replace(bot_settings, db_path=missing)), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert f"database folder {missing.parent} does not exist" in line and "QUIZBOT_DB" in line
    assert result.stderr.count("\n") == 1, result.stderr
    assert testbed.requests == [], "a configuration error spends no Discord login"
    assert not missing.parent.exists()
