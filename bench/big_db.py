"""Leaderboards at scale: fill a database with 1,000,000 answers from 10,000 members and time every query.

    .venv/bin/python -m bench.big_db [--answers 1000000] [--members 10000] [--db PATH] [--write-docs]
    .venv/bin/python -m bench.big_db --postgres auto     # copied to PostgreSQL by `quizbot migrate`, side by side

The database is built through the real schema (migrations, triggers and all), so the summary
tables are maintained exactly as the click path maintains them. The fill runs in a worker thread
with executemany; the queries then go through `Storage` like the bot's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.postgres import BenchPostgres, bench_postgres
from bot.domain.boards import BoardTarget, Scope, scope_window
from bot.domain.clock import FakeClock
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import RunKind, RunStatus, ScoringMode
from bot.ops.migrate import migrate
from bot.review.service import ReviewService
from bot.storage import Storage, open_storage

GUILD = 1
QUESTIONS_PER_QUIZ = 20
LIVE_PLAYERS = 80
DAILY_SHARE = 0.2  # a fifth of the answers are daily questions
PRACTICE_SHARE = 0.05  # one in twenty is a practice answer (/practice: one member, a whole quiz)
WINDOW_EVERY = 40  # every 40th group quiz is an open window (/quiz window:) instead of a live one
OPEN_PRACTICE_EVERY = 10  # every 10th practice run is unfinished (offered to continue)
TAGS = ("lora", "quantization", "attention", "rlhf", "tokenizers", "eval", "data", "serving", "moe", "rag")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
SECTION = "## Big database"
TARGET_MS = 20.0
# One-off or admin reports that defer first (see the prose in `render`): not held to the 20 ms target.
NOT_HELD_TO_TARGET = ("first /review", "/quiz-report all runs")


def make_quiz(number: int) -> Quiz:
    questions = tuple(
        Question(
            id=f"q{i}",
            prompt=f"Question {i} of quiz {number}?",
            choices=("A", "B", "C", "D"),
            answer=(number + i) % 4,
            tags=(TAGS[(number + i) % len(TAGS)],),
        )
        for i in range(QUESTIONS_PER_QUIZ)
    )
    return Quiz(id=f"quiz{number:03d}", title=f"Quiz {number}", questions=questions, series=f"series{number % 8}")


def fill(path: Path, answers: int, members: int, seed: int = 1) -> dict[str, float]:
    """Write runs, questions, answers and daily posts; returns counts and the fill time."""
    rng = random.Random(seed)
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")  # a throwaway bench file: bulk-load speed only
    # Active members take part far more often than the rest (a long tail, as in real study groups).
    weights = [1.0 / (i + 10) for i in range(members)]
    member_ids = list(range(100_000, 100_000 + members))
    quizzes = [make_quiz(n) for n in range(40)]
    live_answers = int(answers * (1 - DAILY_SHARE - PRACTICE_SHARE))
    live_runs = max(1, live_answers // (QUESTIONS_PER_QUIZ * LIVE_PLAYERS))
    practice_runs = int(answers * PRACTICE_SHARE) // QUESTIONS_PER_QUIZ
    daily_runs = 365
    group_answers = live_runs * QUESTIONS_PER_QUIZ * LIVE_PLAYERS + practice_runs * QUESTIONS_PER_QUIZ
    daily_players = max(1, (answers - group_answers) // daily_runs)
    start_time = (NOW - timedelta(days=365)).timestamp()
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO daily_schedules (id, guild_id, channel_id, time_of_day, timezone, weekdays, quiz_ids, "
        "question_order, seed, created_by, created_at) VALUES (1, ?, 2, '09:00', 'UTC', '0123456', '[]', "
        "'sequential', 1, 1, 0)",
        (GUILD,),
    )
    run_id = 0
    total = 0
    plan = [("window" if i % WINDOW_EVERY == WINDOW_EVERY - 1 else "live", i) for i in range(live_runs)]
    plan += [("daily", i) for i in range(daily_runs)] + [("practice", i) for i in range(practice_runs)]
    practising: set[tuple[int, str]] = set()  # (member, quiz) with an unfinished practice
    for kind, number in plan:
        run_id += 1
        quiz = quizzes[number % len(quizzes)]
        status, started_by = "finished", 1
        if kind == "daily":
            at = start_time + number * 86400 + 9 * 3600
            questions = quiz.questions[:1]
            players = daily_players
        else:
            at = start_time + rng.random() * 365 * 86400
            questions = quiz.questions
            players = LIVE_PLAYERS
        if kind == "practice":
            players = 1
            started_by = rng.choices(member_ids, weights)[0]
            if number % OPEN_PRACTICE_EVERY == 0 and (started_by, quiz.id) not in practising:
                practising.add((started_by, quiz.id))
                status = "running"
        snapshot = json.dumps(asdict(quiz), separators=(",", ":"))
        connection.execute(
            "INSERT INTO runs (id, guild_id, channel_id, kind, quiz_id, quiz_title, series, started_by, created_at, "
            "status, seconds_per_question, scoring_mode, question_count, quiz_snapshot, closes_at, results_done) "
            "VALUES (?, ?, 2, ?, ?, ?, ?, ?, ?, ?, 30, 'accuracy', ?, ?, ?, 1)",
            (
                run_id,
                GUILD,
                kind,
                quiz.id,
                quiz.title,
                quiz.series,
                started_by,
                at,
                status,
                len(questions),
                snapshot,
                at + 86400 if kind == "window" else None,
            ),
        )
        connection.executemany(
            "INSERT INTO run_questions (run_id, idx, question_id, correct_choice, choice_count, state) "
            "VALUES (?, ?, ?, ?, 4, 'closed')",
            [(run_id, i, q.id, q.answer) for i, q in enumerate(questions)],
        )
        if kind == "daily":
            day = datetime.fromtimestamp(at, UTC).date().isoformat()
            connection.execute(
                "INSERT INTO daily_posts (schedule_id, local_date, question_key, run_id, status, post_at, reveal_at) "
                "VALUES (1, ?, 'q0', ?, 'revealed', ?, ?)",
                (day, run_id, at, at + 86400),
            )
        chosen = {started_by} if kind == "practice" else set()
        while len(chosen) < min(players, members):
            chosen.update(rng.choices(member_ids, weights, k=players - len(chosen)))
        if kind in ("practice", "window"):
            connection.executemany(
                "INSERT INTO private_progress (run_id, user_id, guild_id, idx, shown_at) VALUES (?, ?, ?, ?, ?)",
                [(run_id, user_id, GUILD, len(questions), at) for user_id in chosen],
            )
        rows = []
        for user_id in chosen:
            for index, question in enumerate(questions):
                seconds = rng.uniform(1.0, 30.0)
                choice = question.answer if rng.random() < 0.6 else rng.randrange(4)
                rows.append(
                    (
                        run_id,
                        index,
                        user_id,
                        GUILD,
                        f"member{user_id}",
                        choice,
                        int(choice == question.answer),
                        at + index * 40 + seconds,
                        seconds,
                        int(kind == "practice"),
                    )
                )
        connection.executemany(
            "INSERT INTO answers (run_id, idx, user_id, guild_id, user_name, choice, correct, answered_at, seconds, "
            "practice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        total += len(rows)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    return {
        "answers": total,
        "runs": run_id,
        "practice_runs": practice_runs,
        "windows": sum(kind == "window" for kind, _ in plan),
        "seconds": time.perf_counter() - started,
    }


async def timed(action: Callable[[], Awaitable[object]], repeat: int) -> tuple[float, float]:
    """(median, max) wall milliseconds over `repeat` calls after one warm-up."""
    await action()
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - begin) * 1000)
    return statistics.median(samples), max(samples)


async def measure(path: Path, repeat: int) -> list[tuple[str, float, float]]:
    results = await measure_reads(path, repeat)
    # The click-path comparison drops the summary trigger, so it works on a copy.
    copy = path.with_name(path.stem + "-click.db")
    await asyncio.to_thread(_copy_database, path, copy)
    scratch = await open_storage(copy)
    try:
        results.extend(await _private_writes(scratch, repeat))
        results.extend(await _click_path(scratch))
    finally:
        await scratch.close()
        for leftover in copy.parent.glob(copy.name + "*"):
            leftover.unlink()
    return results


async def measure_reads(database: Path | str, repeat: int) -> list[tuple[str, float, float]]:
    """Every board, stats, private-run, report and review query, through `Storage` on either backend."""
    storage = await open_storage(database)
    results: list[tuple[str, float, float]] = []
    try:
        boards = storage.boards
        run_id = await boards.latest_run_id(GUILD, "quiz007")
        viewer = 100_000 + 5_000  # a member in the long tail: their own line is far from page 1
        week = scope_window(Scope.WEEK, NOW, "Asia/Kathmandu")
        month = scope_window(Scope.MONTH, NOW, "America/New_York")
        targets = {
            "run": BoardTarget(Scope.RUN, GUILD, run_id=run_id),
            "quiz": BoardTarget(Scope.QUIZ, GUILD, quiz_id="quiz007"),
            "series": BoardTarget(Scope.SERIES, GUILD, series="series7"),
            "daily": BoardTarget(Scope.DAILY, GUILD),
            "week": BoardTarget(Scope.WEEK, GUILD, window=week),
            "month": BoardTarget(Scope.MONTH, GUILD, window=month),
            "all": BoardTarget(Scope.ALL, GUILD),
        }
        for name, target in targets.items():
            page = await boards.board(target, page=0, viewer_id=viewer)
            median, worst = await timed(lambda t=target: boards.board(t, page=3, viewer_id=viewer), repeat)
            results.append((f"/leaderboard {name} ({page.member_count} members)", median, worst))
        heavy = 100_000  # the most active member
        median, worst = await timed(lambda: boards.member_stats(GUILD, heavy), repeat)
        results.append(("/stats (most active member)", median, worst))
        median, worst = await timed(lambda: boards.member_stats(GUILD, viewer), repeat)
        results.append(("/stats (long-tail member)", median, worst))
        results.extend(await _private_reads(storage, repeat))
        median, worst = await timed(lambda: boards.quiz_report(GUILD, "quiz007", run_id), repeat)
        results.append(("/quiz-report one run", median, worst))
        median, worst = await timed(lambda: boards.quiz_report(GUILD, "quiz007"), repeat)
        results.append(("/quiz-report all runs of a quiz", median, worst))
        results.extend(await _review(storage, repeat))
    finally:
        await storage.close()
    return results


async def _review(storage: Storage, repeat: int) -> list[tuple[str, float, float]]:
    """The most active member's first catch-up (timed once), then /review, /stats' counts, /mistakes, leeches."""
    clock = FakeClock(NOW)
    review = ReviewService(storage, clock)
    results: list[tuple[str, float, float]] = []
    heavy, tail = 100_000, 100_000 + 5_000
    answered = await storage.database.fetch_one(
        "SELECT count(*) FROM answers WHERE guild_id = ? AND user_id = ?", (GUILD, heavy)
    )
    begin = time.perf_counter()
    rated = await review.catch_up(GUILD, heavy)
    first = (time.perf_counter() - begin) * 1000
    results.append(
        (f"first /review of the most active member: catch up {answered[0]:,} answers ({rated:,} ratings)", first, first)
    )
    rated = await review.catch_up(GUILD, tail)
    for who, user in (("most active member", heavy), ("long-tail member", tail)):
        median, worst = await timed(lambda u=user: review.catch_up(GUILD, u), repeat)
        results.append((f"/review catch-up with nothing new ({who})", median, worst))
        median, worst = await timed(lambda u=user: storage.review.first_due(GUILD, u, NOW), repeat)
        results.append((f"/review due card ({who})", median, worst))
        median, worst = await timed(lambda u=user: storage.review.counts(GUILD, u, NOW), repeat)
        results.append((f"/review and /stats counts ({who})", median, worst))
    total = await review.mistakes(GUILD, heavy, "", 0)
    pages = (
        ("first page", "", 0),
        ("last page", "", total.page_count - 1),
        ("first page, one quiz", "quiz007", 0),
        ("last page, one quiz", "quiz007", 10**6),
    )
    for label, quiz_id, page in pages:
        median, worst = await timed(lambda q=quiz_id, p=page: review.mistakes(GUILD, heavy, q, p), repeat)
        results.append((f"/mistakes {label} (most active member, {total.total:,} wrong)", median, worst))
    median, worst = await timed(lambda: review.mistake_quizzes(GUILD, heavy, "quiz", 25), repeat)
    results.append(("/mistakes quiz autocomplete (most active member)", median, worst))
    median, worst = await timed(lambda: storage.review.leeches(GUILD, "quiz007", fails=4, members=3), repeat)
    results.append(("/quiz-report leeches of a quiz", median, worst))
    return results


def _copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


async def _private_reads(storage: Storage, repeat: int) -> list[tuple[str, float, float]]:
    """The reads of /practice, of a member's screen and of the windows, on the big database."""
    private, boards = storage.private, storage.boards
    row = await storage.database.fetch_one(
        "SELECT started_by, quiz_id, id FROM runs WHERE kind = 'practice' AND status = 'running' ORDER BY id LIMIT 1"
    )
    member, quiz_id, practice_run = int(row[0]), str(row[1]), int(row[2])
    window = await storage.database.fetch_one(
        "SELECT coalesce((SELECT max(id) FROM runs WHERE kind = 'window'), max(id)) FROM runs"
    )
    series = BoardTarget(Scope.SERIES, GUILD, series="series7", with_practice=True)
    page = await boards.board(series, page=0, viewer_id=member)
    reads: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        (
            "/practice: the member's unfinished practice of the quiz",
            lambda: private.open_practice(GUILD, member, quiz_id),
        ),
        ("private click: the member's progress", lambda: private.progress(practice_run, member)),
        ("private click: the member's stored choice", lambda: private.choice_of(practice_run, 5, member)),
        ("practice screen: the member's score in the run", lambda: private.score(practice_run, member)),
        ("/quiz-stop: the channel's open window", lambda: private.open_window(2)),
        ("start-up: windows to resume", private.windows_to_resume),
        ("/leaderboard run: is it an open window", lambda: boards.open_window_close(int(window[0]))),
        (
            f"/leaderboard series, practice counted ({page.member_count} members)",
            lambda: boards.board(series, page=3, viewer_id=member),
        ),
    ]
    results = []
    for name, action in reads:
        median, worst = await timed(action, repeat)
        results.append((name, median, worst))
    return results


