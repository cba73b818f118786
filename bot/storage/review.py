"""SQL for review cards, their ratings, the members' review settings, mistakes and leeches (issue 15).

Cards are never written on the click path: the service folds a member's committed answers into their
cards (`answers_to_card` then `apply`) before it reads them. Every read here is by member through an
index: the member's cards by due time, the member's answers by correctness and time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.errors import QuizbotError
from bot.domain.review import (
    MATURE_INTERVAL,
    AnswerToCard,
    CardPhase,
    CardQuestion,
    CardUpdate,
    Mistake,
    ReviewCard,
    ReviewCounts,
)
from bot.storage.database import Database, from_timestamp, instant, to_timestamp
from bot.storage.quiz_snapshot import load_question

_CARD_COLUMNS = (
    "c.id, c.guild_id, c.user_id, c.quiz_id, c.question_id, c.run_id, c.idx, c.due, c.phase, c.ratings, "
    "c.lapses, c.last_answer_at, c.scheduler_state"
)
# The card's question as its run stored it, and that run's key now (a rescore corrects run_questions).
_CARD_QUESTION = (
    f"SELECT {_CARD_COLUMNS}, r.quiz_title, json_extract(r.quiz_snapshot, '$.questions[' || c.idx || ']') AS q, "
    "k.correct_choice FROM review_cards AS c JOIN runs AS r ON r.id = c.run_id "
    "JOIN run_questions AS k ON k.run_id = c.run_id AND k.idx = c.idx"
)
# Whether the member has been shown the answer to a question: it closed (a live question's reveal, a
# daily post's), or its deadline is long past (a run that never got to close it).
_KNOWN = "(q.state = 'closed' OR q.deadline <= :known_before)"


class CardChangedError(QuizbotError):
    """A rating was for a card state that is no longer current (a second click, or a concurrent catch-up)."""

    def __init__(self) -> None:
        super().__init__("This card changed since it was shown: run /review again.")


@dataclass(frozen=True)
class MemberReview:
    every_answer: bool
    synced_until: datetime | None


@dataclass(frozen=True)
class PendingAnswer:
    answer: AnswerToCard
    known: bool  # False while the member may not see the answer yet (an open daily question)


def _card(row: Any) -> ReviewCard:
    return ReviewCard(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        user_id=int(row["user_id"]),
        quiz_id=str(row["quiz_id"]),
        question_id=str(row["question_id"]),
        run_id=int(row["run_id"]),
        index=int(row["idx"]),
        due=instant(row["due"]),
        phase=CardPhase(int(row["phase"])),
        ratings=int(row["ratings"]),
        lapses=int(row["lapses"]),
        last_answer_at=instant(row["last_answer_at"]),
        scheduler_state=str(row["scheduler_state"]),
    )


def _card_question(row: Any) -> CardQuestion:
    return CardQuestion(
        card=_card(row),
        quiz_title=str(row["quiz_title"]),
        question=load_question(row["q"]),
        key=int(row["correct_choice"]),
    )


class ReviewStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    # --- the member's setting and how far their cards have caught up -------------------------------

    async def member(self, guild_id: int, user_id: int) -> MemberReview:
        row = await self._db.fetch_one(
            "SELECT every_answer, synced_until FROM review_members WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        if row is None:
            return MemberReview(every_answer=False, synced_until=None)
        return MemberReview(every_answer=bool(row[0]), synced_until=from_timestamp(row[1]) if row[1] else None)

    async def set_every_answer(self, guild_id: int, user_id: int, on: bool) -> None:
        await self._db.connection.execute(
            "INSERT INTO review_members (guild_id, user_id, every_answer) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, user_id) DO UPDATE SET every_answer = excluded.every_answer",
            (guild_id, user_id, int(on)),
        )

    async def answers_to_card(
        self, guild_id: int, user_id: int, *, after: datetime | None, known_before: datetime, limit: int
    ) -> list[PendingAnswer]:
        """The member's answers after `after` (all of them if None), oldest first, at most `limit`."""
        rows = await self._db.fetch_all(
            "SELECT a.run_id, a.idx, r.quiz_id, q.question_id, a.correct, a.answered_at, "
            f"{_KNOWN} AS known FROM answers AS a "
            "JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx JOIN runs AS r ON r.id = a.run_id "
            # `correct IN (0, 1)` lets SQLite read the (guild, member, correct, time) index as two time ranges.
            "WHERE a.guild_id = :guild_id AND a.user_id = :user_id AND a.correct IN (0, 1) AND a.answered_at > :after "
            "ORDER BY a.answered_at LIMIT :limit",
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "after": -1.0 if after is None else to_timestamp(after),
                "known_before": to_timestamp(known_before),
                "limit": limit,
            },
        )
        return [
            PendingAnswer(
                AnswerToCard(
                    run_id=int(row[0]),
                    index=int(row[1]),
                    quiz_id=str(row[2]),
                    question_id=str(row[3]),
                    correct=bool(row[4]),
                    answered_at=instant(row[5]),
                ),
                known=bool(row[6]),
            )
            for row in rows
        ]

    async def cards_for(
        self, guild_id: int, user_id: int, questions: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], ReviewCard]:
        """The member's cards of these (quiz id, question id) pairs, by pair."""
        keys = json.dumps(sorted(set(questions)))
        rows = await self._db.fetch_all(
            f"SELECT {_CARD_COLUMNS} FROM review_cards AS c WHERE c.guild_id = ? AND c.user_id = ? "
            "AND (c.quiz_id, c.question_id) IN "
            "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))",
            (guild_id, user_id, keys),
        )
        return {(card.quiz_id, card.question_id): card for card in map(_card, rows)}

    async def apply(
        self, guild_id: int, user_id: int, updates: Sequence[CardUpdate], *, synced_until: datetime | None = None
    ) -> None:
        """Store ratings in order, in one transaction; CardChangedError (and nothing stored) if any is stale.

        A rating numbered n applies only to a card rated n - 1 times so far, and the log keeps one row per
        number: a rating computed twice from the same state is stored once.
        """
        try:
            async with self._db.transaction() as connection:
                for update in updates:
                    await self._apply_one(connection, guild_id, user_id, update)
                if synced_until is not None:
                    await connection.execute(
                        "INSERT INTO review_members (guild_id, user_id, synced_until) VALUES (?, ?, ?) "
                        "ON CONFLICT (guild_id, user_id) DO UPDATE SET synced_until = excluded.synced_until",
                        (guild_id, user_id, to_timestamp(synced_until)),
                    )
        except sqlite3.IntegrityError:
            raise CardChangedError() from None

    async def _apply_one(self, connection: Any, guild_id: int, user_id: int, update: CardUpdate) -> None:
        state = update.state
        wrong = 0 if update.correct else 1
        review_wrong = wrong if update.choice is not None else 0
        values = {
            "guild_id": guild_id,
            "user_id": user_id,
            "quiz_id": update.quiz_id,
            "question_id": update.question_id,
            "run_id": update.run_id,
            "idx": update.index,
            "due": to_timestamp(state.due),
            "phase": int(state.phase),
            "last_review": to_timestamp(state.last_review),
            "n": update.number,
            "wrong": wrong,
            "review_wrong": review_wrong,
            "answer_at": None if update.last_answer_at is None else to_timestamp(update.last_answer_at),
            "state": state.scheduler_state,
            "at": to_timestamp(update.at),
        }
        if update.number == 1:
            cursor = await connection.execute(
                "INSERT INTO review_cards (guild_id, user_id, quiz_id, question_id, run_id, idx, due, phase, "
                "last_review, ratings, lapses, review_lapses, last_answer_at, scheduler_state, created_at) "
                "VALUES (:guild_id, :user_id, :quiz_id, :question_id, :run_id, :idx, :due, :phase, :last_review, 1, "
                ":wrong, :review_wrong, coalesce(:answer_at, :at), :state, :at) RETURNING id",
                values,
            )
            row = await cursor.fetchone()
            card_id = int(row[0])
            # The library's record names the card by our id.
            await connection.execute(
                "UPDATE review_cards SET scheduler_state = json_set(scheduler_state, '$.card_id', id) WHERE id = ?",
                (card_id,),
            )
        else:
            cursor = await connection.execute(
                "UPDATE review_cards SET run_id = :run_id, idx = :idx, due = :due, phase = :phase, "
                "last_review = :last_review, ratings = :n, lapses = lapses + :wrong, "
                "review_lapses = review_lapses + :review_wrong, "
                "last_answer_at = max(last_answer_at, coalesce(:answer_at, last_answer_at)), "
                "scheduler_state = json_set(:state, '$.card_id', id) "
                "WHERE guild_id = :guild_id AND user_id = :user_id AND quiz_id = :quiz_id "
                "AND question_id = :question_id AND ratings = :n - 1 RETURNING id",
                values,
            )
            row = await cursor.fetchone()
            if row is None:
                raise CardChangedError()
            card_id = int(row[0])
        await connection.execute(
            "INSERT INTO review_log (card_id, n, rating, reviewed_at, source, run_id, idx, choice) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                card_id,
                update.number,
                1 if wrong else 3,
                to_timestamp(update.at),
                update.source.value,
                update.run_id,
                update.index,
                update.choice,
            ),
        )

    # --- reading cards ------------------------------------------------------------------------------

    async def counts(self, guild_id: int, user_id: int, now: datetime) -> ReviewCounts:
        row = await self._db.fetch_one(
            "SELECT count(*), coalesce(sum(due <= :now), 0), "
            "coalesce(sum(phase = 2 AND due - last_review >= :mature), 0), min(CASE WHEN due > :now THEN due END) "
            "FROM review_cards WHERE guild_id = :guild_id AND user_id = :user_id",
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "now": to_timestamp(now),
                "mature": MATURE_INTERVAL.total_seconds(),
            },
        )
        return ReviewCounts(cards=int(row[0]), due=int(row[1]), mature=int(row[2]), next_due=from_timestamp(row[3]))

    async def first_due(self, guild_id: int, user_id: int, now: datetime) -> CardQuestion | None:
        """The member's card that has been due longest, with its question."""
        row = await self._db.fetch_one(
            f"{_CARD_QUESTION} WHERE c.guild_id = ? AND c.user_id = ? AND c.due <= ? ORDER BY c.due, c.id LIMIT 1",
            (guild_id, user_id, to_timestamp(now)),
        )
        return None if row is None else _card_question(row)

    async def card(self, card_id: int) -> CardQuestion | None:
        row = await self._db.fetch_one(f"{_CARD_QUESTION} WHERE c.id = ?", (card_id,))
        return None if row is None else _card_question(row)

    # --- mistakes -----------------------------------------------------------------------------------

    async def mistakes(
        self, guild_id: int, user_id: int, *, quiz_id: str | None, known_before: datetime, offset: int, limit: int
    ) -> list[Mistake]:
        """The member's wrong answers whose answer they have seen, newest first (of one quiz, if given)."""
        # The page's rows first (the member index read backwards), then only their questions' text.
        rows = await self._db.fetch_all(
            "WITH page AS MATERIALIZED ("
            " SELECT a.run_id, a.idx, a.choice, a.answered_at, q.correct_choice FROM answers AS a"
            " JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx JOIN runs AS r ON r.id = a.run_id"
            f" WHERE a.guild_id = :guild_id AND a.user_id = :user_id AND a.correct = 0 AND {_KNOWN}"
            " AND (:quiz_id IS NULL OR r.quiz_id = :quiz_id)"
            " ORDER BY a.answered_at DESC LIMIT :limit OFFSET :offset) "
            "SELECT p.run_id, r.quiz_id, r.quiz_title, json_extract(r.quiz_snapshot, '$.questions[' || p.idx || ']'), "
            "p.choice, p.correct_choice, p.answered_at FROM page AS p JOIN runs AS r ON r.id = p.run_id "
            "ORDER BY p.answered_at DESC",
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "quiz_id": quiz_id,
                "known_before": to_timestamp(known_before),
                "limit": limit,
                "offset": offset,
            },
        )
        return [
            Mistake(
                run_id=int(row[0]),
                quiz_id=str(row[1]),
                quiz_title=str(row[2]),
                question=load_question(row[3]),
                choice=int(row[4]),
                key=int(row[5]),
                answered_at=instant(row[6]),
            )
            for row in rows
        ]

    async def mistake_count(self, guild_id: int, user_id: int, *, quiz_id: str | None, known_before: datetime) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) FROM answers AS a JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx "
            "JOIN runs AS r ON r.id = a.run_id "
            f"WHERE a.guild_id = :guild_id AND a.user_id = :user_id AND a.correct = 0 AND {_KNOWN} "
            "AND (:quiz_id IS NULL OR r.quiz_id = :quiz_id)",
            {"guild_id": guild_id, "user_id": user_id, "quiz_id": quiz_id, "known_before": to_timestamp(known_before)},
        )
        return int(row[0])

    async def mistake_quizzes(self, guild_id: int, user_id: int) -> list[tuple[str, str, int]]:
        """(quiz id, latest title, wrong answers) of every quiz the member answered wrong here, most first."""
        rows = await self._db.fetch_all(
            "SELECT substr(t.bucket, 6) AS quiz_id, "
            "(SELECT r.quiz_title FROM runs AS r WHERE r.guild_id = t.guild_id AND r.quiz_id = substr(t.bucket, 6) "
            " ORDER BY r.id DESC LIMIT 1), t.answered - t.correct AS wrong "
            "FROM board_totals AS t WHERE t.guild_id = ? AND t.bucket >= 'quiz:' AND t.bucket < 'quiz;' "
            "AND t.user_id = ? AND t.answered > t.correct ORDER BY wrong DESC, quiz_id",
            (guild_id, user_id),
        )
        return [(str(row[0]), str(row[1] or row[0]), int(row[2])) for row in rows]

    # --- leeches ------------------------------------------------------------------------------------

    async def leeches(self, guild_id: int, quiz_id: str, *, fails: int, members: int) -> list[tuple[str, int, int]]:
        """(question id, members stuck, their wrong answers) of the quiz's questions that at least `members`
        members answered wrong `fails` times or more, in its runs here and in /review; most stuck first.

        Read from the answers themselves, so it counts members who never opened /review too.
        """
        rows = await self._db.fetch_all(
            "WITH fails AS ("
            " SELECT q.question_id, a.user_id, count(*) AS n FROM runs AS r"
            " JOIN answers AS a ON a.run_id = r.id"
            " JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx"
            " WHERE r.guild_id = :guild_id AND r.quiz_id = :quiz_id AND a.correct = 0"
            " GROUP BY q.question_id, a.user_id"
            " UNION ALL SELECT question_id, user_id, review_lapses FROM review_cards"
            " WHERE guild_id = :guild_id AND quiz_id = :quiz_id AND review_lapses > 0"
            "), stuck AS ("
            " SELECT question_id, user_id, sum(n) AS n FROM fails GROUP BY question_id, user_id HAVING sum(n) >= :fails"
            ") SELECT question_id, count(*) AS members, sum(n) FROM stuck GROUP BY question_id "
            "HAVING count(*) >= :members ORDER BY members DESC, sum(n) DESC, question_id",
            {"guild_id": guild_id, "quiz_id": quiz_id, "fails": fails, "members": members},
        )
        return [(str(row[0]), int(row[1]), int(row[2])) for row in rows]
