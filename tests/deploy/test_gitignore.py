"""Files the bot, backups and restores leave beside the database are never offered to `git add`."""

from __future__ import annotations

import subprocess

from tests.helpers import REPO_ROOT

RUNTIME_FILES = [
    ".env",
    "quizbot.db",
    "quizbot.db-wal",
    "quizbot.db-shm",
    "quizbot.db.lock",  # held by every `quizbot run` (bot/storage/db_lock.py)
    "quizbot.db.partial",  # a backup being written
    "quizbot.db.before-restore-20261128T031500Z",  # the database a restore moved aside
    "backups/quizbot-2026-11-28T031500Z.db",  # compose.yaml's ../backups
    "backups/before-upgrade.db",
]


def test_runtime_files_are_ignored() -> None:
    result = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "check-ignore", "--no-index", "--verbose", "--non-matching", *RUNTIME_FILES],
        capture_output=True,
        text=True,
        timeout=30,
    )
    not_ignored = [line.split("\t")[1] for line in result.stdout.splitlines() if line.startswith("::")]
    assert not_ignored == [] and result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_files_themselves_are_not_ignored() -> None:
    tracked = ["deploy/backup-nightly.sh", "deploy/quizbot-backup.timer", ".env.example"]
    command = ["git", "-C", str(REPO_ROOT), "check-ignore", "--no-index", *tracked]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and result.stdout == "", result.stdout
