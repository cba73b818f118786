"""Arrange steps the deployment tests share: fake `quizbot` executables and waiting for what a script does."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"


def fake_executable(bin_dir: Path, name: str, body: str) -> Path:
    """Write an executable `/bin/sh` script `bin_dir/name` (the folder is created) and return its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return script


def wait_until(condition: Callable[[], bool], *, timeout: float = 10.0, what: str = "the condition") -> None:
    """Poll `condition` every 20 ms until it holds; fail after `timeout` seconds (a bound, not a wait)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def line_count(path: Path) -> int:
    return len(path.read_text().split()) if path.exists() else 0
