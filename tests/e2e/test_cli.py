"""The `quizbot` command line as an admin meets it: real subprocesses, real exit codes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

ROOT = REPO_ROOT


def quizbot(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN" and not k.startswith("QUIZBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {}), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (None, "quizbot: DISCORD_TOKEN is not set: copy .env.example to .env"),
        ("definitely-not-a-token", "quizbot: DISCORD_TOKEN looks malformed"),
    ],
)
def test_run_without_a_usable_token_prints_one_line_and_exits_2(
    tmp_path: Path, token: str | None, expected: str
) -> None:
    result = quizbot("run", env={} if token is None else {"DISCORD_TOKEN": token}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert "Traceback" not in result.stderr
    if token is not None:
        assert token not in result.stderr


def _closed_port() -> int:
    # Bound but never listening: a connection to it is refused at once, like a firewalled or wrong endpoint.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["run", "sync"])
def test_an_unreachable_discord_is_one_error_line_naming_the_endpoint(tmp_path: Path, command: str) -> None:
    token = "MTA4NjQ2MTk4NzY1NDMyMTA5OA.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
    api_base = f"http://127.0.0.1:{_closed_port()}/api/v10"
    result = quizbot(command, env={"DISCORD_TOKEN": token, "DISCORD_API_BASE": api_base}, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and token not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and f"cannot reach Discord at {api_base}" in errors[0], result.stderr
    assert "check the network connection" in errors[0]


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--shards", "0-8", "--shard-count", "8"], {}, "quizbot: --shards='0-8' with --shard-count=8: shard id 8"),
        (["--shards", "0-1"], {}, "quizbot: --shards needs --shard-count too"),
        ([], {"QUIZBOT_SHARDS": "1"}, "quizbot: QUIZBOT_SHARDS needs QUIZBOT_SHARD_COUNT too"),
        (["--shard-count", "x"], {}, "quizbot: --shard-count must be a whole number of shards, got 'x'"),
    ],
)
def test_run_with_bad_shards_prints_one_line_and_exits_2(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    token = "MTA4NjQ2MTk4NzY1NDMyMTA5OA.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
    result = quizbot("run", *args, env={"DISCORD_TOKEN": token, **env}, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr


def test_help_lists_every_command() -> None:
    result = quizbot("--help")
    assert result.returncode == 0
    for command in ("run", "sync", "validate", "import"):
        assert command in result.stdout


def test_validate_shipped_quizzes() -> None:
    result = quizbot("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'day48: 10 questions, "Day 48 Quiz: Fine-tuning Techniques - LoRA & QLoRA"' in result.stdout


def test_validate_reports_problems_with_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: Broken\nquestions: []\n")
    result = quizbot("validate", str(bad))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{bad}:2: ")


def test_validate_of_a_folder_prints_each_problem_once(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("title: Broken\nquestions: []\n")

    result = quizbot("validate", str(tmp_path))

    assert result.returncode == 1
    assert result.stdout == f"{tmp_path / 'bad.yaml'}:2: questions is empty; add at least 1 question\n"
    assert result.stderr == ""


def test_import_of_the_seed_equals_the_shipped_quiz(tmp_path: Path) -> None:
    seed = ROOT.parent / "shared" / "seeds" / "000_410bd2ece56a659a.txt"
    assert seed.is_file(), f"the Day 48 seed is expected at {seed} (shared/ beside the clone)"
    out = tmp_path / "day48.yaml"
    result = quizbot("import", str(seed), "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_text(encoding="utf-8") == (ROOT / "quizzes" / "day48.yaml").read_text(encoding="utf-8")
