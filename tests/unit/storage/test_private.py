"""Private runs in SQLite: practice and windows, each member's progress, their answers and the boards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.boards import BoardTarget, Scope, scope_window
from bot.domain.runs import AnswerOutcome, RunKind, RunStatus
from bot.storage import ConstraintError, PracticeOpenError, Storage, WindowBusyError
from tests.helpers import SEED_AT as T0
from tests.helpers import SEED_GUILD as GUILD
from tests.helpers import SEED_QUIZ as QUIZ
from tests.helpers import seed_practice, seed_run

ALICE, BOB = 1, 2


async def _practice(storage: Storage, user_id: int = ALICE, *, timer: int | None = None, replaces: int | None = None):
    return await storage.private.create(
        kind=RunKind.PRACTICE,
        guild_id=GUILD,
        channel_id=20,
        quiz=QUIZ,
        started_by=user_id,
        now=T0,
        timer_seconds=timer,
        replaces=replaces,
    )


async def test_a_practice_run_is_answered_one_question_at_a_time_and_finishes_after_the_last(storage: Storage) -> None:
    private = storage.private
    run = await _practice(storage)
    assert run.kind is RunKind.PRACTICE and run.status is RunStatus.RUNNING and run.timer_seconds is None
    progress = await private.progress(run.id, ALICE)
    assert progress is not None and (progress.index, progress.shown_at, progress.deadline) == (0, T0, None)

    ahead = await private.record(
        run_id=run.id, index=1, user_id=ALICE, user_name="alice", choice=1, now=T0, move_on=False
    )
    assert ahead == (AnswerOutcome.CLOSED, None)  # not the question on her screen
    first = await private.record(
        run_id=run.id, index=0, user_id=ALICE, user_name="alice", choice=2, now=T0 + timedelta(seconds=4), move_on=False
    )
    again = await private.record(
        run_id=run.id, index=0, user_id=ALICE, user_name="alice", choice=0, now=T0 + timedelta(seconds=5), move_on=False
    )
    assert first == (AnswerOutcome.RECORDED, 2) and again == (AnswerOutcome.ALREADY_ANSWERED, 2)
    assert await private.move_on(run.id, ALICE, after=0, now=T0 + timedelta(seconds=9), timer_seconds=None)
    assert not await private.move_on(run.id, ALICE, after=0, now=T0 + timedelta(seconds=9), timer_seconds=None)
    for index in (1, 2):
        outcome, _ = await private.record(
            run_id=run.id,
            index=index,
            user_id=ALICE,
            user_name="alice",
            choice=0,
            now=T0 + timedelta(seconds=19),
            move_on=False,
        )
        assert outcome is AnswerOutcome.RECORDED
        assert await private.move_on(run.id, ALICE, after=index, now=T0 + timedelta(seconds=20), timer_seconds=None)

    finished = await storage.runs.get_run(run.id)
    assert finished is not None and finished.status is RunStatus.FINISHED
    score = await private.score(run.id, ALICE)
    # q1's key is 0 (she chose 2), q2's is 1 (0), q3's is 0 (0); the second took 10 s from its Next.
    assert (score.answered, score.right) == (3, 1) and score.seconds == pytest.approx(4 + 10 + 0)
    assert await private.open_practice(GUILD, ALICE, QUIZ.id) is None


async def test_one_open_practice_per_member_and_quiz_and_start_over_replaces_it(storage: Storage) -> None:
    first = await _practice(storage)
    with pytest.raises(PracticeOpenError) as refused:
        await _practice(storage)
    assert refused.value.run.id == first.id
    others = await _practice(storage, BOB)  # bob's own
    fresh = await _practice(storage, replaces=first.id)
    old = await storage.runs.get_run(first.id)
    assert old is not None and old.status is RunStatus.STOPPED
    assert (await storage.private.open_practice(GUILD, ALICE, QUIZ.id)) == fresh
    late = await storage.private.record(
        run_id=first.id, index=0, user_id=ALICE, user_name="alice", choice=0, now=T0, move_on=False
    )
    assert late == (AnswerOutcome.CLOSED, None)
    assert (await storage.private.open_practice(GUILD, BOB, QUIZ.id)) == others


async def test_a_practice_timer_refuses_an_answer_after_it_and_each_next_question_gets_its_own(
    storage: Storage,
) -> None:
    private = storage.private
    run = await _practice(storage, timer=20)
    progress = await private.progress(run.id, ALICE)
    assert progress is not None and progress.deadline == T0 + timedelta(seconds=20) and run.timer_seconds == 20
    late = await private.record(
        run_id=run.id,
        index=0,
        user_id=ALICE,
        user_name="alice",
        choice=0,
        now=T0 + timedelta(seconds=20),
        move_on=False,
    )
    assert late == (AnswerOutcome.CLOSED, None)
    assert await private.choice_of(run.id, 0, ALICE) is None
    later = T0 + timedelta(minutes=3)
    assert await private.move_on(run.id, ALICE, after=0, now=later, timer_seconds=20)
    progress = await private.progress(run.id, ALICE)
    assert progress is not None and (progress.index, progress.deadline) == (1, later + timedelta(seconds=20))
    in_time = await private.record(
        run_id=run.id,
        index=1,
        user_id=ALICE,
        user_name="alice",
        choice=1,
        now=later + timedelta(seconds=19),
        move_on=False,
    )
    assert in_time == (AnswerOutcome.RECORDED, 1)


async def test_a_window_takes_each_member_through_it_until_it_closes(storage: Storage) -> None:
    private = storage.private
    closes = T0 + timedelta(hours=24)
    window = await private.create(
        kind=RunKind.WINDOW, guild_id=GUILD, channel_id=20, quiz=QUIZ, started_by=9, now=T0, closes_at=closes
    )
    assert window.closes_at == closes and not window.results_done
    with pytest.raises(WindowBusyError):
        await private.create(
            kind=RunKind.WINDOW, guild_id=GUILD, channel_id=20, quiz=QUIZ, started_by=9, now=T0, closes_at=closes
        )
    assert await private.open_window(20) == window
    assert await private.windows_to_resume() == [window]

    later = T0 + timedelta(hours=2)
    joined = await private.join(window.id, ALICE, now=later)
    assert joined is not None and (joined.index, joined.shown_at) == (0, later)
    again = await private.join(window.id, ALICE, now=later + timedelta(hours=1))
    assert again == joined  # the second Start keeps her place
    answered = await private.record(
        run_id=window.id,
        index=0,
        user_id=ALICE,
        user_name="alice",
        choice=0,
        now=later + timedelta(seconds=7),
        move_on=True,
    )
    assert answered == (AnswerOutcome.RECORDED, 0)
    moved = await private.progress(window.id, ALICE)
    assert moved is not None and (moved.index, moved.shown_at) == (1, later + timedelta(seconds=7))
    stale = await private.record(
        run_id=window.id,
        index=0,
        user_id=ALICE,
        user_name="alice",
        choice=1,
        now=later + timedelta(seconds=8),
        move_on=True,
    )
    assert stale == (AnswerOutcome.ALREADY_ANSWERED, 0)
    assert (await private.score(window.id, ALICE)).seconds == pytest.approx(7.0)

    await private.join(window.id, BOB, now=closes - timedelta(seconds=1))
    too_late = await private.record(
        run_id=window.id, index=0, user_id=BOB, user_name="bob", choice=0, now=closes, move_on=True
    )
    assert too_late == (AnswerOutcome.CLOSED, None)  # the deadline holds even before the close is recorded
    assert await storage.runs.finish_run(window.id, status=RunStatus.FINISHED, now=closes)
    assert not await storage.runs.finish_run(window.id, status=RunStatus.STOPPED, now=closes)
    assert await private.join(window.id, 3, now=closes) is None
    assert await private.open_window(20) is None
    closed = await storage.runs.get_run(window.id)
    assert closed is not None and await private.windows_to_resume() == [closed]  # results still to post
    await storage.runs.set_results_parts(window.id, 2, done=True)
    assert await private.windows_to_resume() == []


async def test_practice_counts_on_stats_but_on_no_public_board(storage: Storage) -> None:
    await seed_run(storage, [(0, ALICE, "alice", 0, 2.0), (0, BOB, "bob", 0, 3.0)])  # both right once, live
    await seed_practice(storage, BOB, "bob", [(0, 1.0), (1, 1.0), (0, 1.0)])  # 3 right in practice
    boards = storage.boards
    week = scope_window(Scope.WEEK, T0, "UTC")
    for target in (
        BoardTarget(Scope.ALL, GUILD),
        BoardTarget(Scope.QUIZ, GUILD, quiz_id=QUIZ.id),
        BoardTarget(Scope.SERIES, GUILD, series="finetuning"),
        BoardTarget(Scope.WEEK, GUILD, window=week),
    ):
        page = await boards.board(target, page=0, viewer_id=BOB)
        assert [(e.user_name, e.correct, e.answered) for e in page.entries] == [
            ("alice", 1, 1),
            ("bob", 1, 1),
        ], target.scope
    assert await boards.latest_run_id(GUILD) == 1  # the live run, never a practice run

    stats = await boards.member_stats(GUILD, BOB)
    assert (stats.questions_answered, stats.correct, stats.practice_answered, stats.quizzes_taken) == (4, 4, 3, 1)
    assert {t.tag: (t.answered, t.correct) for t in stats.tags}["lora"] == (3, 3)

    await seed_practice(storage, 3, "carol", [(0, 1.0)])  # only ever practised
    counted = BoardTarget(Scope.SERIES, GUILD, series="finetuning", with_practice=True)
    page = await boards.board(counted, page=0, viewer_id=BOB)
    assert [(e.user_name, e.correct, e.answered, e.practice) for e in page.entries] == [
        ("bob", 4, 4, 3),
        ("carol", 1, 1, 1),  # 1 s: ahead of alice's 2 s
        ("alice", 1, 1, 0),
    ]
    report = await boards.quiz_report(GUILD, QUIZ.id)
    assert report is not None and report.run_ids == (1,)


async def test_window_answers_count_like_a_live_run_and_rescore_and_delete_keep_practice_apart(
    storage: Storage,
) -> None:
    window = await seed_practice(storage, ALICE, "alice", [(0, 1.0), (1, 1.0)], kind=RunKind.WINDOW)
    await seed_practice(storage, ALICE, "alice", [(1, 1.0)])  # wrong in practice
    page = await storage.boards.board(BoardTarget(Scope.RUN, GUILD, run_id=window), page=0, viewer_id=ALICE)
    assert [(e.correct, e.answered) for e in page.entries] == [(2, 2)]
    # A key fix that makes choice 1 right for q1: the practice answer moves its own bucket only.
    await storage.database.execute("UPDATE answers SET correct = 1 WHERE idx = 0 AND choice = 1")
    all_time = await storage.boards.board(BoardTarget(Scope.ALL, GUILD), page=0, viewer_id=ALICE)
    assert [(e.correct, e.answered) for e in all_time.entries] == [(2, 2)]
    stats = await storage.boards.member_stats(GUILD, ALICE)
    assert (stats.questions_answered, stats.correct, stats.practice_answered) == (3, 3, 1)
    await storage.database.execute("DELETE FROM runs WHERE kind = 'practice'")
    stats = await storage.boards.member_stats(GUILD, ALICE)
    assert (stats.questions_answered, stats.correct, stats.practice_answered) == (2, 2, 0)


_UNKNOWN_KIND_RUN = (
    "INSERT INTO runs (guild_id, channel_id, kind, quiz_id, quiz_title, started_by, created_at, status, "
    "seconds_per_question, scoring_mode, question_count, quiz_snapshot) "
    "VALUES (1, 2, 'other', 'q', 'Q', 1, 0, 'lobby', 30, 'accuracy', 1, '{}')"
)


async def test_the_runs_table_still_refuses_unknown_kinds(storage: Storage) -> None:
    # SQLite says "CHECK constraint failed", PostgreSQL "violates check constraint".
    with pytest.raises(ConstraintError, match=r"(?i)check constraint"):
        await storage.database.execute(_UNKNOWN_KIND_RUN)
    assert await storage.database.fetch_one("SELECT id FROM runs WHERE kind = 'other'") is None


async def test_the_rebuilt_runs_table_passes_sqlites_integrity_check(sqlite_storage: Storage) -> None:
    """Migration 9 widened the CHECK by editing the stored schema text: the file must still be sound."""
    with pytest.raises(ConstraintError, match="CHECK"):
        await sqlite_storage.database.execute(_UNKNOWN_KIND_RUN)
    check = await sqlite_storage.database.fetch_one("PRAGMA integrity_check")
    assert check[0] == "ok"


async def test_the_live_click_path_never_answers_a_private_run(storage: Storage) -> None:
    """A forged live button (quiz:<run>:<question>:<choice>) on a window would skip the member's progress."""
    window = await seed_practice(storage, ALICE, "alice", [], kind=RunKind.WINDOW)
    practice = await seed_practice(storage, ALICE, "alice", [])
    for run_id in (window, practice):
        result = await storage.runs.record_answer(
            run_id=run_id, index=1, user_id=BOB, user_name="bob", choice=0, now=T0 + timedelta(seconds=5)
        )
        assert result.outcome is AnswerOutcome.UNKNOWN or result.outcome is AnswerOutcome.CLOSED
        assert await storage.private.choice_of(run_id, 1, BOB) is None


