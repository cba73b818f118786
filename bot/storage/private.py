"""SQL for private runs (practice alone, open windows): each member's progress and their answers.

A private run's questions are all open from the start (a window's until it closes), and a member answers
only the question their progress row says they are on, so one answer per member per question is still
the answers table's primary key, and an answer is committed in the same transaction that moves the
member on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.errors import QuizbotError
from bot.domain.private import Progress, Score
from bot.domain.quiz import ChoiceOrder, Quiz
from bot.domain.runs import AnswerOutcome, Run, RunKind, ScoringMode
from bot.storage.database import ConstraintError, Database, Row, from_timestamp, instant, to_timestamp
from bot.storage.runs import RUN_COLUMNS, insert_run, read_active_run, read_run, run_from_row


class WindowBusyError(QuizbotError):
    """An open window already takes this channel."""

    def __init__(self, run: Run) -> None:
        super().__init__(f"window run {run.id} is already open in channel {run.channel_id}")
        self.run = run


class PracticeOpenError(QuizbotError):
    """The member already has an unfinished practice of this quiz here."""

    def __init__(self, run: Run) -> None:
        super().__init__(f"practice run {run.id} of {run.quiz_id} is still open")
        self.run = run


# The member's answer to the question they are on, if the run and that question are still open and
# neither the practice timer nor the window has run out; ON CONFLICT keeps their first answer.
_RECORD = """
INSERT INTO answers (run_id, idx, user_id, guild_id, user_name, choice, correct, answered_at, seconds, practice)
SELECT q.run_id, q.idx, p.user_id, r.guild_id, :name, :choice,
       CASE WHEN q.correct_choice = :choice THEN 1 ELSE 0 END, :now,
       CASE WHEN :now > p.shown_at THEN :now - p.shown_at ELSE 0.0 END, CASE WHEN r.kind = 'practice' THEN 1 ELSE 0 END
FROM private_progress AS p
JOIN runs AS r ON r.id = p.run_id
JOIN run_questions AS q ON q.run_id = p.run_id AND q.idx = p.idx
WHERE p.run_id = :run AND p.user_id = :user AND p.idx = :idx
  AND r.status IN ('lobby', 'running') AND q.state = 'open'
  AND (q.deadline IS NULL OR q.deadline > :now) AND (p.deadline IS NULL OR p.deadline > :now)
  AND :choice >= 0 AND :choice < q.choice_count
