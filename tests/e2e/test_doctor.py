"""`quizbot doctor` against real files and the offline Discord test bed."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.ops.doctor import run_doctor
from bot.settings import Secret, Settings
from bot.storage import open_storage
from tests.discord_testbed.model import Permission
from tests.discord_testbed.runner import settings_for
from tests.discord_testbed.testbed import TestBed

GOOD_QUIZ = """\
title: Tiny quiz
questions:
  - id: q1
    prompt: One?
    choices: [a, b]
    answer: A
"""


def _schedule_daily(db: Path, guild_id: int, channel_id: int) -> None:
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(
            "INSERT INTO daily_schedules (guild_id, channel_id, time_of_day, timezone, weekdays, quiz_ids, "
            "question_order, seed, created_by, created_at) VALUES (?, ?, '09:00', 'UTC', '0123456', 'tiny', "
            "'sequential', 1, 1, 0)",
            (guild_id, channel_id),
        )
    connection.close()


async def _doctor(settings: Settings, *, offline: bool = False) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_doctor(settings, out=out, offline=offline)
    return code, out.getvalue()


@pytest.fixture
async def settings(testbed: TestBed, tmp_path: Path) -> Settings:
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    (quizzes / "tiny.yaml").write_text(GOOD_QUIZ)
    storage = await open_storage(tmp_path / "quizbot.db")
    await storage.close()
    return settings_for(testbed, tmp_path, quizzes_dir=quizzes)


async def test_healthy_setup_reports_nothing_to_fix(settings: Settings) -> None:
    code, text = await _doctor(settings)
    assert code == 0, text
    assert "integrity_check ok" in text and "WAL mode" in text
    assert "token valid: logged in as QuizBot" in text and "in 1 server(s): Test Guild" in text
    assert text.rstrip().endswith("everything quizbot needs looks fine")


async def test_daily_channel_missing_permissions_says_which_and_where(testbed: TestBed, settings: Settings) -> None:
    quiet = testbed.add_channel(name="quiet")
    testbed.deny(quiet, Permission.SEND_MESSAGES | Permission.EMBED_LINKS)
    _schedule_daily(settings.db_path, testbed.guild.id, testbed.general.id)
    _schedule_daily(settings.db_path, testbed.guild.id, quiet.id)
    code, text = await _doctor(settings)
    assert code == 1
    assert "daily channel #general (Test Guild): permissions ok" in text
    assert "daily channel #quiet (Test Guild) is missing Send Messages, Embed Links: allow these" in text


async def test_hidden_channel_and_left_server_are_reported(testbed: TestBed, settings: Settings) -> None:
    hidden = testbed.add_channel(name="hidden")
    testbed.deny(hidden, Permission.VIEW_CHANNEL)
    _schedule_daily(settings.db_path, testbed.guild.id, hidden.id)
    _schedule_daily(settings.db_path, 4242, 4343)
    code, text = await _doctor(settings)
    assert code == 1
    assert f"cannot see daily channel {hidden.id}: give its role View Channel" in text
    assert "server 4242, which the bot has left" in text


async def test_refused_token_says_how_to_reset_it(settings: Settings) -> None:
    code, text = await _doctor(replace(settings, token=Secret("wrong.token.value")))
    assert code == 2, "a setting to fix, as for `quizbot run`"
    assert "the token was refused: reset it" in text


async def test_broken_quiz_file_and_damaged_database_are_failures(settings: Settings) -> None:
    (settings.quizzes_dir / "broken.yaml").write_text("title: [unclosed\n")
    settings.db_path.write_bytes(b"this is not a database" * 200)
    code, text = await _doctor(settings, offline=True)
    assert code == 2, "QUIZBOT_DB must point at a database first, as for `quizbot run`"
    assert "[FAIL] quizzes: " in text and "broken.yaml" in text
    assert "[FAIL] database: " in text and "is not a SQLite database" in text and "quizbot restore" in text
    assert "skipped (--offline)" in text


async def test_missing_database_is_only_a_warning(settings: Settings, tmp_path: Path) -> None:
    code, text = await _doctor(replace(settings, db_path=tmp_path / "new.db"), offline=True)
    assert code == 0, text
    assert "does not exist yet; `quizbot run` creates it" in text
    assert not (tmp_path / "new.db").exists()
