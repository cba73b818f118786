"""`quizbot backup` and `quizbot restore`: consistent copies of the live database, and putting one back.

A backup never copies the database file itself: a file copy of a WAL database taken while the bot
writes can miss committed answers or be torn. It uses SQLite's backup API, then checks the copy.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.errors import ConfigError, QuizbotError
from bot.storage.db_lock import DatabaseBusyError, held_alone
from bot.storage.maintenance import check_database_file, checkpoint, inspect, integrity_problems, online_copy
from bot.storage.migrations import MIGRATIONS

# SQLite's companion files of a database in WAL mode; they belong to the main file and move with it.
_COMPANIONS = ("-wal", "-shm")


class BackupError(QuizbotError):
    """A backup or restore was refused or failed; the message says why and what to do."""


class BackupPathError(BackupError, ConfigError):
    """A path given to backup or restore (QUIZBOT_DB, --db, BACKUP.db) is wrong: fix it and run again."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    schema_version: int
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    restored_from: Path
    target: Path
    schema_version: int
    previous_moved_to: Path | None


def backup_database(source: Path, output: Path, *, overwrite: bool = False) -> BackupReport:
    """Copy `source` (live or not) to `output`, then prove the copy is intact before naming it `output`."""
    started = time.monotonic()
    if not source.is_file():
        raise BackupPathError(f"no database at {source}: check QUIZBOT_DB (or pass --db).")
    check_database_file(source)  # not a database, or another program's: refused before any file is written
    if output.resolve() == source.resolve():
        raise BackupError("the backup file must not be the live database: choose another OUT path.")
    if output.exists() and not overwrite:
        raise BackupError(f"{output} already exists: choose a new name or pass --force to replace it.")
    if not output.parent.is_dir():
        raise BackupError(f"folder {output.parent} does not exist: create it first.")
    partial = output.with_name(output.name + ".partial")
    _remove_with_companions(partial)
    try:
        online_copy(source, partial)
        problems = integrity_problems(partial)
        if problems:
            raise BackupError(
                f"the copy failed PRAGMA integrity_check ({'; '.join(problems[:3])}): the live database may "
                f"be damaged; run `quizbot doctor` and keep your previous backups."
            )
        version = inspect(partial).schema_version
        _durably_replace(partial, output)
    finally:
        _remove_with_companions(partial)
    return BackupReport(output, output.stat().st_size, version, time.monotonic() - started)


def restore_database(backup: Path, target: Path, *, create: bool = False) -> RestoreReport:
    """Put `backup` in place of `target`; refused while a bot process has `target` open.

    `target` must exist unless `create`: a shell without the service's settings would otherwise restore
    into a new file nobody reads. The restored file gets the owner and mode of the one it replaces (or, a
    new one, of its folder's owner), so a root-run restore leaves a database the bot's user can write.
    The previous database (with its -wal/-shm, if a checkpoint could not fold them in) is moved aside
    next to it, never deleted.
    """
    target = Path(os.path.abspath(target))
    if not backup.is_file():
        raise BackupPathError(f"no backup file at {backup}.")
    if not target.parent.is_dir():
        raise BackupPathError(f"folder {target.parent} does not exist: check QUIZBOT_DB (or --db).")
    if not target.exists() and not create:
        raise BackupPathError(
            f"no database at {target} to replace: this shell's QUIZBOT_DB (or --db) may not be the bot's "
            "(systemd keeps its settings in /etc/quizbot/quizbot.env); pass the bot's database with --db, "
            "or --create to restore into a new file."
        )
    if target.exists() and backup.resolve() == target.resolve():
        raise BackupPathError("the backup is the database itself: pass a backup file made by `quizbot backup`.")
    try:
        with held_alone(target):
            version = _verify_backup(backup)
            partial = target.with_name(target.name + ".partial")
            _remove_with_companions(partial)
            try:
                # The copy is made and checked before the current database moves: a failure leaves it in place.
                online_copy(backup, partial)
                if integrity_problems(partial):
                    raise BackupError(
                        f"the restored copy at {partial} failed integrity_check: the disk may be failing."
                    )
                _take_ownership_of(partial, target)
                moved_to = _move_aside(target)
                _durably_replace(partial, target)
            finally:
                _remove_with_companions(partial)
    except DatabaseBusyError as error:
        raise BackupError(str(error)) from None
    return RestoreReport(backup, target, version, moved_to)


def _take_ownership_of(copy: Path, target: Path) -> None:
    """Give `copy` the owner, group and mode of `target`, or for a new file its folder's owner and group."""
    like = target.stat() if target.exists() else None
    owner = like or target.parent.stat()
    mine = copy.stat()
    if like is not None:
        os.chmod(copy, stat.S_IMODE(like.st_mode))
    if (owner.st_uid, owner.st_gid) == (mine.st_uid, mine.st_gid):
        return
    try:
        os.chown(copy, owner.st_uid, owner.st_gid)
    except PermissionError:
        if like is None:
            return  # a new file may stay ours: we made it, and whoever runs the bot passes --create knowingly
        raise BackupError(
            f"cannot give the restored file the owner of {target} (uid {owner.st_uid}, gid {owner.st_gid}), "
            "and the bot could not write it otherwise: run the restore as root or as that user."
        ) from None


def _verify_backup(backup: Path) -> int:
    try:
        facts = inspect(backup)
    except Exception as error:  # sqlite3.DatabaseError for a file that is not a database at all
        raise BackupError(f"{backup} is not a readable SQLite database ({error}).") from None
    if not facts.intact:
        raise BackupError(
            f"{backup} fails PRAGMA integrity_check ({'; '.join(facts.integrity[:3])}): pick an older backup."
        )
    if not facts.is_quizbot or facts.schema_version < 1:
        raise BackupError(f"{backup} is not a quizbot database: pass a file made by `quizbot backup`.")
    if facts.schema_version > len(MIGRATIONS):
        raise BackupError(
            f"{backup} has schema version {facts.schema_version}, newer than this quizbot knows "
            f"({len(MIGRATIONS)}): upgrade quizbot before restoring it."
        )
    return facts.schema_version


def _move_aside(target: Path) -> Path | None:
    companions = [target.with_name(target.name + suffix) for suffix in _COMPANIONS]
    if not target.exists() and not any(c.exists() for c in companions):
        return None
    # The bot is stopped (we hold the lock alone), so folding the WAL in is safe; if it fails (damaged
    # file), the -wal/-shm move along with the main file and stay readable as a set. A -wal left without
    # its main file is moved too: SQLite would otherwise try to replay it into the restored database.
    if target.exists():
        # A damaged target is exactly what a restore is for: failing to checkpoint it is no reason to stop.
        with contextlib.suppress(Exception):
            checkpoint(target)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = target.with_name(f"{target.name}.before-restore-{stamp}")
    if target.exists():
        target.rename(aside)
    for suffix in _COMPANIONS:
        companion = target.with_name(target.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    return aside


def _durably_replace(source: Path, destination: Path) -> None:
    with source.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(source, destination)
    directory = os.open(destination.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _remove_with_companions(path: Path) -> None:
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in _COMPANIONS)):
        candidate.unlink(missing_ok=True)
