"""Members' suggested questions: stored until an organiser decides, and accepted together with the quiz version
they become part of."""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.errors import QuizbotError
from bot.domain.quiz import Quiz
from bot.domain.suggestions import SuggestedQuestion, Suggestion, SuggestionStatus
from bot.storage.database import Database, Row, Session, from_timestamp, instant, to_timestamp
from bot.storage.library import StoredQuiz, write_version


class AlreadyDecidedError(QuizbotError):
    """The suggestion is no longer pending (another organiser decided first)."""


_COLUMNS = (
    "id, guild_id, quiz_id, author_user_id, author_name, prompt, choices, answer, explanation, status, created_at, "
    "review_channel_id, review_message_id, edited_by, decided_by, decided_at, accepted_quiz_id, accepted_version, "
    "accepted_question_id"
)


def _suggestion(row: Row) -> Suggestion:
    return Suggestion(
        id=row["id"],
        guild_id=row["guild_id"],
        quiz_id=row["quiz_id"],
        author_id=row["author_user_id"],
        author_name=row["author_name"],
        question=SuggestedQuestion(
            prompt=row["prompt"],
            choices=tuple(json.loads(row["choices"])),
            answer=row["answer"],
            explanation=row["explanation"],
        ),
        status=SuggestionStatus(row["status"]),
        created_at=instant(row["created_at"]),
        review_channel_id=row["review_channel_id"],
        review_message_id=row["review_message_id"],
        edited_by=row["edited_by"],
        decided_by=row["decided_by"],
        decided_at=from_timestamp(row["decided_at"]),
        accepted_quiz_id=row["accepted_quiz_id"],
        accepted_version=row["accepted_version"],
        accepted_question_id=row["accepted_question_id"],
    )


class SuggestionStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self,
        guild_id: int,
        quiz_id: str | None,
        *,
        author_id: int,
        author_name: str,
        question: SuggestedQuestion,
        review_channel_id: int,
        now: datetime,
    ) -> Suggestion:
        async with self._db.transaction() as connection:
            inserted = await connection.fetch_one(
                "INSERT INTO suggestions (guild_id, quiz_id, author_user_id, author_name, prompt, choices, answer, "
                "explanation, created_at, review_channel_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    guild_id,
                    quiz_id,
                    author_id,
                    author_name,
                    question.prompt,
                    json.dumps(list(question.choices), ensure_ascii=False),
                    question.answer,
                    question.explanation,
                    to_timestamp(now),
                    review_channel_id,
                ),
            )
        assert inserted is not None
        suggestion_id = int(inserted[0])
        return Suggestion(
            suggestion_id,
            guild_id,
            quiz_id,
            author_id,
            author_name,
            question,
            SuggestionStatus.PENDING,
            now,
            review_channel_id,
        )

    async def get(self, guild_id: int, suggestion_id: int) -> Suggestion | None:
        """The suggestion, if it belongs to this server (an id from another server is none of its business)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM suggestions WHERE id = ? AND guild_id = ?", (suggestion_id, guild_id)
        )
        return None if row is None else _suggestion(row)

    async def pending_count(self, guild_id: int, author_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) FROM suggestions WHERE guild_id = ? AND author_user_id = ? AND status = 'pending'",
            (guild_id, author_id),
        )
        return int(row[0])

    async def authored_count(self, guild_id: int, author_id: int) -> int:
        """How many of the member's suggestions this server accepted: their "questions authored"."""
        row = await self._db.fetch_one(
            "SELECT count(*) FROM suggestions WHERE guild_id = ? AND author_user_id = ? AND status = 'accepted'",
            (guild_id, author_id),
        )
        return int(row[0])

    async def count_by_author(self, guild_id: int, author_id: int) -> int:
        """Every suggestion of the member here, whatever its status (what Forget me deletes)."""
        row = await self._db.fetch_one(
            "SELECT count(*) FROM suggestions WHERE guild_id = ? AND author_user_id = ?", (guild_id, author_id)
        )
        return int(row[0])

    async def set_review_message(self, suggestion_id: int, message_id: int) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE suggestions SET review_message_id = ? WHERE id = ?", (message_id, suggestion_id)
            )

    async def delete(self, suggestion_id: int) -> None:
        """Forget a suggestion that never reached the review channel."""
        async with self._db.transaction() as connection:
            await connection.execute("DELETE FROM suggestions WHERE id = ? AND status = 'pending'", (suggestion_id,))

    async def edit(self, suggestion_id: int, question: SuggestedQuestion, *, edited_by: int, now: datetime) -> None:
        """Replace a pending suggestion's question (AlreadyDecidedError once it is decided)."""
        async with self._db.transaction() as connection:
            changed = await connection.execute(
                "UPDATE suggestions SET prompt = ?, choices = ?, answer = ?, explanation = ?, edited_by = ?, "
                "edited_at = ? WHERE id = ? AND status = 'pending'",
                (
                    question.prompt,
                    json.dumps(list(question.choices), ensure_ascii=False),
                    question.answer,
                    question.explanation,
                    edited_by,
                    to_timestamp(now),
                    suggestion_id,
                ),
            )
            if changed != 1:
                raise AlreadyDecidedError(str(suggestion_id))

    async def reject(self, suggestion_id: int, *, decided_by: int, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await _decide(connection, suggestion_id, SuggestionStatus.REJECTED, decided_by, now)

    async def accept(
        self,
        suggestion_id: int,
        guild_id: int,
        quiz: Quiz,
        source: str,
        *,
        question_id: str,
        based_on: int | None,
        decided_by: int,
        now: datetime,
    ) -> StoredQuiz:
        """Mark the suggestion accepted and store `quiz` (which holds its question) as the server's next version
        of that quiz, both or neither.

        AlreadyDecidedError if it is no longer pending; QuizChangedError if the server's current version of the
        quiz is not `based_on` (None: it had none).
        """
        async with self._db.transaction() as connection:
            await _decide(connection, suggestion_id, SuggestionStatus.ACCEPTED, decided_by, now)
            stored = await write_version(
                connection, guild_id, quiz, source, uploaded_by=decided_by, now=now, replace=True, based_on=based_on
            )
            await connection.execute(
                "UPDATE suggestions SET accepted_quiz_id = ?, accepted_version = ?, accepted_question_id = ? "
                "WHERE id = ?",
                (quiz.id, stored.version, question_id, suggestion_id),
            )
        return stored


async def _decide(
    connection: Session, suggestion_id: int, status: SuggestionStatus, decided_by: int, now: datetime
) -> None:
    changed = await connection.execute(
        "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
        (status.value, decided_by, to_timestamp(now), suggestion_id),
    )
    if changed != 1:
        raise AlreadyDecidedError(str(suggestion_id))
