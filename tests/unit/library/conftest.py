"""Fixtures for the library's services: a library over a fresh database and a folder holding day48."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.clock import FakeClock
from bot.library import QuizLibrary
from bot.storage import Storage
from tests.helpers import REPO_ROOT

LIBRARY_START = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def library_clock() -> FakeClock:
    return FakeClock(LIBRARY_START)


@pytest.fixture
async def library(storage: Storage, tmp_path: Path, library_clock: FakeClock) -> QuizLibrary:
    """The shared folder holds day48 only; no server has quizzes of its own yet."""
    folder = tmp_path / "quizzes"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "quizzes" / "day48.yaml", folder)
    library = QuizLibrary(storage, library_clock, folder)
    await library.load()
    return library
