"""SQL for review cards, their ratings, the members' review settings, mistakes and leeches (issue 15).

Cards are never written on the click path: the service folds a member's committed answers into their
cards (`answers_to_card` then `apply`) before it reads them. Every read here is by member through an
index: the member's cards by due time, the member's answers by correctness and time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.errors import QuizbotError
from bot.domain.quiz import Question
from bot.domain.review import (
    MATURE_INTERVAL,
    AnswerToCard,
    CardPhase,
    CardQuestion,
    CardUpdate,
    Mistake,
    RatingSource,
    ReviewCard,
    ReviewCounts,
)
from bot.storage.database import ConstraintError, Database, Dialect, from_timestamp, instant, to_timestamp
from bot.storage.quiz_snapshot import question_from

_CARD_COLUMNS = (
    "c.id, c.guild_id, c.user_id, c.quiz_id, c.question_id, c.run_id, c.idx, c.due, c.phase, c.ratings, "
    "c.lapses, c.last_answer_at, c.scheduler_state"
)
# The card's run's stored quiz copy (its question is picked out in Python: `_question_at`), and that run's
# key now (a rescore corrects run_questions).
_CARD_QUESTION = (
    f"SELECT {_CARD_COLUMNS}, r.quiz_title, r.quiz_snapshot, k.correct_choice "
    "FROM review_cards AS c JOIN runs AS r ON r.id = c.run_id "
    "JOIN run_questions AS k ON k.run_id = c.run_id AND k.idx = c.idx"
)

# The questions whose answer members have not been shown yet: not closed (a live question before its
# reveal, a daily post before its reveal) in a run still going, unless the deadline is long past (a run
# that never got to close it). Few rows, read once per query through the active-runs index; a member's
# answers are then checked against it by (run_id, idx), which their index holds, so no row is looked up.
_UNREVEALED = (
    "SELECT q.run_id, q.idx FROM runs AS r JOIN run_questions AS q ON q.run_id = r.id "
    "WHERE r.status IN ('lobby', 'running') AND q.state != 'closed' "
    "AND (q.deadline IS NULL OR q.deadline > :known_before)"
)
_KNOWN = f"(a.run_id, a.idx) NOT IN ({_UNREVEALED})"
# Only one quiz's answers, when :quiz_id is set: runs by (guild, quiz id) through their index. The cast
# names the parameter's type for PostgreSQL, which cannot tell it from `IS NULL` alone.
_OF_QUIZ = (
    "(CAST(:quiz_id AS TEXT) IS NULL "
    "OR a.run_id IN (SELECT id FROM runs WHERE guild_id = :guild_id AND quiz_id = :quiz_id))"
)
# The (quiz id, question id) pairs of one JSON array parameter of pairs: one statement text whatever their
# number. The engines share no function that reads a JSON array.
_WANTED_CARDS: dict[Dialect, str] = {
    "sqlite": "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)",
    "postgresql": "SELECT pair ->> 0, pair ->> 1 FROM json_array_elements(CAST(? AS json)) AS pair",
}
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


def _question_at(snapshot: str, index: int) -> Question:
    """Question `index` of a run's stored quiz copy.

    Picked out here rather than in SQL, for one statement on both engines that reads the same question:
    the engines share no JSON function, and PostgreSQL's JSON operators refuse a whole snapshot that holds
    a \\u0000 escape anywhere (a NUL in some question's text), which SQLite's json_extract reads.
    """
    return question_from(json.loads(snapshot)["questions"][index])


def _card_question(row: Any) -> CardQuestion:
    card = _card(row)
    return CardQuestion(
        card=card,
        quiz_title=str(row["quiz_title"]),
        question=_question_at(row["quiz_snapshot"], card.index),
        key=int(row["correct_choice"]),
    )


# One row per card of a batch (from `_collapsed`): its first and last rating number and its final state.
# The cast types :answer_at for PostgreSQL, which would otherwise read coalesce() of two untyped values as text.
_INSERT_CARD = """
INSERT INTO review_cards (guild_id, user_id, quiz_id, question_id, run_id, idx, due, phase, last_review, ratings,
                          lapses, review_lapses, last_answer_at, scheduler_state, created_at)
VALUES (:guild_id, :user_id, :quiz, :question, :run, :idx, :due, :phase, :last_review, :last, :wrong, :review_wrong,
        coalesce(CAST(:answer_at AS DOUBLE PRECISION), :at), :state, :created)
"""
_CARD_KEY = "guild_id = :guild_id AND user_id = :user_id AND quiz_id = :quiz AND question_id = :question"


def _named_by_card(dialect: Dialect, record: str) -> str:
    """The library's JSON `record` with its card_id set to the card's row id, as text.

    SQLite's json_set has no PostgreSQL form but jsonb_set, which goes through jsonb: the text it gives
    back orders the keys its own way and spaces them differently, and keeps every number's digits, so the
    record parses (json.loads, fsrs's Card.from_dict) to the same values on both engines.
    """
    if dialect == "postgresql":
        return f"CAST(jsonb_set(CAST({record} AS jsonb), '{{card_id}}', to_jsonb(id)) AS TEXT)"
    return f"json_set({record}, '$.card_id', id)"


def _update_card_sql(dialect: Dialect) -> str:
    # A later answer never moves last_answer_at back; a review (no :answer_at) leaves it (NULL compares false).
    return f"""
UPDATE review_cards SET run_id = :run, idx = :idx, due = :due, phase = :phase, last_review = :last_review,
    ratings = :last, lapses = lapses + :wrong, review_lapses = review_lapses + :review_wrong,
    last_answer_at = CASE WHEN :answer_at > last_answer_at THEN :answer_at ELSE last_answer_at END,
    scheduler_state = {_named_by_card(dialect, ":state")}
WHERE {_CARD_KEY} AND ratings = :first - 1
"""


def _name_card_sql(dialect: Dialect) -> str:
    # The library's record names each new card by our id.
    return f"UPDATE review_cards SET scheduler_state = {_named_by_card(dialect, 'scheduler_state')} WHERE {_CARD_KEY}"


_INSERT_LOG = f"""
INSERT INTO review_log (card_id, n, rating, reviewed_at, source, run_id, idx, choice)
VALUES ((SELECT id FROM review_cards WHERE {_CARD_KEY}), :n, :rating, :at, :source, :run, :idx, :choice)
"""


def _collapsed(updates: Sequence[CardUpdate]) -> list[dict[str, Any]]:
    """Per card, in first-rated order: the state after its last rating here, and what the ratings add up to."""
    cards: dict[tuple[str, str], dict[str, Any]] = {}
    for update in updates:
        wrong = 0 if update.correct else 1
        key = (update.quiz_id, update.question_id)
        first = {"first": update.number, "wrong": 0, "review_wrong": 0, "answer_at": None}
        card = cards.setdefault(key, {**first, "created": to_timestamp(update.at)})
        if update.last_answer_at is not None:
            card["answer_at"] = to_timestamp(update.last_answer_at)
        card.update(
            quiz=update.quiz_id,
            question=update.question_id,
            run=update.run_id,
            idx=update.index,
            due=to_timestamp(update.state.due),
            phase=int(update.state.phase),
            last_review=to_timestamp(update.state.last_review),
            last=update.number,
            wrong=card["wrong"] + wrong,
            review_wrong=card["review_wrong"] + (wrong if update.source is RatingSource.REVIEW else 0),
            state=update.state.scheduler_state,
            at=to_timestamp(update.at),
        )
    return list(cards.values())


def _log_rows(updates: Sequence[CardUpdate]) -> list[dict[str, Any]]:
    return [
        {
            "quiz": update.quiz_id,
            "question": update.question_id,
            "n": update.number,
            "rating": 3 if update.correct else 1,
            "at": to_timestamp(update.at),
            "source": update.source.value,
            "run": update.run_id,
            "idx": update.index,
            "choice": update.choice,
        }
        for update in updates
    ]


class ReviewStore:
    def __init__(self, database: Database) -> None:
        self._db = database
        dialect = database.dialect
        self._update_card = _update_card_sql(dialect)
        self._name_card = _name_card_sql(dialect)
        self._wanted_cards = _WANTED_CARDS[dialect]

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
        await self._db.execute(
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
            f"AND (c.quiz_id, c.question_id) IN ({self._wanted_cards})",
            (guild_id, user_id, keys),
        )
        return {(card.quiz_id, card.question_id): card for card in map(_card, rows)}

    async def apply(
        self, guild_id: int, user_id: int, updates: Sequence[CardUpdate], *, synced_until: datetime | None = None
    ) -> None:
        """Store ratings (in order; several may rate one card), in one transaction; CardChangedError, and
        nothing stored, if any is stale.

        A card's ratings numbered n.. apply only to a card rated n - 1 times so far, and the log keeps one
        row per number: a rating computed twice from the same state is stored once. A whole catch-up batch
        is a handful of statements, whatever its size.
        """
        member = {"guild_id": guild_id, "user_id": user_id}
        cards = [{**member, **card} for card in _collapsed(updates)]
        new = [card for card in cards if card["first"] == 1]
        rated = [card for card in cards if card["first"] > 1]
        try:
            async with self._db.transaction() as connection:
                if new:
                    await connection.executemany(_INSERT_CARD, new)
                    await connection.executemany(self._name_card, new)
                if rated:
                    # One statement per card: each must change its row (the version it was read at).
                    for card in rated:
                        if await connection.execute(self._update_card, card) != 1:
                            raise CardChangedError()
                if updates:
                    await connection.executemany(_INSERT_LOG, [{**member, **row} for row in _log_rows(updates)])
                if synced_until is not None:
                    await connection.execute(
                        "INSERT INTO review_members (guild_id, user_id, synced_until) VALUES (?, ?, ?) "
                        "ON CONFLICT (guild_id, user_id) DO UPDATE SET synced_until = excluded.synced_until",
                        (guild_id, user_id, to_timestamp(synced_until)),
                    )
        except ConstraintError:
            raise CardChangedError() from None

    # --- reading cards ------------------------------------------------------------------------------

    async def counts(self, guild_id: int, user_id: int, now: datetime) -> ReviewCounts:
        row = await self._db.fetch_one(
            # A comparison is a boolean in PostgreSQL, which sum() does not take: count with CASE.
            "SELECT count(*), coalesce(sum(CASE WHEN due <= :now THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN phase = 2 AND due - last_review >= :mature THEN 1 ELSE 0 END), 0), "
            "min(CASE WHEN due > :now THEN due END) "
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
        rows = await self._db.fetch_all(
            # The page's rows from the member's index alone (read backwards), then only their runs' quiz copies.
            "WITH page AS MATERIALIZED ("
            " SELECT a.run_id, a.idx, a.choice, a.answered_at FROM answers AS a"
            f" WHERE a.guild_id = :guild_id AND a.user_id = :user_id AND a.correct = 0 AND {_KNOWN} AND {_OF_QUIZ}"
            " ORDER BY a.answered_at DESC LIMIT :limit OFFSET :offset) "
            "SELECT p.run_id, r.quiz_id, r.quiz_title, r.quiz_snapshot, p.idx, "
            "p.choice, q.correct_choice, p.answered_at FROM page AS p JOIN runs AS r ON r.id = p.run_id "
            "JOIN run_questions AS q ON q.run_id = p.run_id AND q.idx = p.idx "
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
                question=_question_at(row[3], int(row[4])),
                choice=int(row[5]),
                key=int(row[6]),
                answered_at=instant(row[7]),
            )
            for row in rows
        ]

    async def mistake_count(self, guild_id: int, user_id: int, *, quiz_id: str | None, known_before: datetime) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) FROM answers AS a "
            f"WHERE a.guild_id = :guild_id AND a.user_id = :user_id AND a.correct = 0 AND {_KNOWN} AND {_OF_QUIZ}",
            {"guild_id": guild_id, "user_id": user_id, "quiz_id": quiz_id, "known_before": to_timestamp(known_before)},
        )
        return int(row[0])

    async def mistake_quizzes(self, guild_id: int, user_id: int) -> list[tuple[str, str, int]]:
        """(quiz id, latest title, wrong answers) of every quiz the member answered wrong here, most first."""
        rows = await self._db.fetch_all(
            # The quizzes come from the member's own wrong answers (their index), and each one's count from
            # its summary row (the primary key): PostgreSQL has no skip-scan, so reading the member's rows
            # among the server's quiz rows took 16-22 ms at 1 M answers (docs/performance.md).
            "SELECT m.quiz_id, "
            "(SELECT r.quiz_title FROM runs AS r WHERE r.guild_id = t.guild_id AND r.quiz_id = m.quiz_id "
            " ORDER BY r.id DESC LIMIT 1), t.answered - t.correct AS wrong "
            "FROM (SELECT DISTINCT r.quiz_id FROM answers AS a JOIN runs AS r ON r.id = a.run_id "
            "      WHERE a.guild_id = :guild_id AND a.user_id = :user_id AND a.correct = 0) AS m "
            "JOIN board_totals AS t ON t.guild_id = :guild_id AND t.bucket = 'quiz:' || m.quiz_id "
            "AND t.user_id = :user_id "
            "WHERE t.answered > t.correct ORDER BY wrong DESC, m.quiz_id",
            {"guild_id": guild_id, "user_id": user_id},
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
