"""SQL for leaderboards, member statistics, item analysis, answer export and rescoring.

Boards read the summary tables of migration 3, which triggers keep in step with every answer write,
so no query here reads more than one row per member (plus the answers of at most two partial days
for a week or month). Ranking happens in SQL with window functions for the same reason.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.boards import PAGE_SIZE, TIME_TIE_DECIMALS, BoardEntry, BoardPage, BoardTarget, Scope, page_count
from bot.domain.item_analysis import AnswerRow, QuestionReport, QuizReport
from bot.domain.member_stats import BestQuiz, MemberStats, TagAccuracy, best_streak
from bot.domain.quiz import Quiz
from bot.domain.streaks import Streak, streaks
from bot.storage.database import Database, instant, to_timestamp
from bot.storage.quiz_snapshot import load_snapshot

SECONDS_PER_DAY = 86400
# A stored choice is a position as the run showed it; reports, export and rescore speak the quiz file's
# letters. `q` is the answer's run question (choice_order NULL: shown in the file's order, see migration 5).
# (The position is cast because PostgreSQL's substr takes an INTEGER start, and choices are BIGINT there.)
FILE_CHOICE = "coalesce(CAST(substr(q.choice_order, CAST(a.choice AS INTEGER) + 1, 1) AS INTEGER), a.choice)"
_FILE_KEY = (
    "coalesce(CAST(substr(q.choice_order, CAST(q.correct_choice AS INTEGER) + 1, 1) AS INTEGER), q.correct_choice)"
)
# The other way, for rescore: where a run showed the file's choice :key. The engines share no function
# that finds a character in a string: SQLite has instr(haystack, needle), PostgreSQL strpos(haystack,
# needle); both give the 1-based position, 0 when absent and NULL for a NULL order.
_SHOWN_KEY = {
    "sqlite": "coalesce(instr(choice_order, CAST(CAST(:key AS BIGINT) AS TEXT)) - 1, CAST(:key AS BIGINT))",
    "postgresql": "coalesce(strpos(choice_order, CAST(CAST(:key AS BIGINT) AS TEXT)) - 1, CAST(:key AS BIGINT))",
}

# Each scope yields (user_id, user_name, correct, answered, seconds, practice) per member, where `practice`
# counts the answers among `answered` that were given in practice; parameters are named.
_NAMES = "LEFT JOIN board_totals AS n ON n.guild_id = :guild_id AND n.bucket = 'all' AND n.user_id = s.user_id"
_BUCKET_SQL = (
    "SELECT user_id, user_name, correct, answered, seconds, 0 AS practice FROM board_totals "
    "WHERE guild_id = :guild_id AND bucket = :bucket"
)
# A series board of a server that counts practice: the series bucket plus its practice twin (migration 9),
# joined member by member on the primary key (half the time of a GROUP BY over both, docs/performance.md).
_BUCKET_WITH_PRACTICE_SQL = (
    "SELECT s.user_id, s.user_name, s.correct + coalesce(p.correct, 0) AS correct, "
    "s.answered + coalesce(p.answered, 0) AS answered, s.seconds + coalesce(p.seconds, 0) AS seconds, "
    "coalesce(p.answered, 0) AS practice FROM board_totals AS s "
    "LEFT JOIN board_totals AS p ON p.guild_id = s.guild_id AND p.bucket = :practice_bucket AND p.user_id = s.user_id "
    "WHERE s.guild_id = :guild_id AND s.bucket = :bucket "
    "UNION ALL SELECT p.user_id, p.user_name, p.correct, p.answered, p.seconds, p.answered FROM board_totals AS p "
    "WHERE p.guild_id = :guild_id AND p.bucket = :practice_bucket AND NOT EXISTS ("
    "SELECT 1 FROM board_totals AS s WHERE s.guild_id = :guild_id AND s.bucket = :bucket AND s.user_id = p.user_id)"
)
_RUN_SQL = (
    "SELECT s.user_id, n.user_name, s.correct, s.answered, s.seconds, 0 AS practice "
    f"FROM board_runs AS s {_NAMES} WHERE s.run_id = :run_id"
)
# A week or month board's names. PostgreSQL is told to read the server's name rows once and hash them
# (OFFSET 0 keeps the subquery whole): left to itself it looks the members up one by one, 27 ms instead of
# 18 for a month of 5,720 members at 1 M answers (docs/performance.md). SQLite picks well by itself, and
# takes no OFFSET without a LIMIT.
_WINDOW_NAMES = {
    "sqlite": _NAMES,
    "postgresql": "LEFT JOIN (SELECT user_id AS name_user, user_name FROM board_totals "
    "WHERE guild_id = :guild_id AND bucket = 'all' OFFSET 0) AS n ON n.name_user = s.user_id",
}
# Whole UTC days from the day summaries, the partial days at both ends from the answers' time index.
_WINDOW_SQL = (
    "SELECT s.user_id, n.user_name, s.correct, s.answered, s.seconds, 0 AS practice FROM ("
    # Cast: PostgreSQL sums a BIGINT column into a NUMERIC.
    " SELECT user_id, CAST(sum(correct) AS BIGINT) AS correct, CAST(sum(answered) AS BIGINT) AS answered,"
    " sum(seconds) AS seconds FROM ("
    "  SELECT user_id, correct, answered, seconds FROM board_days"
    "  WHERE guild_id = :guild_id AND day >= :first_day AND day < :end_day"
    "  UNION ALL SELECT user_id, correct, 1, seconds FROM answers"
    "  WHERE guild_id = :guild_id AND answered_at >= :start AND answered_at < :head_end AND practice = 0"
    "  UNION ALL SELECT user_id, correct, 1, seconds FROM answers"
    "  WHERE guild_id = :guild_id AND answered_at >= :tail_start AND answered_at < :end AND practice = 0"
    " ) AS d GROUP BY user_id"
    ") AS s {names}"
)
# Materialize the scope once, then take one page with a top-N sort and rank only the rows returned:
# a window function over every member would sort the whole board twice.
_BETTER = "b.correct > w.correct OR (b.correct = w.correct AND b.seconds < w.seconds)"
# Names tie-break case-insensitively, ASCII letters only, then by code point: SQLite's NOCASE collation.
# PostgreSQL has no NOCASE; lower() under the "C" collation folds ASCII letters only and compares bytes,
# which for UTF-8 is code point order, whatever the database's own collation.
_NAME_KEY = {"sqlite": "{column} COLLATE NOCASE", "postgresql": 'lower({column} COLLATE "C")'}
# Members hidden with /privacy are left off the page and out of everybody's rank (no gap); a hidden
# viewer still gets their own line, ranked among the members shown.
_HIDDEN = "SELECT user_id FROM member_privacy WHERE guild_id = :guild_id AND hidden = 1"
# A page starts at :first, or at the last page's start when :first is past the end (min() of two
# values is SQLite-only, least() PostgreSQL-only).
_LAST_PAGE_START = "(count(*) - 1) / :size * :size"
_RANKED = f"""
WITH scored AS MATERIALIZED (
    SELECT user_id, coalesce(user_name, '') AS user_name, correct, answered,
           CAST(round(CAST(seconds AS NUMERIC), {TIME_TIE_DECIMALS}) AS DOUBLE PRECISION) AS seconds, practice
    FROM ({{scope}}) AS board
    WHERE answered > 0 AND (user_id = :viewer_id OR user_id NOT IN ({_HIDDEN}))
),
shown AS (
    SELECT * FROM scored WHERE user_id != :viewer_id OR :viewer_id NOT IN ({_HIDDEN})
),
bounds AS (
    -- An old button may ask for a page past the end (the board shrank): show the last page instead.
    SELECT count(*) AS member_count,
           CASE WHEN count(*) = 0 THEN 0 WHEN :first < {_LAST_PAGE_START} THEN :first
                ELSE {_LAST_PAGE_START} END AS page_start
    FROM shown
),
page AS (
    SELECT *, row_number() OVER (ORDER BY correct DESC, seconds, {{name}}, user_id) AS n
    FROM (
        SELECT * FROM shown ORDER BY correct DESC, seconds, {{name}}, user_id
        LIMIT :size OFFSET (SELECT page_start FROM bounds)
    ) AS top
),
wanted AS (
    SELECT * FROM page
    UNION ALL SELECT *, NULL FROM scored WHERE user_id = :viewer_id AND user_id NOT IN (SELECT user_id FROM page)
)
-- Only the first row of the page and the viewer's own row need counting; the other ranks on the
-- page follow from their neighbours.
SELECT w.user_id, w.user_name, w.correct, w.answered, w.seconds, w.practice, w.n,
       CASE WHEN w.n IS NULL OR w.n = 1 THEN 1 + (SELECT count(*) FROM shown AS b WHERE {_BETTER}) END AS rank,
       CASE WHEN w.n IS NULL THEN 1 + (SELECT count(*) FROM shown AS b WHERE {_BETTER}
           OR (b.correct = w.correct AND b.seconds = w.seconds AND ({{b_name}} < {{w_name}}
               OR ({{b_name}} = {{w_name}} AND b.user_id < w.user_id)))) END AS position,
       bounds.member_count, bounds.page_start
