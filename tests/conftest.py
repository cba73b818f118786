"""Shared pytest setup: the offline Discord test bed's fixtures and the schema-check summary line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The test bed lives in the `tests` package namespace; make the repo root importable for it.
_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from tests.discord_testbed.plugin import (  # noqa: E402
    bot_command,
    bot_factory,
    bot_process,
    bot_settings,
    running_bot,
    spec_summary,
    testbed,
)

__all__ = ["bot_command", "bot_factory", "bot_process", "bot_settings", "running_bot", "testbed"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(spec_summary())
