"""Leaderboards, stats, item analysis, CSV export and rescore, on a real SQLite file."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.boards import BoardTarget, Scope, TimeWindow, scope_window
from bot.domain.item_analysis import QuestionFlag
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import RunKind
from bot.domain.scoring import Score, rank
from bot.domain.suggestions import SuggestedQuestion
from bot.ops.answers_csv import read_answers_csv, write_answers_csv
from bot.storage import Storage
from tests.helpers import SEED_AT as T0
from tests.helpers import SEED_GUILD as GUILD
from tests.helpers import SEED_QUIZ as QUIZ
from tests.helpers import SeedAnswer as Answer
from tests.helpers import seed_practice, seed_run
from tests.unit.storage.summaries import fresh_count, stored

OTHER = Quiz(id="other", title="Other", questions=(Question("x1", "X?", ("a", "b"), 1),))


def lines(page) -> list[tuple[int, str, int, float]]:
    return [(e.rank, e.user_name, e.correct, e.seconds) for e in page.entries]


async def test_all_time_board_breaks_ties_by_time_then_shares_rank(storage: Storage) -> None:
    await seed_run(
        storage,
        [
            (0, 1, "bob", 0, 1.0),
            (1, 1, "bob", 1, 2.0),  # 2 correct, 3 s
            (0, 2, "alice", 0, 2.0),
            (1, 2, "alice", 1, 1.0),  # 2 correct, 3 s: tied with bob, listed first
            (0, 3, "carol", 0, 4.0),
            (1, 3, "carol", 1, 1.0),
            (2, 3, "carol", 1, 0.5),  # 2 correct, 5.5 s
            (0, 4, "dave", 0, 9.0),  # 1 correct
            (0, 5, "erin", 2, 0.1),  # answered, none correct: still on the board
        ],
    )
    page = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=4)
    assert lines(page) == [
        (1, "alice", 2, 3.0),
        (1, "bob", 2, 3.0),
        (3, "carol", 2, 5.5),
        (4, "dave", 1, 9.0),
        (5, "erin", 0, 0.1),
    ]
    assert page.own is not None and page.own.rank == 4 and page.own_on_page
    assert (page.page, page.page_count, page.member_count) == (0, 1, 5)


async def test_pages_of_ten_with_the_own_line_and_clamped_old_pages(storage: Storage) -> None:
    # 25 members, all right once, member i taking i seconds: rank i.
    answers: list[Answer] = []
    for user in range(1, 26):
        answers.append((0, user, f"m{user:02d}", 0, float(user)))
    await seed_run(storage, answers)
    target = BoardTarget(Scope.ALL, GUILD)
    first = await storage.boards.board(target, page=0, viewer_id=23)
    assert [e.user_name for e in first.entries] == [f"m{i:02d}" for i in range(1, 11)]
    assert first.own is not None and (first.own.rank, first.own.user_name) == (23, "m23")
    assert not first.own_on_page and first.has_next and not first.has_previous
    last = await storage.boards.board(target, page=2, viewer_id=23)
    assert [e.rank for e in last.entries] == [21, 22, 23, 24, 25] and last.own_on_page and not last.has_next
    too_far = await storage.boards.board(target, page=9, viewer_id=999)
    assert too_far.page == 2 and len(too_far.entries) == 5 and too_far.own is None
    empty = await storage.boards.board(BoardTarget(Scope.ALL, 77), page=3, viewer_id=1)
    assert (empty.page, empty.page_count, empty.entries, empty.own) == (0, 1, (), None)


async def test_run_quiz_series_and_daily_scopes(storage: Storage) -> None:
    first = await seed_run(storage, [(0, 1, "ann", 0, 1.0), (0, 2, "ben", 1, 1.0)])
    second = await seed_run(storage, [(0, 2, "ben", 0, 1.0), (1, 2, "ben", 1, 1.0)])
    sibling = replace(OTHER, series="finetuning")
    await seed_run(storage, [(0, 1, "ann", 1, 2.0)], quiz=sibling)
    await seed_run(storage, [(0, 3, "cy", 1, 1.0)], quiz=OTHER, kind=RunKind.DAILY)
    await seed_run(storage, [(0, 9, "elsewhere", 0, 1.0)], guild_id=99)

    async def board(target: BoardTarget) -> list[tuple[int, str, int, float]]:
        return lines(await storage.boards.board(target, page=0, viewer_id=1))

    assert await board(BoardTarget(Scope.RUN, GUILD, run_id=first)) == [(1, "ann", 1, 1.0), (2, "ben", 0, 1.0)]
    assert await board(BoardTarget(Scope.RUN, GUILD, run_id=second)) == [(1, "ben", 2, 2.0)]
    assert await board(BoardTarget(Scope.QUIZ, GUILD, quiz_id="lora")) == [(1, "ben", 2, 3.0), (2, "ann", 1, 1.0)]
    assert await board(BoardTarget(Scope.SERIES, GUILD, series="finetuning")) == [
        (1, "ann", 2, 3.0),
        (1, "ben", 2, 3.0),
    ]
    assert await board(BoardTarget(Scope.DAILY, GUILD)) == [(1, "cy", 1, 1.0)]
    assert await storage.boards.latest_run_id(GUILD) > second
    assert await storage.boards.latest_run_id(GUILD, "lora") == second


async def test_board_shows_the_latest_stored_name(storage: Storage) -> None:
    await seed_run(storage, [(0, 1, "old name", 0, 1.0)])
    await seed_run(storage, [(0, 1, "new name", 0, 1.0)], at=T0 + timedelta(hours=1))
    page = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=1)
    assert lines(page) == [(1, "new name", 2, 2.0)]


def test_week_and_month_windows_follow_the_guild_zone() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sunday in UTC, already Monday in Auckland
    utc_week = scope_window(Scope.WEEK, now, "UTC")
    assert utc_week == TimeWindow(datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    auckland_week = scope_window(Scope.WEEK, now, "Pacific/Auckland")  # UTC+13 in summer
    assert auckland_week == TimeWindow(datetime(2026, 11, 29, 11, tzinfo=UTC), datetime(2026, 12, 6, 11, tzinfo=UTC))
    auckland_month = scope_window(Scope.MONTH, now, "Pacific/Auckland")  # local 30 November
    assert auckland_month == TimeWindow(datetime(2026, 10, 31, 11, tzinfo=UTC), datetime(2026, 11, 30, 11, tzinfo=UTC))
    december = scope_window(Scope.MONTH, datetime(2026, 12, 31, 23, tzinfo=UTC), "America/New_York")
    assert december == TimeWindow(datetime(2026, 12, 1, 5, tzinfo=UTC), datetime(2027, 1, 1, 5, tzinfo=UTC))
    # New York leaves daylight saving time on 1 November 2026: that week is 169 hours long.
    dst_week = scope_window(Scope.WEEK, datetime(2026, 10, 30, 12, tzinfo=UTC), "America/New_York")
    assert dst_week is not None
    assert (dst_week.start, dst_week.end - dst_week.start) == (
        datetime(2026, 10, 26, 4, tzinfo=UTC),
        timedelta(hours=169),
    )
    assert scope_window(Scope.WEEK, now, "Not/AZone") == utc_week
    assert scope_window(Scope.ALL, now, "UTC") is None


async def test_week_and_month_boards_count_partial_days_at_both_edges(storage: Storage) -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    # Kathmandu is UTC+05:45, so its week starts and ends 18:15 UTC: both edges are partial UTC days.
    week = scope_window(Scope.WEEK, now, "Asia/Kathmandu")
    assert week == TimeWindow(datetime(2026, 11, 22, 18, 15, tzinfo=UTC), datetime(2026, 11, 29, 18, 15, tzinfo=UTC))
    moments = {
        "before": week.start - timedelta(minutes=1),
        "head": week.start + timedelta(minutes=1),  # the partial first UTC day
        "middle": datetime(2026, 11, 25, 9, tzinfo=UTC),  # a whole UTC day
        "tail": week.end - timedelta(minutes=1),  # the partial last UTC day
        "after": week.end,  # the end is excluded
    }
    for user, (name, moment) in enumerate(moments.items(), start=1):
        await seed_run(storage, [(0, user, name, 0, 0.0)], at=moment)
    page = await storage.boards.board(BoardTarget(Scope.WEEK, GUILD, window=week), page=0, viewer_id=1)
    assert sorted(e.user_name for e in page.entries) == ["head", "middle", "tail"]
    utc_week = scope_window(Scope.WEEK, now, "UTC")
    page = await storage.boards.board(BoardTarget(Scope.WEEK, GUILD, window=utc_week), page=0, viewer_id=1)
    assert sorted(e.user_name for e in page.entries) == ["after", "middle", "tail"]
    month = scope_window(Scope.MONTH, now, "Asia/Kathmandu")
    page = await storage.boards.board(BoardTarget(Scope.MONTH, GUILD, window=month), page=0, viewer_id=1)
    assert sorted(e.user_name for e in page.entries) == ["after", "before", "head", "middle", "tail"]


async def test_sql_ranking_matches_the_live_quiz_ranking(storage: Storage) -> None:
    chooser = random.Random(7)
    answers: list[Answer] = []
    for user in range(1, 41):
        for index in range(3):
            if chooser.random() < 0.8:
                answers.append((index, user, f"u{chooser.randrange(5)}", chooser.randrange(2), chooser.choice([1, 2])))
    await seed_run(storage, answers)
    page = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=1, page_size=100)
    totals: dict[int, Score] = {}
    for index, user, name, choice, seconds in answers:
        right = QUIZ.questions[index].answer == choice
        old = totals.get(user, Score(user, name, 0, 0, 0, 0.0))
        totals[user] = Score(
            user, name, old.points + right, old.correct + right, old.answered + 1, old.total_seconds + seconds
        )
    expected = rank(totals.values())
    assert [(e.rank, e.user_id) for e in page.entries] == [(s.rank, s.user_id) for s in expected]


async def test_member_stats_with_tags_best_quiz_and_streak(storage: Storage) -> None:
    await seed_run(storage, [(0, 1, "ann", 0, 2.0), (1, 1, "ann", 0, 4.0), (2, 1, "ann", 0, 3.0)])
    await seed_run(storage, [(0, 1, "ann", 1, 1.0)])
    await seed_run(storage, [(0, 1, "ann", 1, 2.0)], quiz=OTHER)
    await storage.database.execute(
        "INSERT INTO daily_schedules (id, guild_id, channel_id, time_of_day, timezone, weekdays, quiz_ids, "
        "question_order, seed, created_by, created_at) VALUES (1, ?, 5, '09:00', 'UTC', '0123456', '[\"other\"]', "
        "'sequential', 1, 1, 0)",
        (GUILD,),
    )
    daily_answers = {"2026-11-01": 1, "2026-11-02": 1, "2026-11-03": 0, "2026-11-04": 1, "2026-11-05": 1}
    for day, choice in [*daily_answers.items(), ("2026-11-06", None)]:
        at = datetime.fromisoformat(day).replace(tzinfo=UTC)
        run_id = await seed_run(
            storage, [] if choice is None else [(0, 1, "ann", choice, 1.0)], quiz=OTHER, kind=RunKind.DAILY, at=at
        )
        status = "posted" if choice is None else "revealed"
        await storage.database.execute(
            "INSERT INTO daily_posts (schedule_id, local_date, question_key, run_id, status, post_at, reveal_at) "
            "VALUES (1, ?, 'x1', ?, ?, 0, 0)",
            (day, run_id, status),
        )
    stats = await storage.boards.member_stats(GUILD, 1)
    assert stats.user_name == "ann"
    assert (stats.quizzes_taken, stats.questions_answered, stats.correct) == (3, 10, 7)
    assert stats.accuracy == pytest.approx(0.7) and stats.average_seconds == pytest.approx(1.7)
    assert stats.best_quiz is not None and (stats.best_quiz.quiz_id, stats.best_quiz.correct) == ("other", 1)
    assert tuple(stats.daily_streak) == (2, 2)
    assert [(t.tag, t.answered, t.correct) for t in stats.tags] == [
        ("ml", 4, 2),
        ("lora", 3, 2),
        ("quantization", 2, 1),
    ]
    nobody = await storage.boards.member_stats(GUILD, 404)
    assert (nobody.user_name, nobody.questions_answered, nobody.average_seconds) == (None, 0, None)


async def test_member_stats_count_the_accepted_suggestions_of_this_server(storage: Storage) -> None:
    asked = SuggestedQuestion("Why?", ("a", "b"), 0)
    ids = []
    for guild_id in (GUILD, GUILD, GUILD, GUILD + 1):
        added = await storage.suggestions.add(
            guild_id, None, author_id=1, author_name="ann", question=asked, review_channel_id=5, now=T0
        )
        ids.append(added.id)
    for suggestion_id, guild_id in ((ids[0], GUILD), (ids[3], GUILD + 1)):
        quiz = Quiz(f"s{suggestion_id}", "S", (asked.as_question("q1", "ann"),))
        await storage.suggestions.accept(
            suggestion_id, guild_id, quiz, "yaml", question_id="q1", based_on=None, decided_by=2, now=T0
        )
    await storage.suggestions.reject(ids[1], decided_by=2, now=T0)  # ids[2] is still pending

    stats = await storage.boards.member_stats(GUILD, 1)

    assert (stats.questions_authored, stats.questions_answered) == (1, 0)
    assert (await storage.boards.member_stats(GUILD, 2)).questions_authored == 0


async def test_report_flags_a_suspicious_key_and_an_easy_question(storage: Storage) -> None:
    run_id = await seed_run(
        storage,
        [
            (0, 1, "a", 1, 3.0),
            (0, 2, "b", 1, 5.0),
            (0, 3, "c", 0, 10.0),  # wrong option B beats key A
            (1, 1, "a", 1, 2.0),
            (1, 2, "b", 1, 4.0),  # everybody right
            (2, 1, "a", 0, 1.0),
            (2, 2, "b", 1, 1.0),  # split, no flag
        ],
    )
    await seed_run(storage, [(0, 4, "d", 0, 1.0)])
    report = await storage.boards.quiz_report(GUILD, "lora", run_id)
    assert report is not None and report.quiz_title == "LoRA basics" and report.run_ids == (run_id,)
    q1, q2, q3 = report.questions
    assert (q1.question_id, q1.picks, q1.key, q1.median_seconds, q1.flags) == (
        "q1",
        (1, 2, 0),
        0,
        5.0,
        (QuestionFlag.CHECK_KEY,),
    )
    assert (q2.picks, q2.share_correct, q2.median_seconds, q2.flags) == (
        (0, 2, 0),
        1.0,
        3.0,
        (QuestionFlag.ALL_CORRECT,),
    )
    assert (q3.picks, q3.flags) == ((1, 1), ())
    everything = await storage.boards.quiz_report(GUILD, "lora")
    assert everything is not None and everything.questions[0].picks == (2, 2, 0)
    assert not everything.questions[0].flags  # a tie with the key is not flagged
    assert await storage.boards.quiz_report(GUILD, "nope") is None


async def test_csv_round_trip(storage: Storage) -> None:
    tricky = '=HYPERLINK("x"), "quoted"\nnewline @everyone'
    run_id = await seed_run(storage, [(0, 1, tricky, 2, 1.25), (1, 2, "bob", 1, 2.5), (0, 2, "bob", 0, 3.0)])
    rows = [row async for row in storage.boards.answer_rows(GUILD, quiz_id="lora", batch=2)]
    assert [(r.run_id, r.question_id, r.user_name, r.choice, r.correct) for r in rows] == [
        (run_id, "q1", tricky, 2, False),
        (run_id, "q1", "bob", 0, True),
        (run_id, "q2", "bob", 1, True),
    ]
    buffer = io.StringIO()
    assert write_answers_csv(rows, buffer) == 3
    assert buffer.getvalue().splitlines()[0] == "run,question_id,member_id,member_name,choice,correct,seconds"
    assert read_answers_csv(io.StringIO(buffer.getvalue())) == rows
    later = [row async for row in storage.boards.answer_rows(GUILD, since=T0 + timedelta(seconds=2))]
    assert [r.seconds for r in later] == [3.0, 2.5]


async def test_rescore_fixes_answers_and_the_boards_follow(storage: Storage) -> None:
    await seed_run(storage, [(0, 1, "ann", 0, 1.0), (0, 2, "ben", 1, 1.0), (1, 2, "ben", 1, 1.0)])
    await seed_run(storage, [(0, 3, "cy", 1, 1.0)], kind=RunKind.DAILY)
    before = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=1)
    assert lines(before) == [(1, "ann", 1, 1.0), (2, "ben", 1, 2.0), (3, "cy", 0, 1.0)]
    fixed = replace(QUIZ, questions=(replace(QUIZ.questions[0], answer=1), *QUIZ.questions[1:]))
    result = await storage.boards.rescore(fixed)
    assert (result.answers_changed, result.keys_changed, result.skipped) == (3, 2, ())
    after = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=1)
    assert lines(after) == [(1, "ben", 2, 2.0), (2, "cy", 1, 1.0), (3, "ann", 0, 1.0)]
    daily = await storage.boards.board(BoardTarget(Scope.DAILY, GUILD), page=0, viewer_id=1)
    assert lines(daily) == [(1, "cy", 1, 1.0)]
    assert (await storage.boards.member_stats(GUILD, 2)).tags[0].correct == 2
    assert (await storage.boards.rescore(fixed)).answers_changed == 0
    changed_shape = replace(QUIZ, questions=(replace(QUIZ.questions[2], choices=("a", "b", "c")),))
    assert (await storage.boards.rescore(changed_shape)).skipped == ("q3",)


async def test_shuffled_runs_report_export_and_rescore_in_the_file_letters(storage: Storage) -> None:
    # q1 is "r" (A), "alpha" (B), "both" (C), key A. The second run showed both, r, alpha as A, B, C.
    plain = await seed_run(storage, [(0, 1, "ann", 0, 1.0), (0, 2, "ben", 1, 1.0)])
    shuffled = await seed_run(storage, [(0, 3, "cy", 1, 1.0), (0, 4, "dan", 0, 1.0)], orders=((2, 0, 1),))
    questions = await storage.runs.questions(shuffled)
    assert (questions[0].correct_choice, questions[0].choice_order, questions[1].choice_order) == (1, (2, 0, 1), None)
    assert [(a.user_name, a.choice, a.correct) for a in await storage.runs.answers(shuffled)] == [
        ("cy", 1, True),  # as shown: B, which was "r"
        ("dan", 0, False),  # A, which was "both"
    ]

    everything = await storage.boards.quiz_report(GUILD, "lora")
    assert everything is not None
    assert (everything.questions[0].picks, everything.questions[0].key) == ((2, 1, 1), 0)  # r, alpha, both
    one = await storage.boards.quiz_report(GUILD, "lora", shuffled)
    assert one is not None and (one.questions[0].picks, one.questions[0].key) == ((1, 0, 1), 0)
    rows = [row async for row in storage.boards.answer_rows(GUILD, run_id=shuffled)]
    assert [(r.user_name, r.choice, r.correct) for r in rows] == [("cy", 0, True), ("dan", 2, False)]

    both = replace(QUIZ, questions=(replace(QUIZ.questions[0], answer=2), *QUIZ.questions[1:]))
    result = await storage.boards.rescore(both)
    assert (result.answers_changed, result.keys_changed) == (3, 2)  # ann and cy lose it, dan gains it
    assert (await storage.runs.get_question(plain, 0)).correct_choice == 2
    assert (await storage.runs.get_question(shuffled, 0)).correct_choice == 0  # "both" was shown as A
    assert [(a.user_name, a.correct) for a in await storage.runs.answers(shuffled)] == [
        ("cy", False),
        ("dan", True),
    ]
    rescored = await storage.boards.quiz_report(GUILD, "lora")
    assert rescored is not None and (rescored.questions[0].key, rescored.questions[0].correct) == (2, 1)
    assert (await storage.boards.rescore(QUIZ)).answers_changed == 3  # and back


async def test_summaries_equal_a_fresh_count_after_deleting_a_run(storage: Storage) -> None:
    keep = await seed_run(storage, [(0, 1, "ann", 0, 1.0)])
    drop = await seed_run(storage, [(0, 1, "ann", 1, 1.0), (0, 2, "ben", 0, 2.0)])
    await storage.database.execute("DELETE FROM runs WHERE id = ?", (drop,))
    page = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=1)
    assert lines(page) == [(1, "ann", 1, 1.0)]
    assert await storage.boards.latest_run_id(GUILD) == keep
    assert await stored(storage) == await fresh_count(storage)


async def test_deleting_runs_of_every_kind_takes_their_answers_off_every_bucket(storage: Storage) -> None:
    # The answers' delete trigger finds a run's quiz, series and kind in `runs`; when the run's own delete
    # cascades to its answers the run is gone by then (migration 10).
    await seed_run(storage, [(0, 1, "ann", 0, 1.0), (1, 2, "ben", 1, 2.5)])
    live = await seed_run(storage, [(0, 1, "ann", 1, 1.0), (0, 2, "ben", 0, 2.0), (2, 2, "ben", 1, 0.5)])
    daily = await seed_run(storage, [(0, 1, "ann", 0, 1.5)], kind=RunKind.DAILY, at=T0 + timedelta(days=1))
    practice = await seed_practice(storage, 2, "ben", [(0, 2.0), (1, 3.0)])
    await seed_practice(storage, 1, "ann", [(0, 4.0)])
    assert await stored(storage) == await fresh_count(storage)
    buckets = {row[0] for row in await storage.database.fetch_all("SELECT DISTINCT bucket FROM board_totals")}
    assert buckets == {"all", "practice", "quiz:lora", "series:finetuning", "practice-series:finetuning", "daily"}

    for run_id in (live, daily, practice):
        await storage.database.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    assert await stored(storage) == await fresh_count(storage)
    quiz_board = await storage.boards.board(BoardTarget(Scope.QUIZ, GUILD, quiz_id="lora"), page=0, viewer_id=1)
    assert [(e.user_name, e.correct, e.answered) for e in quiz_board.entries] == [("ann", 1, 1), ("ben", 1, 1)]
    daily_board = await storage.boards.board(BoardTarget(Scope.DAILY, GUILD), page=0, viewer_id=1)
    assert daily_board.entries == ()


async def test_rescore_of_a_shared_quiz_leaves_a_servers_own_quiz_of_that_id_alone(storage: Storage) -> None:
    own_guild = GUILD + 1
    shared_before = await seed_run(storage, [(0, 1, "ann", 0, 1.0)], guild_id=own_guild, at=T0)
    await storage.library.save(own_guild, QUIZ, "own yaml", uploaded_by=9, now=T0 + timedelta(hours=1), replace=False)
    own_run = await seed_run(storage, [(0, 2, "ben", 0, 1.0)], guild_id=own_guild, at=T0 + timedelta(hours=2))
    shared_elsewhere = await seed_run(storage, [(0, 3, "cy", 0, 1.0)], at=T0 + timedelta(hours=2))

    fixed = replace(QUIZ, questions=(replace(QUIZ.questions[0], answer=1), *QUIZ.questions[1:]))
    result = await storage.boards.rescore(fixed)

    assert result.answers_changed == 2  # ann's (before the upload) and cy's; ben played the server's own
    correct = {
        run_id: [a.correct for a in await storage.runs.answers(run_id)]
        for run_id in (shared_before, own_run, shared_elsewhere)
    }
    assert correct == {shared_before: [False], own_run: [True], shared_elsewhere: [False]}