FROM wanted AS w, bounds
ORDER BY w.n IS NULL, w.n
"""


def _ranked(dialect: str, scope_sql: str) -> str:
    name_key = _NAME_KEY[dialect]
    return _RANKED.format(
        scope=scope_sql,
        name=name_key.format(column="user_name"),
        b_name=name_key.format(column="b.user_name"),
        w_name=name_key.format(column="w.user_name"),
    )


@dataclass(frozen=True)
class RescoreResult:
    answers_changed: int
    keys_changed: int  # run questions whose stored key was corrected
    skipped: tuple[str, ...]  # question ids whose number of choices changed: not the same question any more


class BoardStore:
    """Leaderboards, /stats, /quiz-report, export and rescore."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # --- boards -----------------------------------------------------------------------------------

    async def board(self, target: BoardTarget, *, page: int, viewer_id: int, page_size: int = PAGE_SIZE) -> BoardPage:
        """One page of a board, plus the viewer's own line wherever it is."""
        params: dict[str, Any] = {
            "guild_id": target.guild_id,
            "run_id": target.run_id,
            "quiz_id": target.quiz_id,
            "series": target.series,
            "first": max(page, 0) * page_size,
            "size": page_size,
            "viewer_id": viewer_id,
        }
        if target.window is not None:
            scope_sql = _WINDOW_SQL.format(names=_WINDOW_NAMES[self._db.dialect])
            params.update(_window_params(to_timestamp(target.window.start), to_timestamp(target.window.end)))
        elif target.scope is Scope.RUN:
            scope_sql = _RUN_SQL
        elif target.with_practice:
            scope_sql = _BUCKET_WITH_PRACTICE_SQL
            params["bucket"] = _bucket(target)
            params["practice_bucket"] = f"practice-{params['bucket']}"
        else:
            scope_sql = _BUCKET_SQL
            params["bucket"] = _bucket(target)
        rows = await self._db.fetch_all(_ranked(self._db.dialect, scope_sql), params)
        if not rows:
            return BoardPage(page=0, page_count=1, member_count=0, entries=(), own=None)
        member_count = int(rows[0]["member_count"])
        page_start = int(rows[0]["page_start"])
        entries: list[BoardEntry] = []
        own: BoardEntry | None = None
        for row in rows:
            if row["n"] is None:
                own = _entry(row, rank=int(row["rank"]), position=int(row["position"]))
                continue
            position = page_start + int(row["n"])
            previous = entries[-1] if entries else None
            if previous is None:
                rank = int(row["rank"])
            elif (previous.correct, previous.seconds) == (row["correct"], row["seconds"]):
                rank = previous.rank
            else:
                rank = position
            entries.append(_entry(row, rank=rank, position=position))
        own = own or next((e for e in entries if e.user_id == viewer_id), None)
        return BoardPage(
            page=page_start // page_size,
            page_count=page_count(member_count, page_size),
            member_count=member_count,
            entries=tuple(entries),
            own=own,
        )

    async def latest_run_id(self, guild_id: int, quiz_id: str | None = None) -> int | None:
        """The guild's most recent run that has answers (of this quiz, if given)."""
        if quiz_id is None:
            row = await self._db.fetch_one("SELECT max(run_id) FROM board_runs WHERE guild_id = ?", (guild_id,))
        else:
            row = await self._db.fetch_one(
                "SELECT max(b.run_id) FROM runs AS r JOIN board_runs AS b ON b.run_id = r.id "
                "WHERE r.guild_id = ? AND r.quiz_id = ?",
                (guild_id, quiz_id),
            )
        return None if row is None or row[0] is None else int(row[0])

    async def run_label(self, run_id: int) -> tuple[int, str, str] | None:
        """(guild id, quiz id, quiz title) of a run, to title its board and check it belongs to the guild."""
        row = await self._db.fetch_one("SELECT guild_id, quiz_id, quiz_title FROM runs WHERE id = ?", (run_id,))
        return None if row is None else (int(row[0]), str(row[1]), str(row[2]))

    async def open_window_close(self, run_id: int) -> datetime | None:
        """When the run closes, if it is a window still open for answers; None for any other run."""
        row = await self._db.fetch_one(
            "SELECT closes_at FROM runs WHERE id = ? AND kind = 'window' AND status IN ('lobby', 'running')",
            (run_id,),
        )
        return None if row is None or row[0] is None else instant(row[0])

    async def quiz_series(self, guild_id: int, quiz_id: str) -> str | None:
        """The series a quiz belonged to when it was last run here (for quizzes no longer on disk)."""
        row = await self._db.fetch_one(
            "SELECT series FROM runs WHERE guild_id = ? AND quiz_id = ? ORDER BY id DESC LIMIT 1",
            (guild_id, quiz_id),
        )
        return None if row is None else row[0]

    # --- stats ------------------------------------------------------------------------------------

    async def member_stats(self, guild_id: int, user_id: int) -> MemberStats:
        # Practice answers count here (their own bucket, migration 9), though on no public board.
        totals = await self._db.fetch_one(
            "SELECT max(CASE WHEN bucket = 'all' THEN user_name END) AS public_name, max(user_name) AS user_name, "
            "sum(answered) AS answered, sum(correct) AS correct, sum(seconds) AS seconds, "
            "sum(CASE WHEN bucket = 'practice' THEN answered ELSE 0 END) AS practice FROM board_totals "
            "WHERE guild_id = ? AND bucket IN ('all', 'practice') AND user_id = ?",
            (guild_id, user_id),
        )
        if totals is None or totals["answered"] is None:
            totals = None
        taken = await self._db.fetch_one(
            "SELECT count(*) FROM board_runs AS b JOIN runs AS r ON r.id = b.run_id "
            "WHERE b.guild_id = ? AND b.user_id = ? AND b.answered > 0 AND r.kind IN ('live', 'window')",
            (guild_id, user_id),
        )
        best = await self._db.fetch_one(
            "SELECT r.quiz_id, r.quiz_title, b.correct, r.question_count "
            "FROM board_runs AS b JOIN runs AS r ON r.id = b.run_id "
            "WHERE b.guild_id = ? AND b.user_id = ? AND b.answered > 0 AND r.kind IN ('live', 'window') "
            "ORDER BY CAST(b.correct AS DOUBLE PRECISION) / "
            "CASE WHEN r.question_count > 1 THEN r.question_count ELSE 1 END DESC, "
            "b.correct DESC, b.seconds, r.id DESC LIMIT 1",
            (guild_id, user_id),
        )
        tags = await self._db.fetch_all(
            "SELECT tag, answered, correct FROM board_tags WHERE guild_id = ? AND user_id = ? AND answered > 0 "
            "ORDER BY answered DESC, tag",
            (guild_id, user_id),
        )
        authored = await self._db.fetch_one(
            "SELECT count(*) FROM suggestions WHERE guild_id = ? AND author_user_id = ? AND status = 'accepted'",
            (guild_id, user_id),
        )
        return MemberStats(
            user_id=user_id,
            user_name=None if totals is None else str(totals["public_name"] or totals["user_name"]),
            quizzes_taken=int(taken[0]),
            questions_answered=0 if totals is None else int(totals["answered"]),
            correct=0 if totals is None else int(totals["correct"]),
            total_seconds=0.0 if totals is None else float(totals["seconds"]),
            practice_answered=0 if totals is None else int(totals["practice"]),
            best_quiz=None if best is None else BestQuiz(best[0], best[1], int(best[2]), int(best[3])),
            daily_streak=await self._daily_streak(guild_id, user_id),
            tags=tuple(TagAccuracy(row[0], int(row[1]), int(row[2])) for row in tags),
            questions_authored=int(authored[0]),
        )

    async def _daily_streak(self, guild_id: int, user_id: int) -> Streak:
        # Same rule as the daily schedule's own history: scheduled posts only (not `/daily now`
        # extras, whose local_date carries a suffix), the post's question is its run's question 0.
        rows = await self._db.fetch_all(
            "SELECT p.schedule_id, p.local_date, p.status, coalesce(a.correct, 0) "
            "FROM daily_schedules AS s JOIN daily_posts AS p ON p.schedule_id = s.id "
            "LEFT JOIN answers AS a ON a.run_id = p.run_id AND a.idx = 0 AND a.user_id = ? "
            "WHERE s.guild_id = ? AND p.status IN ('posted', 'revealed') AND length(p.local_date) = 10",
            (user_id, guild_id),
        )
        history: dict[int, tuple[list[date], set[date], set[date]]] = {}
        for schedule_id, local_date, status, correct in rows:
            posted, right, still_open = history.setdefault(schedule_id, ([], set(), set()))
            day = date.fromisoformat(local_date)
            posted.append(day)
            if correct:
                right.add(day)
            if status == "posted":
                still_open.add(day)
        return best_streak([streaks(p, c, o) for p, c, o in history.values()])

    # --- item analysis ----------------------------------------------------------------------------

    async def quiz_report(self, guild_id: int, quiz_id: str, run_id: int | None = None) -> QuizReport | None:
        """Per question of a quiz (all its runs here, or one run): picks per option, key, median time."""
        # Practice is left out: one member's repeated attempts would weigh like a whole group's.
        runs_sql = (
            "SELECT id FROM runs WHERE guild_id = :guild_id AND quiz_id = :quiz_id AND kind != 'practice' "
            "AND (CAST(:run_id AS BIGINT) IS NULL OR id = CAST(:run_id AS BIGINT))"
        )
        runs = {"guild_id": guild_id, "quiz_id": quiz_id, "run_id": run_id}
        run_rows = await self._db.fetch_all(f"{runs_sql} ORDER BY id", runs)
        run_ids = [int(row[0]) for row in run_rows]
        if not run_ids:
            return None
        in_runs = f"({runs_sql})"
        # Each question id is described by the latest run that asked it (its key after any rescore).
        latest = await self._db.fetch_all(
            f"SELECT q.question_id, q.run_id, q.idx, {_FILE_KEY} AS correct_choice, q.choice_count "
            "FROM run_questions AS q "
            f"JOIN (SELECT question_id, max(run_id) AS run_id FROM run_questions WHERE run_id IN {in_runs} "
            "GROUP BY question_id) AS l ON l.run_id = q.run_id AND l.question_id = q.question_id "
            "ORDER BY q.run_id DESC, q.idx",
            runs,
        )
        picks = await self._db.fetch_all(
            f"SELECT q.question_id, {FILE_CHOICE} AS file_choice, count(*) FROM answers AS a "
            "JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx "
            f"WHERE a.run_id IN {in_runs} GROUP BY q.question_id, file_choice",
            runs,
        )
        medians = await self._db.fetch_all(
            "WITH s AS (SELECT q.question_id, a.seconds, "
            "row_number() OVER (PARTITION BY q.question_id ORDER BY a.seconds) AS n, "
            "count(*) OVER (PARTITION BY q.question_id) AS c FROM answers AS a "
            "JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx "
            f"WHERE a.run_id IN {in_runs}) "
            "SELECT question_id, avg(seconds) FROM s WHERE n IN ((c + 1) / 2, (c + 2) / 2) GROUP BY question_id",
            runs,
        )
        snapshots: dict[int, Quiz] = {}
        for row in latest:
            if row["run_id"] not in snapshots:
                snap = await self._db.fetch_one("SELECT quiz_snapshot FROM runs WHERE id = ?", (row["run_id"],))
                snapshots[row["run_id"]] = load_snapshot(snap[0])
        counts: dict[str, dict[int, int]] = {}
        for question_id, choice, count in picks:
            counts.setdefault(question_id, {})[int(choice)] = int(count)
        median_of = {row[0]: float(row[1]) for row in medians}
        questions = []
        for row in latest:
            question_id = row["question_id"]
            question = snapshots[row["run_id"]].question(question_id)
            by_choice = counts.get(question_id, {})
            questions.append(
                QuestionReport(
                    question_id=question_id,
                    prompt="" if question is None else question.prompt,
                    key=int(row["correct_choice"]),
                    picks=tuple(by_choice.get(i, 0) for i in range(int(row["choice_count"]))),
                    median_seconds=median_of.get(question_id),
                )
            )
        newest = snapshots[max(snapshots)] if snapshots else None
        return QuizReport(
            quiz_id=quiz_id,
            quiz_title=quiz_id if newest is None else newest.title,
            run_ids=tuple(run_ids),
            questions=tuple(questions),
        )

    # --- export -----------------------------------------------------------------------------------

    async def answer_rows(
        self,
        guild_id: int,
        *,
        quiz_id: str | None = None,
        run_id: int | None = None,
        since: datetime | None = None,
        batch: int = 5000,
    ) -> AsyncIterator[AnswerRow]:
        """Every stored answer matching the filters, streamed in run, question, time order."""
        params = {
            "guild_id": guild_id,
            "quiz_id": quiz_id,
            "run_id": run_id,
            "since": None if since is None else to_timestamp(since),
        }
        sql = (
            f"SELECT a.run_id, q.question_id, a.user_id, a.user_name, {FILE_CHOICE}, a.correct, a.seconds "
            "FROM runs AS r JOIN answers AS a ON a.run_id = r.id "
            "JOIN run_questions AS q ON q.run_id = a.run_id AND q.idx = a.idx "
            "WHERE r.guild_id = :guild_id AND (CAST(:quiz_id AS TEXT) IS NULL OR r.quiz_id = :quiz_id) "
            "AND (CAST(:run_id AS BIGINT) IS NULL OR r.id = :run_id) "
            "AND (CAST(:since AS DOUBLE PRECISION) IS NULL OR a.answered_at >= :since) "
            "ORDER BY a.run_id, a.idx, a.answered_at, a.user_id"
        )
        async for rows in self._db.batches(sql, params, batch):
            for row in rows:
                yield AnswerRow(
                    run_id=int(row[0]),
                    question_id=str(row[1]),
                    user_id=int(row[2]),
                    user_name=str(row[3]),
                    choice=int(row[4]),
                    correct=bool(row[5]),
                    seconds=float(row[6]),
                )

    # --- rescore ----------------------------------------------------------------------------------

    async def rescore(self, quiz: Quiz) -> RescoreResult:
        """Apply the shared quiz's current answer key to every stored run of it (all guilds).

        A run of a server's own quiz with the same id (uploaded with replace:true) is that server's, and
        is left alone: it played the server's version, not the shared file.

        A question is matched by id; if its number of choices changed it is a different question
        and is left alone. The summary tables follow through the rescore trigger.
        """
        keys_changed = 0
        skipped: list[str] = []
        shown_key = _SHOWN_KEY[self._db.dialect]
        async with self._db.transaction() as connection:
            for question in quiz.questions:
                # The file's key, at the position where each run showed that choice (instr finds the
                # file index among the run's digits; NULL order: the file's own position).
                changed = await connection.execute(
                    f"UPDATE run_questions SET correct_choice = {shown_key} WHERE question_id = :qid "
                    f"AND choice_count = :n AND correct_choice != {shown_key} "
                    f"AND run_id IN ({_SHARED_RUNS})",
                    {"key": question.answer, "qid": question.id, "n": len(question.choices), "quiz": quiz.id},
                )
                keys_changed += changed
                different = await connection.fetch_one(
                    "SELECT 1 FROM run_questions WHERE question_id = :qid AND choice_count != :n "
                    f"AND run_id IN ({_SHARED_RUNS}) LIMIT 1",
                    {"qid": question.id, "n": len(question.choices), "quiz": quiz.id},
                )
                if different is not None:
                    skipped.append(question.id)
            # Also repairs any answer that disagrees with its question's key for another reason.
            changed = await connection.execute(
                f"UPDATE answers SET correct = {_RIGHT} FROM run_questions AS q "
                "WHERE q.run_id = answers.run_id AND q.idx = answers.idx "
                f"AND answers.run_id IN ({_SHARED_RUNS}) "
                f"AND answers.correct != {_RIGHT}",
                {"quiz": quiz.id},
            )
            answers_changed = changed
        return RescoreResult(answers_changed, keys_changed, tuple(skipped))


