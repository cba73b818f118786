"""SQL for quiz runs, their questions and the members' answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.errors import QuizbotError
from bot.domain.quiz import ChoiceOrder, Quiz
from bot.domain.runs import (
    AnswerOutcome,
    AnswerResult,
    QuestionState,
    Run,
    RunKind,
    RunQuestion,
    RunStatus,
    ScoringMode,
    StoredAnswer,
    Tally,
)
from bot.domain.scoring import Score
from bot.storage.answer_batch import AnswerBatcher, Click
from bot.storage.database import ConstraintError, Database, Session, from_timestamp, instant, to_timestamp
from bot.storage.quiz_snapshot import dump_snapshot, load_snapshot


class ChannelBusyError(QuizbotError):
    """A live quiz is already running in this channel."""

    def __init__(self, run: Run) -> None:
        super().__init__(f"run {run.id} is already active in channel {run.channel_id}")
        self.run = run


RUN_COLUMNS = (
    "id, guild_id, channel_id, kind, quiz_id, quiz_title, series, started_by, created_at, status, "
    "seconds_per_question, scoring_mode, current_index, question_count, intro_message_id, starts_at, finished_at, "
    "results_parts, results_done, closes_at"
)
_QUESTION_COLUMNS = (
    "run_id, idx, question_id, correct_choice, choice_count, state, message_id, opened_at, deadline, "
    "closed_at, revealed, choice_order"
)


async def read_run(db: Database, run_id: int) -> Run | None:
    """One run by id, of any kind."""
    row = await db.fetch_one(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
    return None if row is None else run_from_row(row)


async def read_active_run(db: Database, channel_id: int, kind: RunKind) -> Run | None:
    """The channel's run of this kind still in its lobby or running, if any."""
    # The kind is written into the statement, not bound: SQLite uses a partial index (one per kind, WHERE
    # kind = 'live' ...) only when the query names the same literal.
    row = await db.fetch_one(
        f"SELECT {RUN_COLUMNS} FROM runs WHERE channel_id = ? AND kind = '{kind.value}' "
        "AND status IN ('lobby', 'running')",
        (channel_id,),
    )
    return None if row is None else run_from_row(row)


def run_from_row(row: Any) -> Run:
    return Run(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        kind=RunKind(row["kind"]),
        quiz_id=row["quiz_id"],
        quiz_title=row["quiz_title"],
        series=row["series"],
        started_by=row["started_by"],
        created_at=instant(row["created_at"]),
        status=RunStatus(row["status"]),
        seconds_per_question=row["seconds_per_question"],
        scoring_mode=ScoringMode(row["scoring_mode"]),
        current_index=row["current_index"],
        question_count=row["question_count"],
        intro_message_id=row["intro_message_id"],
        starts_at=from_timestamp(row["starts_at"]),
        finished_at=from_timestamp(row["finished_at"]),
        results_parts=row["results_parts"],
        results_done=bool(row["results_done"]),
        closes_at=from_timestamp(row["closes_at"]),
    )


def _question_from_row(row: Any) -> RunQuestion:
    return RunQuestion(
        run_id=row["run_id"],
        index=row["idx"],
        question_id=row["question_id"],
        correct_choice=row["correct_choice"],
        choice_count=row["choice_count"],
        state=QuestionState(row["state"]),
        message_id=row["message_id"],
        opened_at=from_timestamp(row["opened_at"]),
        deadline=from_timestamp(row["deadline"]),
        closed_at=from_timestamp(row["closed_at"]),
        revealed=bool(row["revealed"]),
        choice_order=None if row["choice_order"] is None else tuple(int(digit) for digit in row["choice_order"]),
    )