ON CONFLICT (run_id, idx, user_id) DO NOTHING
RETURNING choice
"""
_PROGRESS = "SELECT run_id, user_id, idx, shown_at, deadline FROM private_progress WHERE run_id = ? AND user_id = ?"


def _deadline(now: datetime, seconds: int | None) -> float | None:
    return None if not seconds else to_timestamp(now + timedelta(seconds=seconds))


class PrivateStore:
    """Practice runs, windows and the members' progress through them."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(
        self,
        *,
        kind: RunKind,
        guild_id: int,
        channel_id: int,
        quiz: Quiz,
        started_by: int,
        now: datetime,
        choice_orders: Sequence[ChoiceOrder | None] = (),
        timer_seconds: int | None = None,
        closes_at: datetime | None = None,
        replaces: int | None = None,
    ) -> Run:
        """Create a practice run (with the member on question 1) or a window, open at once.

        `replaces` is the member's unfinished practice that "start over" stops in the same transaction.
        PracticeOpenError or WindowBusyError when the database already holds an open one.
        """
        try:
            async with self._db.transaction() as connection:
                if replaces is not None:
                    await connection.execute(
                        "UPDATE runs SET status = 'stopped', finished_at = ?, results_done = 1 "
                        "WHERE id = ? AND kind = 'practice' AND started_by = ? AND status IN ('lobby', 'running')",
                        (to_timestamp(now), replaces, started_by),
                    )
                    await connection.execute(
                        "UPDATE run_questions SET state = 'closed', closed_at = ? WHERE run_id = ? AND state = 'open'",
                        (to_timestamp(now), replaces),
                    )
                run_id = await insert_run(
                    connection,
                    guild_id=guild_id,
                    channel_id=channel_id,
                    kind=kind,
                    quiz=quiz,
                    started_by=started_by,
                    now=now,
                    seconds_per_question=timer_seconds or 0,
                    scoring_mode=ScoringMode.ACCURACY,
                    choice_orders=choice_orders,
                )
                close = None if closes_at is None else to_timestamp(closes_at)
                # Practice has no results to post; a window's are posted at its close.
                await connection.execute(
                    "UPDATE runs SET status = 'running', current_index = 0, closes_at = ?, results_done = ? "
                    "WHERE id = ?",
                    (close, int(kind is RunKind.PRACTICE), run_id),
                )
                await connection.execute(
                    "UPDATE run_questions SET state = 'open', opened_at = ?, deadline = ? WHERE run_id = ?",
                    (to_timestamp(now), close, run_id),
                )
                if kind is RunKind.PRACTICE:
                    await connection.execute(
                        "INSERT INTO private_progress (run_id, user_id, guild_id, idx, shown_at, deadline) "
                        "VALUES (?, ?, ?, 0, ?, ?)",
                        (run_id, started_by, guild_id, to_timestamp(now), _deadline(now, timer_seconds)),
                    )
        except ConstraintError:
            if kind is RunKind.PRACTICE:
                existing = await self.open_practice(guild_id, started_by, quiz.id)
                if existing is not None:
                    raise PracticeOpenError(existing) from None
            else:
                window = await self.open_window(channel_id)
                if window is not None:
                    raise WindowBusyError(window) from None
            raise
        run = await read_run(self._db, run_id)
        assert run is not None
        return run

    async def open_practice(self, guild_id: int, user_id: int, quiz_id: str) -> Run | None:
        """The member's unfinished practice of this quiz in this server, if any."""
        row = await self._db.fetch_one(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE started_by = ? AND guild_id = ? AND quiz_id = ? "
            "AND kind = 'practice' AND status IN ('lobby', 'running')",
            (user_id, guild_id, quiz_id),
        )
        return None if row is None else run_from_row(row)

    async def open_window(self, channel_id: int) -> Run | None:
        """The channel's open window, if any."""
        return await read_active_run(self._db, channel_id, RunKind.WINDOW)

    async def windows_to_resume(self) -> list[Run]:
        """Windows still open, or closed with their results not fully posted (a crash in between)."""
        rows = await self._db.fetch_all(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE kind = 'window' AND results_done = 0 ORDER BY id"
        )
        return [run_from_row(row) for row in rows]

    async def progress(self, run_id: int, user_id: int) -> Progress | None:
        row = await self._db.fetch_one(_PROGRESS, (run_id, user_id))
        return None if row is None else _progress(row)

    async def join(self, run_id: int, user_id: int, *, now: datetime) -> Progress | None:
        """The member's progress in an open window, starting them on question 1 the first time; None if closed."""
        await self._db.execute(
            "INSERT INTO private_progress (run_id, user_id, guild_id, idx, shown_at) "
            "SELECT id, ?, guild_id, 0, ? FROM runs "
            "WHERE id = ? AND kind = 'window' AND status IN ('lobby', 'running') "
            "ON CONFLICT (run_id, user_id) DO NOTHING",
            (user_id, to_timestamp(now), run_id),
        )
        return await self.progress(run_id, user_id)

    async def record(
        self,
        *,
        run_id: int,
        index: int,
        user_id: int,
        user_name: str,
        choice: int,
        now: datetime,
        move_on: bool,
    ) -> tuple[AnswerOutcome, int | None]:
        """Commit the member's answer to the question they are on; with `move_on` (a window), show them the
        next one, else (practice, where the answer is shown at once) close the question: revealed, it counts
        for /review and /mistakes straight away.

        The outcome and the member's stored choice for that question (new or earlier), if they have one.
        """
        params = {"run": run_id, "idx": index, "user": user_id, "name": user_name, "choice": choice}
        params["now"] = to_timestamp(now)
        async with self._db.transaction() as connection:
            inserted = await connection.fetch_all(_RECORD, params)
            if inserted and move_on:
                await connection.execute(
                    "UPDATE private_progress SET idx = idx + 1, shown_at = ?, deadline = NULL "
                    "WHERE run_id = ? AND user_id = ? AND idx = ?",
                    (to_timestamp(now), run_id, user_id, index),
                )
            elif inserted:
                await connection.execute(
                    "UPDATE run_questions SET state = 'closed', closed_at = ?, revealed = 1 "
                    "WHERE run_id = ? AND idx = ? AND state = 'open'",
                    (to_timestamp(now), run_id, index),
                )
        if inserted:
            return AnswerOutcome.RECORDED, choice
        earlier = await self.choice_of(run_id, index, user_id)
        if earlier is not None:
            return AnswerOutcome.ALREADY_ANSWERED, earlier
        return AnswerOutcome.CLOSED, None

    async def move_on(self, run_id: int, user_id: int, *, after: int, now: datetime, timer_seconds: int | None) -> bool:
        """Show the member the question after `after` (practice's Next); finishing the run after the last.

        False if they had moved on already (a second click on the same Next).
        """
        async with self._db.transaction() as connection:
            changed = await connection.execute(
                "UPDATE private_progress SET idx = idx + 1, shown_at = ?, deadline = ? "
                "WHERE run_id = ? AND user_id = ? AND idx = ?",
                (to_timestamp(now), _deadline(now, timer_seconds), run_id, user_id, after),
            )
            if changed != 1:
                return False
            finished = await connection.execute(
                "UPDATE runs SET status = 'finished', finished_at = ?, current_index = ? "
                "WHERE id = ? AND kind = 'practice' AND status IN ('lobby', 'running') AND question_count <= ?",
                (to_timestamp(now), after, run_id, after + 1),
            )
            if finished == 1:
                await connection.execute(
                    "UPDATE run_questions SET state = 'closed', closed_at = ? WHERE run_id = ? AND state = 'open'",
                    (to_timestamp(now), run_id),
                )
        return True

    async def choice_of(self, run_id: int, index: int, user_id: int) -> int | None:
        """The member's stored choice for that question, if any."""
        row = await self._db.fetch_one(
            "SELECT choice FROM answers WHERE run_id = ? AND idx = ? AND user_id = ?", (run_id, index, user_id)
        )
        return None if row is None else int(row[0])

    async def score(self, run_id: int, user_id: int) -> Score:
        """How many questions of the run the member answered, how many right, and their total answer time."""
        row = await self._db.fetch_one(
            "SELECT count(*), coalesce(sum(correct), 0), coalesce(sum(seconds), 0.0) FROM answers "
            "WHERE run_id = ? AND user_id = ?",
            (run_id, user_id),
        )
        return Score(int(row[0]), int(row[1]), float(row[2]))


def _progress(row: Row) -> Progress:
    return Progress(
        run_id=int(row[0]),
        user_id=int(row[1]),
        index=int(row[2]),
        shown_at=instant(row[3]),
        deadline=from_timestamp(row[4]),
    )