WINDOW_MEMBERS = 500  # a big open window: 500 members through 20 questions, 10,000 answers


async def _private_writes(storage: Storage, repeat: int) -> list[tuple[str, float, float]]:
    """Practice and window clicks (each answer committed with the member's progress), and a window's close."""
    private, quiz = storage.private, make_quiz(7)
    creates, answers, nexts = [], [], []
    for member in range(25):
        begin = time.perf_counter()
        run = await private.create(
            kind=RunKind.PRACTICE, guild_id=GUILD, channel_id=2, quiz=quiz, started_by=300_000 + member, now=NOW
        )
        creates.append((time.perf_counter() - begin) * 1000)
        for index in range(QUESTIONS_PER_QUIZ):
            begin = time.perf_counter()
            await private.record(
                run_id=run.id,
                index=index,
                user_id=300_000 + member,
                user_name="p",
                choice=index % 4,
                now=NOW,
                move_on=False,
            )
            answers.append((time.perf_counter() - begin) * 1000)
            begin = time.perf_counter()
            await private.move_on(run.id, 300_000 + member, after=index, now=NOW, timer_seconds=None)
            nexts.append((time.perf_counter() - begin) * 1000)
    window = await private.create(
        kind=RunKind.WINDOW,
        guild_id=GUILD,
        channel_id=999,
        quiz=quiz,
        started_by=1,
        now=NOW,
        closes_at=NOW + timedelta(days=1),
    )
    clicks = []
    for member in range(WINDOW_MEMBERS):
        await private.join(window.id, 400_000 + member, now=NOW)
        for index in range(QUESTIONS_PER_QUIZ):
            begin = time.perf_counter()
            await private.record(
                run_id=window.id,
                index=index,
                user_id=400_000 + member,
                user_name="w",
                choice=member % 4,
                now=NOW,
                move_on=True,
            )
            clicks.append((time.perf_counter() - begin) * 1000)
    closes, reads = [], []
    connection = storage.database.connection
    for _ in range(repeat):
        await connection.execute("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?", (window.id,))
        await connection.execute(
            "UPDATE run_questions SET state = 'open', closed_at = NULL WHERE run_id = ?", (window.id,)
        )
        begin = time.perf_counter()
        await storage.runs.finish_run(window.id, status=RunStatus.FINISHED, now=NOW)
        closes.append((time.perf_counter() - begin) * 1000)
        begin = time.perf_counter()
        scores = await storage.runs.accuracy_scores(window.id)
        tally = await storage.runs.tally(window.id, quiz)
        reads.append((time.perf_counter() - begin) * 1000)
    assert len(scores) == WINDOW_MEMBERS and tally.total == WINDOW_MEMBERS * QUESTIONS_PER_QUIZ
    rows = [
        ("/practice: create a run (20 questions, the member on question 1)", creates),
        ("practice click: commit the answer", answers),
        ("practice Next: move the member on", nexts),
        (f"window click: commit the answer and move on ({WINDOW_MEMBERS} members in the window)", clicks),
        ("window close: end the run and close its questions", closes),
        (f"window close: its leaderboard and distribution ({tally.total:,} answers)", reads),
    ]
    return [(name, statistics.median(samples), max(samples)) for name, samples in rows]