async def test_forgets_rebuild_of_a_members_summaries_keeps_practice_apart_like_the_triggers(storage: Storage) -> None:
    """/privacy's forget recomputes a member's summaries from their answers: exactly what the triggers hold."""
    from bot.storage.privacy import SUMMARY_TABLES, rebuild_summaries

    await seed_run(storage, [(0, ALICE, "alice", 0, 2.0), (1, ALICE, "alice", 1, 3.0), (0, BOB, "bob", 1, 1.0)])
    await seed_practice(storage, ALICE, "alice", [(0, 1.0), (0, 1.0), (0, 2.0)])
    await seed_practice(storage, BOB, "bob", [(1, 1.0)], kind=RunKind.WINDOW)

    async def summaries() -> list[list[tuple[object, ...]]]:
        return [
            sorted(tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows)
            for rows in [await storage.database.fetch_all(f"SELECT * FROM {table}") for table in SUMMARY_TABLES]
        ]

    by_triggers = await summaries()
    params = {"user_id": ALICE, "guild_id": GUILD}
    for table in SUMMARY_TABLES:
        await storage.database.execute(
            f"DELETE FROM {table} WHERE user_id = :user_id AND guild_id = :guild_id", params
        )
    for statement in rebuild_summaries(storage.database.dialect):
        await storage.database.execute(statement, params)
    assert await summaries() == by_triggers
    data = await storage.privacy.member_data(ALICE, GUILD)
    assert [(row["question_number"], row["timer_ends"]) for row in data["private_progress"]] == [(4, None)]
    assert (await storage.privacy.forget(ALICE, GUILD)).deleted["private_progress"] == 1