async def insert_run(
    connection: Session,
    *,
    guild_id: int,
    channel_id: int,
    kind: RunKind,
    quiz: Quiz,
    started_by: int,
    now: datetime,
    seconds_per_question: int,
    scoring_mode: ScoringMode,
    starts_at: datetime | None = None,
    choice_orders: Sequence[ChoiceOrder | None] = (),
) -> int:
    """Insert a run in the lobby and its pending questions inside the caller's transaction; its id.

    `quiz` is the quiz as this run shows it; `choice_orders` (from `shuffle_for_run`) says where each
    shuffled question's choices came from in the file.
    """
    inserted = await connection.fetch_one(
        "INSERT INTO runs (guild_id, channel_id, kind, quiz_id, quiz_title, series, started_by, "
        "created_at, status, seconds_per_question, scoring_mode, question_count, starts_at, "
        "quiz_snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'lobby', ?, ?, ?, ?, ?) RETURNING id",
        (
            guild_id,
            channel_id,
            kind.value,
            quiz.id,
            quiz.title,
            quiz.series,
            started_by,
            to_timestamp(now),
            seconds_per_question,
            scoring_mode.value,
            len(quiz.questions),
            None if starts_at is None else to_timestamp(starts_at),
            dump_snapshot(quiz),
        ),
    )
    assert inserted is not None
    run_id = int(inserted[0])
    orders = list(choice_orders) + [None] * (len(quiz.questions) - len(choice_orders))
    await connection.executemany(
        "INSERT INTO run_questions (run_id, idx, question_id, correct_choice, choice_count, choice_order) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (run_id, i, q.id, q.answer, len(q.choices), dump_choice_order(order))
            for i, (q, order) in enumerate(zip(quiz.questions, orders, strict=True))
        ],
    )
    return run_id


def dump_choice_order(order: ChoiceOrder | None) -> str | None:
    """(2, 0, 3, 1) -> '2031', the form migration 5 stores and the report and rescore SQL read."""
    return None if order is None else "".join(str(index) for index in order)