async def _click_path(storage: Storage) -> list[tuple[str, float, float]]:
    """record_answer on this schema, with schema 6's member index instead of schema 7's, then with no
    summary triggers either (same database, same disk)."""
    quiz = make_quiz(7)
    rows = []
    variants = (
        ("with summary triggers and the (guild, member, correct, time) index (schema 7)", ()),
        (
            "with the (guild, member) index instead (schema 6)",
            ("DROP INDEX answers_member", "CREATE INDEX answers_guild_user ON answers (guild_id, user_id)"),
        ),
        (
            "without the summary triggers and the time index either (schema 2)",
            ("DROP TRIGGER answers_boards_insert", "DROP INDEX answers_guild_time"),
        ),
    )
    for label, changes in variants:
        for statement in changes:
            await storage.database.connection.execute(statement)
        run = await storage.runs.create_run(
            guild_id=GUILD,
            channel_id=random.randrange(10**6, 10**9),
            kind=RunKind.LIVE,
            quiz=quiz,
            started_by=1,
            now=NOW,
            seconds_per_question=30,
            scoring_mode=ScoringMode.ACCURACY,
        )
        await storage.runs.open_question(run.id, 0, now=NOW, deadline=NOW + timedelta(days=1))
        samples = []
        for user in range(500):
            begin = time.perf_counter()
            await storage.runs.record_answer(
                run_id=run.id, index=0, user_id=200_000 + user, user_name="x", choice=user % 4, now=NOW
            )
            samples.append((time.perf_counter() - begin) * 1000)
        samples.sort()
        rows.append((f"click path: record_answer, {label}", statistics.median(samples), samples[-1]))
        await storage.runs.finish_run(run.id, status=RunStatus.FINISHED, now=NOW)
    return rows


