"""SIGHUP re-reads the shared quiz folder in the running bot process: new quizzes appear, broken ones keep
their last good version, and nothing restarts."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.discord_testbed.runner import BotProcess, settings_for
from tests.discord_testbed.testbed import TestBed
from tests.helpers import REPO_ROOT

NEW_QUIZ = """title: Day 49
questions:
  - id: q1
    prompt: Which rank does LoRA add?
    choices: [a low one, a high one]
    answer: A
    explanation: Low rank keeps the update small.
"""


@pytest.fixture
def bot_settings(testbed: TestBed, tmp_path: Path) -> Settings:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "quizzes" / "day48.yaml", folder)
    return settings_for(testbed, tmp_path, quizzes_dir=folder)


async def offered(testbed: TestBed, typed: str) -> list[str]:
    alice = testbed.add_member(name="alice")
    choices = await testbed.autocomplete("quiz", {"name": typed}, focused="name", user=alice, timeout=5)
    return [choice["value"] for choice in choices]


async def test_sighup_adds_new_quizzes_and_keeps_a_broken_files_last_good_version(
    testbed: TestBed, bot_process: BotProcess, bot_settings: Settings
) -> None:
    folder = bot_settings.quizzes_dir
    assert await offered(testbed, "day") == ["day48"]
    (folder / "day49.yaml").write_text(NEW_QUIZ)
    day48 = folder / "day48.yaml"
    day48.write_text(day48.read_text().replace("title:", "titel:", 1))

    assert bot_process.proc is not None
    bot_process.proc.send_signal(signal.SIGHUP)
    await testbed.wait_until(
        lambda: "kept the last good version of day48" in bot_process.output(), 10.0, what="the reload's log"
    )

    assert await offered(testbed, "day") == ["day48", "day49"]
    output = bot_process.output()
    assert f"{day48}:1:" in output  # the broken file's problem, as path:line
    assert bot_process.starts == 1 and testbed.gateway.identifies == 1 and "Traceback" not in output