class RunStore:
    """Runs, run questions and answers."""

    def __init__(self, database: Database) -> None:
        self._db = database
        # Clicks arriving together share one INSERT and one commit (see answer_batch.py).
        self._answers = AnswerBatcher(database)

    async def create_run(
        self,
        *,
        guild_id: int,
        channel_id: int,
        kind: RunKind,
        quiz: Quiz,
        started_by: int,
        now: datetime,
        seconds_per_question: int,
        scoring_mode: ScoringMode,
        starts_at: datetime | None = None,
        choice_orders: Sequence[ChoiceOrder | None] = (),
    ) -> Run:
        """Create a run in the lobby with all its questions pending; ChannelBusyError if one is live here.

        `quiz` is the quiz as the run shows it (`shuffle_for_run`), with `choice_orders` for shuffled ones.
        """
        try:
            async with self._db.transaction() as connection:
                run_id = await insert_run(
                    connection,
                    guild_id=guild_id,
                    channel_id=channel_id,
                    kind=kind,
                    quiz=quiz,
                    started_by=started_by,
                    now=now,
                    seconds_per_question=seconds_per_question,
                    scoring_mode=scoring_mode,
                    starts_at=starts_at,
                    choice_orders=choice_orders,
                )
        except ConstraintError:
            existing = await self.active_live_run(channel_id)
            if existing is None:
                raise
            raise ChannelBusyError(existing) from None
        run = await self.get_run(run_id)
        assert run is not None
        return run

    async def get_run(self, run_id: int) -> Run | None:
        return await read_run(self._db, run_id)

    async def run_quiz(self, run_id: int) -> Quiz | None:
        """The quiz as it was when the run started, and as it showed it (shuffled choices in their order)."""
        row = await self._db.fetch_one("SELECT quiz_snapshot FROM runs WHERE id = ?", (run_id,))
        return None if row is None else load_snapshot(row[0])

    async def active_live_run(self, channel_id: int) -> Run | None:
        return await read_active_run(self._db, channel_id, RunKind.LIVE)

    async def live_runs_to_resume(self) -> list[Run]:
        """Live runs still going, or ended with their results not fully posted (e.g. a crash in between)."""
        rows = await self._db.fetch_all(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE kind = 'live' "
            "AND (status IN ('lobby', 'running') OR results_done = 0) ORDER BY id"
        )
        return [run_from_row(row) for row in rows]

    async def set_results_parts(self, run_id: int, parts: int, *, done: bool) -> None:
        """Record how many results messages are posted (before the next one is sent)."""
        await self._db.execute(
            "UPDATE runs SET results_parts = ?, results_done = ? WHERE id = ?", (parts, int(done), run_id)
        )

    async def set_intro_message(self, run_id: int, message_id: int) -> None:
        await self._db.execute("UPDATE runs SET intro_message_id = ? WHERE id = ?", (message_id, run_id))

    async def set_starts_at(self, run_id: int, starts_at: datetime) -> None:
        await self._db.execute(
            "UPDATE runs SET starts_at = ? WHERE id = ? AND status = 'lobby'",
            (to_timestamp(starts_at), run_id),
        )

    async def open_question(self, run_id: int, index: int, *, now: datetime, deadline: datetime) -> bool:
        """Open a pending question and make it the run's current one; False if it was not pending."""
        async with self._db.transaction() as connection:
            changed = await connection.execute(
                "UPDATE run_questions SET state = 'open', opened_at = ?, deadline = ? "
                "WHERE run_id = ? AND idx = ? AND state = 'pending'",
                (to_timestamp(now), to_timestamp(deadline), run_id, index),
            )
            if changed != 1:
                return False
            await connection.execute(
                "UPDATE runs SET status = 'running', current_index = ? WHERE id = ? AND status IN ('lobby', 'running')",
                (index, run_id),
            )
        return True

    async def restart_question_clock(self, run_id: int, index: int, *, now: datetime, deadline: datetime) -> bool:
        """Give an open question that is not posted yet its time from `now`; False if it is posted or not open."""
        changed = await self._db.execute(
            "UPDATE run_questions SET opened_at = ?, deadline = ? "
            "WHERE run_id = ? AND idx = ? AND state = 'open' AND message_id IS NULL",
            (to_timestamp(now), to_timestamp(deadline), run_id, index),
        )
        return changed == 1

    async def set_question_message(self, run_id: int, index: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE run_questions SET message_id = ? WHERE run_id = ? AND idx = ?",
            (message_id, run_id, index),
        )

    async def close_question(self, run_id: int, index: int, *, now: datetime) -> bool:
        """Close an open question (no answer is accepted after this commits); False if it was not open."""
        changed = await self._db.execute(
            "UPDATE run_questions SET state = 'closed', closed_at = ? WHERE run_id = ? AND idx = ? AND state = 'open'",
            (to_timestamp(now), run_id, index),
        )
        return changed == 1

    async def mark_revealed(self, run_id: int, index: int) -> None:
        await self._db.execute("UPDATE run_questions SET revealed = 1 WHERE run_id = ? AND idx = ?", (run_id, index))

    async def get_question(self, run_id: int, index: int) -> RunQuestion | None:
        row = await self._db.fetch_one(
            f"SELECT {_QUESTION_COLUMNS} FROM run_questions WHERE run_id = ? AND idx = ?", (run_id, index)
        )
        return None if row is None else _question_from_row(row)

    async def questions(self, run_id: int) -> list[RunQuestion]:
        rows = await self._db.fetch_all(
            f"SELECT {_QUESTION_COLUMNS} FROM run_questions WHERE run_id = ? ORDER BY idx", (run_id,)
        )
        return [_question_from_row(row) for row in rows]

    async def record_answer(
        self, *, run_id: int, index: int, user_id: int, user_name: str, choice: int, now: datetime
    ) -> AnswerResult:
        """Record a click atomically and idempotently; the result says whether it was new."""
        inserted = await self._answers.record(Click(run_id, index, user_id, user_name, choice, to_timestamp(now)))
        if inserted is not None:
            return AnswerResult(
                AnswerOutcome.RECORDED, choice, RunKind(inserted.kind), from_timestamp(inserted.deadline)
            )
        return await self._why_not_recorded(run_id, index, user_id, choice, now)

    async def _why_not_recorded(
        self, run_id: int, index: int, user_id: int, choice: int, now: datetime
    ) -> AnswerResult:
        existing = await self._db.fetch_one(
            "SELECT a.choice, r.kind, q.deadline FROM answers AS a JOIN runs AS r ON r.id = a.run_id "
            "JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx "
            "WHERE a.run_id = ? AND a.idx = ? AND a.user_id = ?",
            (run_id, index, user_id),
        )
        if existing is not None:
            return AnswerResult(
                AnswerOutcome.ALREADY_ANSWERED, int(existing[0]), RunKind(existing[1]), from_timestamp(existing[2])
            )
        question = await self.get_question(run_id, index)
        if question is None or not 0 <= choice < question.choice_count:
            return AnswerResult(AnswerOutcome.UNKNOWN)
        return AnswerResult(AnswerOutcome.CLOSED)

    async def answer_count(self, run_id: int, index: int) -> int:
        row = await self._db.fetch_one("SELECT count(*) FROM answers WHERE run_id = ? AND idx = ?", (run_id, index))
        return int(row[0])

    async def choice_counts(self, run_id: int, index: int, choice_count: int) -> list[int]:
        counts = [0] * choice_count
        for row in await self._db.fetch_all(
            "SELECT choice, count(*) FROM answers WHERE run_id = ? AND idx = ? GROUP BY choice",
            (run_id, index),
        ):
            if 0 <= row[0] < choice_count:
                counts[row[0]] = row[1]
        return counts

    async def answers(self, run_id: int, *, user_id: int | None = None) -> list[StoredAnswer]:
        """The run's answers by question then time; only `user_id`'s if given."""
        rows = await self._db.fetch_all(
            "SELECT run_id, idx, user_id, user_name, choice, correct, answered_at, seconds FROM answers "
            "WHERE run_id = ? AND (CAST(? AS BIGINT) IS NULL OR user_id = ?) ORDER BY idx, answered_at",
            (run_id, user_id, user_id),
        )
        return [
            StoredAnswer(
                run_id=row[0],
                index=row[1],
                user_id=row[2],
                user_name=row[3],
                choice=row[4],
                correct=bool(row[5]),
                answered_at=instant(row[6]),
                seconds=row[7],
            )
            for row in rows
        ]

    async def tally(self, run_id: int, quiz: Quiz) -> Tally:
        """How many picked each choice of each question, counted in SQL (a window may hold many answers)."""
        counts = [[0] * len(question.choices) for question in quiz.questions]
        for index, choice, count in await self._db.fetch_all(
            "SELECT idx, choice, count(*) FROM answers WHERE run_id = ? GROUP BY idx, choice", (run_id,)
        ):
            if 0 <= index < len(counts) and 0 <= choice < len(counts[index]):
                counts[index][choice] = int(count)
        return Tally(tuple(tuple(row) for row in counts))

    async def accuracy_scores(self, run_id: int) -> list[Score]:
        """Each member's totals in the run, scored by accuracy, from the run summary (one row per member)."""
        rows = await self._db.fetch_all(
            "SELECT b.user_id, coalesce(n.user_name, ''), b.correct, b.answered, b.seconds FROM board_runs AS b "
            "LEFT JOIN board_totals AS n ON n.guild_id = b.guild_id AND n.bucket = 'all' AND n.user_id = b.user_id "
            "WHERE b.run_id = ? AND b.answered > 0",
            (run_id,),
        )
        return [
            Score(int(row[0]), str(row[1]), int(row[2]), int(row[2]), int(row[3]), round(float(row[4]), 3))
            for row in rows
        ]

    async def finish_run(self, run_id: int, *, status: RunStatus, now: datetime) -> bool:
        """End an active run and close whatever question is still open; False if it had ended already."""
        async with self._db.transaction() as connection:
            changed = await connection.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE id = ? AND status IN ('lobby', 'running')",
                (status.value, to_timestamp(now), run_id),
            )
            if changed != 1:
                return False
            await connection.execute(
                "UPDATE run_questions SET state = 'closed', closed_at = ? WHERE run_id = ? AND state = 'open'",
                (to_timestamp(now), run_id),
            )
        return True