def render(fill_info: dict[str, float], members: int, results: list[tuple[str, float, float]]) -> str:
    lines = [
        SECTION,
        "",
        f"`python -m bench.big_db` fills a database with {int(fill_info['answers']):,} answers from {members:,} "
        f"members in {int(fill_info['runs']):,} runs (live quizzes of 20 questions with 80 players, every "
        f"{WINDOW_EVERY}th an open window instead, a year of daily questions, and "
        f"{int(fill_info.get('practice_runs', 0)):,} practice runs of one member each, every "
        f"{OPEN_PRACTICE_EVERY}th unfinished) in {fill_info['seconds']:.0f} s, then times each query through "
        "`Storage` "
        "(median and worst of the repeats, milliseconds, this machine). Target: every board, stats, /review, "
        "/mistakes and private-run query under 20 ms.",
        "",
        "How: the answers stay the one source of truth; migration 3 adds summary tables per (guild, member), "
        "(guild, UTC day, member), (run, member) and (guild, member, tag), kept exact by triggers inside the "
        "answer's own INSERT (the click path stays one statement) and by the rescore trigger. A week or month in "
        "any time zone is whole UTC days from the day table plus the two partial edge days read from the "
        "answers through a covering `(guild_id, answered_at, practice, correct, seconds)` index. Ranking and "
        "paging happen in SQL (window functions), so only one page plus the caller's own line leave the database.",
        "",
        "Private runs (migration 9, [practice.md](practice.md)): practice answers go to summary buckets of their "
        "own, so no board reads or skips them row by row. A member's click reads their progress row and commits "
        "the answer with the move to the next question in one transaction (both keyed by run and member). A "
        f"window's close reads its leaderboard from the run summary and its distribution with one `GROUP BY` "
        f"over the run's answers, never the answers themselves: here a window of {WINDOW_MEMBERS} members who "
        "each answered all 20 questions.",
        "",
        "| query | median ms | worst ms |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {name} | {median:.2f} | {worst:.2f} |" for name, median, worst in results]
    lines += [
        "",
        "`/quiz-report` over every run of a quiz reads all of that quiz's answers (here about 17,000, live and "
        "daily) to compute exact medians; it is an admin command that defers first, so it is not held to the "
        "20 ms board target. Per-question histograms kept by the trigger would bring it down if it ever "
        "matters. The click path pays for the summaries with a few more B-tree upserts inside the same "
        "statement (median above, with `synchronous=FULL`).",
        "",
        "Review cards (docs/review.md) are made from the answers when a member's cards are read, not on the "
        "click path: the only change there is migration 7's `(guild, member, correct, time)` answers index, "
        "which replaces schema 6's `(guild, member)` one, so a click writes as many index entries as before "
        "(the two click-path rows above; they differ by less than the noise between runs). The one-off "
        "figures are single timings: a member's first catch-up folds their whole history into cards (about "
        "one transaction per 500 answers, and `/review` defers first). After that, "
        "a catch-up with nothing new, the due card, the counts, any page of `/mistakes` (with or without a "
        "quiz filter) and its autocomplete are index reads of one member's rows.",
        "",
    ]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    found = pattern.search(text)
    text = pattern.sub(lambda _: section + "\n", text) if found else text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text.rstrip("\n") + "\n")


