"""Quizzes a server uploaded: every version, the current one per quiz, and retiring them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import QuizbotError
from bot.domain.quiz import Quiz
from bot.storage.database import Database, Row, Session, instant, to_timestamp
from bot.storage.quiz_snapshot import dump_snapshot, load_snapshot


class QuizExistsError(QuizbotError):
    """The server already has a quiz with this id and replacing it was not asked for."""


class QuizChangedError(QuizbotError):
    """The server's quiz is no longer at the version a change was built on (someone stored another meanwhile)."""


# `based_on` when any current version (or none) may be replaced.
ANY_VERSION = -1


@dataclass(frozen=True)
class StoredQuiz:
    guild_id: int
    quiz: Quiz
    version: int
    source: str  # the quiz as YAML, as /quiz-download hands it out
    uploaded_by: int
    uploaded_at: datetime


_COLUMNS = "guild_id, quiz_id, version, source, snapshot, uploaded_by, uploaded_at"


def _stored(row: Row) -> StoredQuiz:
    return StoredQuiz(
        guild_id=row[0],
        quiz=load_snapshot(row[4]),
        version=row[2],
        source=row[3],
        uploaded_by=row[5],
        uploaded_at=instant(row[6]),
    )


class LibraryStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def current_quizzes(self, guild_id: int | None = None) -> list[StoredQuiz]:
        """The current version of every server quiz (of one server, or of all), by server then id."""
        where = "retired_at IS NULL" + ("" if guild_id is None else " AND guild_id = ?")
        params = () if guild_id is None else (guild_id,)
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM server_quizzes WHERE {where}", params)
        # Sorted here, not by ORDER BY: a PostgreSQL database created with a language collation would put
        # "day-9" and "day_9" elsewhere than SQLite's code point order, and a server has few quizzes.
        return sorted((_stored(row) for row in rows), key=lambda stored: (stored.guild_id, stored.quiz.id))

    async def current(self, guild_id: int, quiz_id: str) -> StoredQuiz | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM server_quizzes WHERE guild_id = ? AND quiz_id = ? AND retired_at IS NULL",
            (guild_id, quiz_id),
        )
        return None if row is None else _stored(row)

    async def count_current(self, guild_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) FROM server_quizzes WHERE guild_id = ? AND retired_at IS NULL", (guild_id,)
        )
        return int(row[0])

    async def save(
        self, guild_id: int, quiz: Quiz, source: str, *, uploaded_by: int, now: datetime, replace: bool
    ) -> StoredQuiz:
        """Store `quiz` as the server's current version of its id (QuizExistsError unless `replace`)."""
        async with self._db.transaction() as connection:
            return await write_version(
                connection, guild_id, quiz, source, uploaded_by=uploaded_by, now=now, replace=replace
            )

    async def retire(self, guild_id: int, quiz_id: str, now: datetime) -> bool:
        """Take the server's quiz out of play (its versions and every past result stay); False if none."""
        async with self._db.transaction() as connection:
            changed = await connection.execute(
                "UPDATE server_quizzes SET retired_at = ? WHERE guild_id = ? AND quiz_id = ? AND retired_at IS NULL",
                (to_timestamp(now), guild_id, quiz_id),
            )
            return changed > 0


async def write_version(
    connection: Session,
    guild_id: int,
    quiz: Quiz,
    source: str,
    *,
    uploaded_by: int,
    now: datetime,
    replace: bool,
    based_on: int | None = ANY_VERSION,
) -> StoredQuiz:
    """Inside a transaction: store `quiz` as the server's next version of its id, retiring the current one.

    QuizExistsError when there is a current version and not `replace`; QuizChangedError when `based_on`
    (a version number, or None for "no current version") is not the current version.
    """
    at = to_timestamp(now)
    versions = await connection.fetch_one(
        "SELECT max(version), max(CASE WHEN retired_at IS NULL THEN version END) FROM server_quizzes "
        "WHERE guild_id = ? AND quiz_id = ?",
        (guild_id, quiz.id),
    )
    latest, current = (None, None) if versions is None else (versions[0], versions[1])
    if current is not None and not replace:
        raise QuizExistsError(quiz.id)
    if based_on != ANY_VERSION and current != based_on:
        raise QuizChangedError(quiz.id)
    await connection.execute(
        "UPDATE server_quizzes SET retired_at = ? WHERE guild_id = ? AND quiz_id = ? AND retired_at IS NULL",
        (at, guild_id, quiz.id),
    )
    version = (latest or 0) + 1
    await connection.execute(
        f"INSERT INTO server_quizzes ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (guild_id, quiz.id, version, source, dump_snapshot(quiz), uploaded_by, at),
    )
    return StoredQuiz(guild_id, quiz, version, source, uploaded_by, now)
