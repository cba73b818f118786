"""Issue 13 §3: `quizbot restore` writes the database the bot reads, says which, and leaves it usable by the bot.

A shell whose `.env` is not the service's (systemd keeps its settings in /etc/quizbot/quizbot.env) used to
restore into a new ./quizbot.db and report success; a root-run restore left a root-owned database that the
bot's own user could not write.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from bot.storage import open_storage
from bot.storage.migrations import MIGRATIONS
from tests.helpers import quizbot

# Someone other than whoever runs the tests (tests run as root in CI); without root only the mode is checked.
OTHER_UID, OTHER_GID = (65534, 65534) if os.geteuid() == 0 else (os.geteuid(), os.getegid())


async def _quizbot_db(path: Path, *, marker: str) -> Path:
    storage = await open_storage(path)
    await storage.settings.set_meta("marker", marker)
    await storage.close()
    return path


def _marker(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()[0])
    finally:
        connection.close()


async def test_restore_refuses_a_target_that_does_not_exist_and_names_it(tmp_path: Path) -> None:
    backup = await _quizbot_db(tmp_path / "b.db", marker="backup")
    shell = tmp_path / "some-shell"
    shell.mkdir()
    # No QUIZBOT_DB here: the default ./quizbot.db, which is not the service's database.
    result = quizbot("restore", str(backup), cwd=shell)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert f"no database at {shell / 'quizbot.db'} to replace" in result.stderr
    assert "/etc/quizbot/quizbot.env" in result.stderr and "--create" in result.stderr
    assert list(shell.iterdir()) == [], "nothing created, not even the lock file"


async def test_restore_with_create_writes_the_new_file_and_says_so(tmp_path: Path) -> None:
    backup = await _quizbot_db(tmp_path / "b.db", marker="backup")
    shell = tmp_path / "some-shell"
    shell.mkdir()
    result = quizbot("restore", str(backup), "--create", cwd=shell)
    assert result.returncode == 0, result.stderr
    target = shell / "quizbot.db"
    assert result.stdout == (
        f"restored {backup} to the new file {target} (schema version {len(MIGRATIONS)}); start the bot again\n"
    )
    assert _marker(target) == "backup"


async def test_restore_names_the_absolute_path_it_replaced_and_keeps_owner_and_mode(tmp_path: Path) -> None:
    backup = await _quizbot_db(tmp_path / "b.db", marker="backup")
    live = tmp_path / "var" / "quizbot.db"
    live.parent.mkdir()
    await _quizbot_db(live, marker="live")
    os.chown(live, OTHER_UID, OTHER_GID)
    live.chmod(0o640)
    # A relative --db, as an admin types it: the output still says exactly which file was written.
    result = quizbot("restore", str(backup), "--db", "var/quizbot.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"kept the previous database as {live}.before-restore-"), result.stdout
    assert lines[1] == f"restored {backup} to {live} (schema version {len(MIGRATIONS)}); start the bot again"
    assert _marker(live) == "backup"
    restored = live.stat()
    assert (restored.st_uid, restored.st_gid) == (OTHER_UID, OTHER_GID)
    assert stat.S_IMODE(restored.st_mode) == 0o640
    (previous,) = live.parent.glob("quizbot.db.before-restore-*")
    assert _marker(previous) == "live"
    lock = live.with_name("quizbot.db.lock")
    assert (lock.stat().st_uid, lock.stat().st_gid) == (OTHER_UID, OTHER_GID), "the bot's user can lock it"


async def test_restore_with_create_gives_the_new_file_the_folders_owner(tmp_path: Path) -> None:
    backup = await _quizbot_db(tmp_path / "b.db", marker="backup")
    folder = tmp_path / "var"
    folder.mkdir()
    os.chown(folder, OTHER_UID, OTHER_GID)
    result = quizbot("restore", str(backup), "--db", str(folder / "quizbot.db"), "--create", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    made = (folder / "quizbot.db").stat()
    assert (made.st_uid, made.st_gid) == (OTHER_UID, OTHER_GID)