async def on_postgres(path: Path, server: BenchPostgres, repeat: int) -> str:
    """The SQLite file copied to a fresh PostgreSQL database by `quizbot migrate` (the summaries come along
    as the triggers made them, and migrate checks every leaderboard), then the same reads on both."""
    url = await server.fresh_database()
    # migrate ends with ANALYZE, as the SQLite fill does: both planners start from statistics.
    report = await migrate(str(path), url)
    sqlite_reads = await measure_reads(path, repeat)
    postgres_reads = await measure_reads(url, repeat)
    return render_side_by_side(report.seconds, server.facts, sqlite_reads, postgres_reads)


def render_side_by_side(
    migrate_s: float,
    facts: dict[str, str],
    sqlite_reads: list[tuple[str, float, float]],
    postgres_reads: list[tuple[str, float, float]],
) -> str:
    lines = [
        f"`quizbot migrate` copied and verified the database in {migrate_s:.0f} s. PostgreSQL "
        f"{facts.get('server_version', '?')}, data in {facts.get('data_directory', '?')}, fsync "
        f"{facts.get('fsync', '?')}, synchronous_commit {facts.get('synchronous_commit', '?')}, shared_buffers "
        f"{facts.get('shared_buffers', '?')}; milliseconds, median and worst of the repeats.",
        "",
        "| query | SQLite median | SQLite worst | PostgreSQL median | PostgreSQL worst |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    theirs = {name: (median, worst) for name, median, worst in postgres_reads}
    for name, median, worst in sqlite_reads:
        pg_median, pg_worst = theirs.get(name, (math.nan, math.nan))
        held = not name.startswith(NOT_HELD_TO_TARGET)
        flag = " ⚠" if held and not pg_median < TARGET_MS else ""
        lines.append(f"| {name} | {median:.2f} | {worst:.2f} | {pg_median:.2f}{flag} | {pg_worst:.2f} |")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    path = args.db or Path(tempfile.mkdtemp(prefix="quizbot-big-")) / "big.db"
    if not path.exists():
        storage = await open_storage(path)  # creates the schema through the real migrations
        await storage.close()
        fill_info = await asyncio.to_thread(fill, path, args.answers, args.members)
    else:
        fill_info = {"answers": float(args.answers), "runs": 0.0, "seconds": 0.0}
    print(f"filled {path}: {json.dumps(fill_info)}", flush=True)
    if args.postgres:
        async with bench_postgres(args.postgres, args.pg_dir) as server:
            print(await on_postgres(path, server, args.repeat))
        return 0
    results = await measure(path, args.repeat)
    section = render(fill_info, args.members, results)
    print(section)
    if args.write_docs:
        write_docs(section)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", type=Path, help="reuse (or create) this database file")
    parser.add_argument("--write-docs", action="store_true", help="update the section in docs/performance.md")
    parser.add_argument(
        "--postgres", help="also on PostgreSQL: a server URL, or 'auto' for a throw-away one; prints both side by side"
    )
    parser.add_argument("--pg-dir", type=Path, help="where a throw-away server keeps its data (default: temp dir)")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
