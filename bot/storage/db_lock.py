"""Who holds the database file: running bots share a lock on `<db>.lock`, a restore needs it alone.

An advisory `flock` on a side file rather than a SQLite lock: an idle bot holds no SQLite lock at all in
WAL mode, while a flock lives exactly as long as the process (even after kill -9) and never goes stale.
Several bot processes may share the database (the lock is shared); `restore` takes it exclusively.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from bot.domain.errors import QuizbotError

try:
    import fcntl
except ImportError:  # Windows: no flock; restore then relies on the admin having stopped the bot.
    fcntl = None  # type: ignore[assignment]
# A plain bool: mypy, type-checking on a POSIX platform, would call a `fcntl is None` branch unreachable.
_HAS_FLOCK: bool = fcntl is not None


class DatabaseBusyError(QuizbotError):
    """Another process holds the database in a way that forbids what was asked."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _open_lock_file(db_path: Path) -> int:
    path = lock_path(db_path)
    try:
        return os.open(path, os.O_RDWR)
    except FileNotFoundError:
        pass
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it just now
        return os.open(path, os.O_RDWR)
    # A lock file made by root (a root-run restore) must stay usable by the bot's own user, or its flock
    # silently stops protecting the database: give it the owner of the database (or of its folder).
    owner = db_path if db_path.exists() else db_path.parent
    with contextlib.suppress(OSError):
        stat = owner.stat()
        if (stat.st_uid, stat.st_gid) != (os.geteuid(), os.getegid()):
            os.fchown(fd, stat.st_uid, stat.st_gid)
    return fd


@contextmanager
def _flock(db_path: Path, mode: int, refusal: str) -> Iterator[None]:
    if fcntl is None or str(db_path) == ":memory:":
        yield
        return
    try:
        fd = _open_lock_file(db_path)
    except OSError:
        # No folder or no write access: no bot can be using a database there, and opening it will say why.
        yield
        return
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseBusyError(refusal) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def held_by_bot(db_path: Path) -> AbstractContextManager[None]:
    """Held for the whole life of `quizbot run`; refused only while a restore is replacing the file."""
    return _flock(
        db_path,
        fcntl.LOCK_SH if fcntl else 0,
        f"a restore is replacing {db_path} right now: wait for it to finish, then start the bot again.",
    )


def held_alone(db_path: Path) -> AbstractContextManager[None]:
    """Held by `quizbot restore`; refused while any bot process has the database open."""
    return _flock(
        db_path,
        fcntl.LOCK_EX if fcntl else 0,
        f"the bot is running on {db_path}: stop it first (systemctl stop quizbot / docker compose stop), "
        "then run the restore again.",
    )


def bot_is_running(db_path: Path) -> bool:
    """Whether a `quizbot run` holds the database now; creates and changes nothing (for the doctor)."""
    if not _HAS_FLOCK:
        return False
    try:
        fd = os.open(lock_path(db_path), os.O_RDONLY)
    except OSError:
        return False  # every running bot created the lock file when it started
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
