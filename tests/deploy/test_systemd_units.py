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

from bot.cli import build_parser
from bot.settings import shard_settings
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
    assert {unit.name for unit in UNITS} == {
        "quizbot.service",
        "quizbot@.service",
        "quizbot-backup.service",
        "quizbot-backup.timer",
    }
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALL_DIR, str(REPO_ROOT)))
    # The template alone is checked with a made-up instance; this one is named the way the docs start it.
    instance = tmp_path / "quizbot@0-1.service"

    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(path) for path in tmp_path.iterdir()), str(instance)],
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
        expected = "scaling.md" if unit.name == "quizbot@.service" else "operations.md"
        assert url == f"file://{INSTALL_DIR}/docs/{expected}", unit.name
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


def _section(unit: Path, name: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = ""
    for line in unit.read_text().splitlines():
        if line.startswith("["):
            current = line.strip("[]")
        elif current == name and "=" in line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_shard_template_runs_its_instance_name_as_the_shard_range_with_the_shared_env_file() -> None:
    template = _settings(DEPLOY / "quizbot@.service")
    single = _settings(DEPLOY / "quizbot.service")

    (command,) = template["ExecStart"]
    assert command.split() == [*single["ExecStart"][0].split(), "--shards", "%i"]
    # %I would unescape the "-" of a range: `systemd-escape --unescape 0-3` prints 0/3.
    assert not any("%I" in value for values in template.values() for value in values)
    assert template["EnvironmentFile"] == single["EnvironmentFile"] == ["/etc/quizbot/quizbot.env"]

    # `--shards %i` reaches the same code as a hand-typed flag; the count comes from the env file.
    instance = command.replace("%i", "2-3").split()
    args = build_parser().parse_args(instance[1:])
    assert args.command == "run" and args.shard_count is None
    held = shard_settings(args.shards, "4", via="flags")
    assert held is not None and held.ids == (2, 3) and held.count == 4


def test_the_shard_template_keeps_the_single_units_hardening_and_restart_policy_and_waits_for_postgresql() -> None:
    for section, differs in (("Unit", {"Description", "Documentation", "After", "Wants"}), ("Service", {"ExecStart"})):
        template = _section(DEPLOY / "quizbot@.service", section)
        single = _section(DEPLOY / "quizbot.service", section)
        assert single.keys() - template.keys() == set(), section
        assert {key: value for key, value in template.items() if key in single and key not in differs} == {
            key: value for key, value in single.items() if key not in differs
        }, section
    unit = _settings(DEPLOY / "quizbot@.service")
    assert unit["Restart"] == ["on-failure"] and unit["RestartPreventExitStatus"] == ["2"]
    assert unit["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert "postgresql.service" in unit["After"][0].split() and "postgresql.service" in unit["Wants"][0].split()
    assert unit["Conflicts"] == ["quizbot.service"], "the unsharded bot must not run beside the shard processes"
    assert unit["WantedBy"] == _settings(DEPLOY / "quizbot.service")["WantedBy"]


def test_the_documented_instances_cover_every_shard_of_the_documented_count_once() -> None:
    scaling = (REPO_ROOT / "docs" / "scaling.md").read_text()
    (enable,) = re.findall(r"systemctl enable --now ((?:quizbot@\S+ ?)+)", scaling)
    ranges = [name.removeprefix("quizbot@").removesuffix(".service") for name in enable.split()]
    (count,) = {int(value) for value in re.findall(r"^QUIZBOT_SHARD_COUNT=(\d+)$", scaling, re.MULTILINE)}

    held = [shard_settings(shard_range, str(count), via="flags") for shard_range in ranges]
    shards = sorted(shard for shard_set in held if shard_set is not None for shard in shard_set.ids)
    assert len(ranges) >= 2 and shards == list(range(count))
    # Unit names allow no comma: every instance is one id or one range, used as it is.
    assert all(re.fullmatch(r"\d+(-\d+)?", shard_range) for shard_range in ranges)
