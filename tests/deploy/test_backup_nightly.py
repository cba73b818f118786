"""deploy/backup-nightly.sh works as its cron line and systemd unit run it: no quizbot on PATH, the env
file given by path, a target folder that does not exist yet, and old copies pruned only after a good one.

Most tests run the script under /bin/sh with a fake `quizbot` that records its arguments; one runs the
real `quizbot backup` from this checkout's virtualenv against a real database.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import time
from pathlib import Path

from bot.storage import open_storage
from tests.helpers import DEPLOY, REPO_ROOT, fake_executable

SCRIPT = DEPLOY / "backup-nightly.sh"
CRON_PATH = "/usr/bin:/bin"  # what cron gives a job; quizbot is not on it
DAY = 24 * 3600


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": CRON_PATH, "HOME": "/nonexistent", "LANG": "C"}
    return subprocess.run(
        ["/bin/sh", str(SCRIPT), *args], env={**base, **(env or {})}, capture_output=True, text=True, timeout=60
    )


def _fake_quizbot(tmp_path: Path, *, status: int = 0) -> tuple[Path, Path]:
    """A quizbot that logs its arguments and, like the real one, writes OUT.db (the last argument)."""
    calls = tmp_path / "calls"
    script = fake_executable(
        tmp_path / "fakebin",
        "quizbot",
        f'echo "$*" >> "{calls}"\n'
        f'[ {status} = 0 ] || {{ echo "quizbot: no database at $3" >&2; exit {status}; }}\n'
        'for last; do :; done\necho backup > "$last"\necho "backed up $3 to $last"\n',
    )
    return script, calls


def _age(path: Path, days: float) -> None:
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def test_reads_the_database_from_the_env_file_and_creates_the_target_folder(tmp_path: Path) -> None:
    quizbot, calls = _fake_quizbot(tmp_path)
    env_file = tmp_path / "quizbot.env"
    env_file.write_text(
        "DISCORD_TOKEN=aaa.bbb.ccc\n"
        "QUIZBOT_DB=/old/path.db\n"
        'export QUIZBOT_DB = "/var/lib/quizbot/quizbot.db"  # the one in force\n'
        "QUIZBOT_QUIZZES=/opt/quizbot/quizzes\n"
    )
    env_file.chmod(0o600)
    target = tmp_path / "backups" / "quizbot"  # neither folder exists yet

    result = _run("--env-file", str(env_file), str(target), env={"QUIZBOT_BIN": str(quizbot)})

    assert result.returncode == 0, result.stderr
    (copy,) = target.iterdir()
    assert copy.name.startswith("quizbot-") and copy.suffix == ".db"
    assert calls.read_text() == f"backup --db /var/lib/quizbot/quizbot.db {copy}\n"
    assert result.stdout == f"backed up /var/lib/quizbot/quizbot.db to {copy}\n"
    assert target.stat().st_mode & 0o777 == 0o750
    assert copy.stat().st_mode & 0o777 == 0o640, "umask 027: the copy holds the members' answers"


def test_prunes_only_its_own_copies_older_than_keep_days(tmp_path: Path) -> None:
    quizbot, _ = _fake_quizbot(tmp_path)
    target = tmp_path / "backups"
    target.mkdir()
    files = {
        "quizbot-2026-11-01T031500Z.db": 20,  # old: pruned
        "quizbot-2026-11-14T031500Z.db": 7.1,  # 7 days old or more: pruned with --keep-days 7
        "quizbot-2026-11-15T031500Z.db": 6.9,  # kept
        "quizbot-2026-11-02T031500Z.db.partial": 19,  # leftover of a killed run: pruned
        "before-upgrade.db": 30,  # not this script's: kept
        "notes.txt": 30,
    }
    for name, days in files.items():
        (target / name).write_text(name)
        _age(target / name, days)

    result = _run("--keep-days", "7", str(target), env={"QUIZBOT_BIN": str(quizbot), "QUIZBOT_DB": "/srv/q.db"})

    assert result.returncode == 0, result.stderr
    left = sorted(path.name for path in target.iterdir())
    new = [name for name in left if name not in files]
    assert len(new) == 1 and new[0].startswith("quizbot-")
    assert sorted(set(left) - set(new)) == ["before-upgrade.db", "notes.txt", "quizbot-2026-11-15T031500Z.db"]
    assert result.stdout.count("pruned ") == 3


def test_a_failed_backup_prunes_nothing_and_exits_non_zero(tmp_path: Path) -> None:
    quizbot, _ = _fake_quizbot(tmp_path, status=1)
    target = tmp_path / "backups"
    target.mkdir()
    (target / "quizbot-2026-10-01T031500Z.db").write_text("the last good one")
    _age(target / "quizbot-2026-10-01T031500Z.db", 60)

    result = _run(str(target), env={"QUIZBOT_BIN": str(quizbot), "QUIZBOT_DB": "/srv/q.db"})

    assert result.returncode == 1
    assert "quizbot: no database at /srv/q.db" in result.stderr and "older backups kept" in result.stderr
    assert [path.name for path in target.iterdir()] == ["quizbot-2026-10-01T031500Z.db"]
    assert result.stdout == ""


def test_configuration_mistakes_are_refused_with_the_fix(tmp_path: Path) -> None:
    quizbot, calls = _fake_quizbot(tmp_path)
    env = {"QUIZBOT_BIN": str(quizbot)}
    target = str(tmp_path / "b")
    relative = tmp_path / "relative.env"
    relative.write_text("QUIZBOT_DB=quizbot.db\n")
    unset = tmp_path / "unset.env"
    unset.write_text("DISCORD_TOKEN=x.y.z\n")

    cases = {
        "is relative": _run("--env-file", str(relative), target, env=env),
        "sets no QUIZBOT_DB": _run("--env-file", str(unset), target, env=env),
        "cannot read": _run("--env-file", str(tmp_path / "missing.env"), target, env=env),
        "QUIZBOT_DB is not set": _run(target, env=env),
        "--keep-days must be a whole number": _run("--keep-days", "two", target, env={**env, "QUIZBOT_DB": "/x.db"}),
        "usage:": _run(env=env),
    }
    for message, result in cases.items():
        assert result.returncode == 2 and message in result.stderr, (message, result.stderr)
    assert not calls.exists(), "quizbot never ran"


def test_an_uncreatable_target_says_how_to_create_it(tmp_path: Path) -> None:
    quizbot, _ = _fake_quizbot(tmp_path)
    parent = tmp_path / "readonly"
    parent.mkdir()
    (parent / "file").write_text("")
    # A path under a regular file cannot be created, whoever runs this (root included).
    result = _run(str(parent / "file" / "backups"), env={"QUIZBOT_BIN": str(quizbot), "QUIZBOT_DB": "/x.db"})
    assert result.returncode == 2
    assert "cannot create" in result.stderr and "install -d -o" in result.stderr


def test_a_real_backup_with_the_quizbot_beside_the_script_and_cron_s_path(tmp_path: Path) -> None:
    """No QUIZBOT_BIN: the script finds this checkout's .venv/bin/quizbot, as it finds /opt/quizbot/.venv."""
    assert (REPO_ROOT / ".venv" / "bin" / "quizbot").is_file(), "the README's install creates .venv in the checkout"
    db = tmp_path / "data" / "quizbot.db"
    db.parent.mkdir()

    async def create() -> None:
        storage = await open_storage(db)
        await storage.database.execute("INSERT INTO meta (key, value) VALUES ('nightly', 'yes')")
        await storage.close()

    asyncio.run(create())
    env_file = tmp_path / "quizbot.env"
    env_file.write_text(f"QUIZBOT_DB={db}\n")

    result = _run("--env-file", str(env_file), str(tmp_path / "backups"))

    assert result.returncode == 0, result.stderr
    (copy,) = (tmp_path / "backups").iterdir()
    connection = sqlite3.connect(copy)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT value FROM meta WHERE key = 'nightly'").fetchone()[0] == "yes"
    finally:
        connection.close()
    assert "integrity ok" in result.stdout


def test_in_the_image_it_finds_the_quizbot_installed_beside_it(tmp_path: Path) -> None:
    """The Dockerfile installs the script next to pip's quizbot; the container's QUIZBOT_DB is the setting."""
    copies = [line.split()[1:] for line in (DEPLOY / "Dockerfile").read_text().splitlines() if line.startswith("COPY ")]
    (image_path,) = [args[-1] for args in copies if args[:-1] == ["deploy/backup-nightly.sh"]]
    bin_dir = tmp_path / Path(image_path).parent.relative_to("/")
    installed = bin_dir / Path(image_path).name
    bin_dir.mkdir(parents=True)
    installed.write_text(SCRIPT.read_text())
    _, calls = _fake_quizbot(tmp_path)
    (tmp_path / "fakebin" / "quizbot").rename(bin_dir / "quizbot")

    result = subprocess.run(
        ["/bin/sh", str(installed), str(tmp_path / "backups")],
        env={"PATH": CRON_PATH, "QUIZBOT_DB": "/data/quizbot.db"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert calls.read_text().startswith("backup --db /data/quizbot.db ")