# The runs that played the shared quiz :quiz: not those of a server whose own quiz of that id was current
# when the run was created (server_quizzes keeps every version with its upload and retire times).
_SHARED_RUNS = """
    SELECT r.id FROM runs AS r WHERE r.quiz_id = :quiz AND NOT EXISTS (
        SELECT 1 FROM server_quizzes AS s
        WHERE s.guild_id = r.guild_id AND s.quiz_id = r.quiz_id AND s.uploaded_at <= r.created_at
          AND (s.retired_at IS NULL OR s.retired_at > r.created_at))
"""


# 1 or 0 as answers.correct stores it (a comparison is a boolean in PostgreSQL).
_RIGHT = "CASE WHEN answers.choice = q.correct_choice THEN 1 ELSE 0 END"


def _bucket(target: BoardTarget) -> str:
    if target.scope is Scope.QUIZ:
        return f"quiz:{target.quiz_id}"
    if target.scope is Scope.SERIES:
        return f"series:{target.series}"
    return "daily" if target.scope is Scope.DAILY else "all"


def _entry(row: Any, *, rank: int, position: int) -> BoardEntry:
    return BoardEntry(
        rank=rank,
        position=position,
        user_id=int(row["user_id"]),
        user_name=str(row["user_name"]),
        correct=int(row["correct"]),
        answered=int(row["answered"]),
        seconds=float(row["seconds"]),
        practice=int(row["practice"]),
    )


def _window_params(start: float, end: float) -> dict[str, float | int]:
    first_day = math.ceil(start / SECONDS_PER_DAY)
    end_day = int(end // SECONDS_PER_DAY)
    if first_day >= end_day:  # no whole UTC day inside: read the span from the answers alone
        return {"first_day": 0, "end_day": 0, "start": start, "head_end": end, "tail_start": end, "end": end}
    return {
        "first_day": first_day,
        "end_day": end_day,
        "start": start,
        "head_end": float(first_day * SECONDS_PER_DAY),
        "tail_start": float(end_day * SECONDS_PER_DAY),
        "end": end,
    }
