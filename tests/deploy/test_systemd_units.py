"""The systemd units in deploy/ load cleanly in systemd's own parser and agree with each other and the docs.

`systemd-analyze verify` parses each unit as systemd would (unknown keys, values it cannot parse, missing
executables) without a running systemd. It is part of Debian's systemd package, which this project's
machines have. /opt/quizbot (where docs/operations.md installs quizbot) is mapped to this checkout, so the
executables checked are the real ones: .venv/bin/quizbot and deploy/backup-nightly.sh.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.helpers import DEPLOY, REPO_ROOT

INSTALL_DIR = "/opt/quizbot"
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
# Keys systemd < 254 does not know; quizbot.service explains why they are there and what older versions do.
NEWER_SYSTEMD_KEYS = ("RestartSteps", "RestartMaxDelaySec")


def _settings(unit: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def _systemd_version() -> int:
    first = subprocess.run(["systemd-analyze", "--version"], capture_output=True, text=True, check=True).stdout
    return int(re.match(r"systemd (\d+)", first).group(1))


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    assert shutil.which("systemd-analyze"), "it comes with Debian's systemd package: apt-get install systemd"
    assert {unit.name for unit in UNITS} == {"quizbot.service", "quizbot-backup.service", "quizbot-backup.timer"}
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALL_DIR, str(REPO_ROOT)))

    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(path) for path in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )

    problems = result.stderr.splitlines()
    if _systemd_version() < 254:
        problems = [line for line in problems if not any(f"Unknown key '{key}'" in line for key in NEWER_SYSTEMD_KEYS)]
    assert result.returncode == 0 and problems == [], result.stderr


def test_documentation_points_at_the_installed_docs_not_a_placeholder() -> None:
    for unit in UNITS:
        (url,) = _settings(unit)["Documentation"]
        assert url == f"file://{INSTALL_DIR}/docs/operations.md", unit.name
        assert (REPO_ROOT / url.removeprefix(f"file://{INSTALL_DIR}/")).is_file()


def test_the_backup_service_runs_the_nightly_script_as_the_bot_user_with_the_bot_environment() -> None:
    bot = _settings(DEPLOY / "quizbot.service")
    backup = _settings(DEPLOY / "quizbot-backup.service")
    timer = _settings(DEPLOY / "quizbot-backup.timer")

    assert backup["User"] == bot["User"] == ["quizbot"]
    assert backup["EnvironmentFile"] == bot["EnvironmentFile"], "read by systemd as root: the file stays chmod 600"
    assert backup["Type"] == ["oneshot"]
    (command,) = backup["ExecStart"]
    script, *args = command.split()
    assert script == f"{INSTALL_DIR}/deploy/backup-nightly.sh" and (DEPLOY / "backup-nightly.sh").is_file()
    target = args[-1]
    (create,) = backup["ExecStartPre"]
    assert create.startswith("+") and create.endswith(f" {target}"), "created as root, owned by quizbot"
    assert "-o quizbot" in create
    (writable,) = backup["ReadWritePaths"]
    assert set(writable.split()) == {target, *bot["ReadWritePaths"]}

    assert timer.get("Unit", ["quizbot-backup.service"]) == ["quizbot-backup.service"]
    assert timer["OnCalendar"] and timer["Persistent"] == ["true"]
    assert timer["WantedBy"] == ["timers.target"]
