"""Storage of runs and answers, on a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.quiz import Question, Quiz
from bot.domain.runs import AnswerOutcome, QuestionState, RunKind, RunStatus, ScoringMode
from bot.storage import ChannelBusyError, Storage
from tests.helpers import active_run_ids, open_first_question

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
QUIZ = Quiz(
    id="tiny",
    title="Tiny quiz",
    questions=(
        Question("q1", "One?", ("a", "b", "c"), 1, "because b"),
        Question("q2", "Two?", ("x", "y"), 0),
    ),
)


async def _open_run(storage: Storage, channel_id: int = 20) -> int:
    return await open_first_question(
        storage, QUIZ, now=NOW, deadline=NOW + timedelta(seconds=30), channel_id=channel_id
    )


async def test_pragmas_are_set(sqlite_storage: Storage) -> None:
    connection = sqlite_storage.database.connection
    results = {}
    for pragma in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
        async with connection.execute(f"PRAGMA {pragma}") as cursor:
            results[pragma] = (await cursor.fetchone())[0]
    assert results == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 5000}


async def test_new_run_is_in_the_lobby_with_pending_questions(storage: Storage) -> None:
    run = await storage.runs.create_run(
        guild_id=10,
        channel_id=20,
        kind=RunKind.LIVE,
        quiz=QUIZ,
        started_by=1,
        now=NOW,
        seconds_per_question=30,
        scoring_mode=ScoringMode.SPEED,
    )
    assert (run.status, run.current_index, run.question_count, run.scoring_mode) == (
        RunStatus.LOBBY,
        -1,
        2,
        ScoringMode.SPEED,
    )
    questions = await storage.runs.questions(run.id)
    assert [(q.question_id, q.state, q.correct_choice, q.choice_count) for q in questions] == [
        ("q1", QuestionState.PENDING, 1, 3),
        ("q2", QuestionState.PENDING, 0, 2),
    ]
    assert await storage.runs.run_quiz(run.id) == QUIZ


async def test_one_live_run_per_channel(storage: Storage) -> None:
    first = await _open_run(storage)
    with pytest.raises(ChannelBusyError) as caught:
        await _open_run(storage)
    assert caught.value.run.id == first
    assert await _open_run(storage, channel_id=21) != first


async def test_answer_outcomes(storage: Storage) -> None:
    run_id = await _open_run(storage)
    record = storage.runs.record_answer
    first = await record(run_id=run_id, index=0, user_id=5, user_name="bob", choice=1, now=NOW)
    again = await record(run_id=run_id, index=0, user_id=5, user_name="bob", choice=2, now=NOW)
    pending = await record(run_id=run_id, index=1, user_id=5, user_name="bob", choice=0, now=NOW)
    bad_choice = await record(run_id=run_id, index=0, user_id=6, user_name="eve", choice=3, now=NOW)
    no_question = await record(run_id=run_id, index=9, user_id=6, user_name="eve", choice=0, now=NOW)
    no_run = await record(run_id=999, index=0, user_id=6, user_name="eve", choice=0, now=NOW)
    late = await record(
        run_id=run_id, index=0, user_id=7, user_name="al", choice=0, now=NOW + timedelta(seconds=30)
    )
    assert [r.outcome for r in (first, again, pending, bad_choice, no_question, no_run, late)] == [
        AnswerOutcome.RECORDED,
        AnswerOutcome.ALREADY_ANSWERED,
        AnswerOutcome.CLOSED,
        AnswerOutcome.UNKNOWN,
        AnswerOutcome.UNKNOWN,
        AnswerOutcome.UNKNOWN,
        AnswerOutcome.CLOSED,
    ]
    assert again.choice == 1
    answers = await storage.runs.answers(run_id)
    assert [(a.user_id, a.choice, a.correct) for a in answers] == [(5, 1, True)]


async def test_answers_of_one_member(storage: Storage) -> None:
    run_id = await _open_run(storage)
    for user_id in (5, 6):
        await storage.runs.record_answer(
            run_id=run_id, index=0, user_id=user_id, user_name=f"u{user_id}", choice=1, now=NOW
        )
    assert [a.user_id for a in await storage.runs.answers(run_id, user_id=6)] == [6]
    assert [a.user_id for a in await storage.runs.answers(run_id)] == [5, 6]


async def test_no_answer_after_close(storage: Storage) -> None:
    run_id = await _open_run(storage)
    assert await storage.runs.close_question(run_id, 0, now=NOW + timedelta(seconds=1))
    assert not await storage.runs.close_question(run_id, 0, now=NOW + timedelta(seconds=2))
    result = await storage.runs.record_answer(
        run_id=run_id, index=0, user_id=5, user_name="bob", choice=1, now=NOW + timedelta(seconds=2)
    )
    assert result.outcome is AnswerOutcome.CLOSED
    assert await storage.runs.answer_count(run_id, 0) == 0


async def test_concurrent_double_clicks_store_one_answer(storage: Storage) -> None:
    run_id = await _open_run(storage)
    clicks = [
        storage.runs.record_answer(
            run_id=run_id, index=0, user_id=user, user_name=f"u{user}", choice=user % 3, now=NOW
        )
        for user in range(40)
        for _ in range(3)
    ]
    results = await asyncio.gather(*clicks)
    assert sum(r.outcome is AnswerOutcome.RECORDED for r in results) == 40
    assert sum(r.outcome is AnswerOutcome.ALREADY_ANSWERED for r in results) == 80
    assert await storage.runs.choice_counts(run_id, 0, 3) == [14, 13, 13]


async def test_finish_closes_the_open_question_and_frees_the_channel(storage: Storage) -> None:
    run_id = await _open_run(storage)
    assert await storage.runs.finish_run(run_id, status=RunStatus.STOPPED, now=NOW)
    assert not await storage.runs.finish_run(run_id, status=RunStatus.FINISHED, now=NOW)
    question = await storage.runs.get_question(run_id, 0)
    assert question is not None and question.state is QuestionState.CLOSED
    assert await storage.runs.active_live_run(20) is None
    assert await active_run_ids(storage) == []


async def test_guild_settings_defaults_and_update(storage: Storage) -> None:
    defaults = await storage.settings.guild_settings(10)
    assert (defaults.scoring_mode, defaults.lead_seconds, defaults.quiz_master_role_id) == (
        ScoringMode.ACCURACY,
        5,
        None,
    )
    await storage.settings.update_guild_settings(10, scoring_mode=ScoringMode.SPEED, quiz_master_role_id=77)
    stored = await storage.settings.guild_settings(10)
    assert (stored.scoring_mode, stored.quiz_master_role_id, stored.lead_seconds) == (
        ScoringMode.SPEED,
        77,
        5,
    )


async def test_text_is_stored_verbatim(storage: Storage) -> None:
    run_id = await _open_run(storage)
    name = "'); DROP TABLE answers;-- @everyone"
    await storage.runs.record_answer(run_id=run_id, index=0, user_id=5, user_name=name, choice=0, now=NOW)
    assert [a.user_name for a in await storage.runs.answers(run_id)] == [name]


async def test_the_snapshot_keeps_images_choice_explanations_shuffle_settings_and_author(storage: Storage) -> None:
    quiz = Quiz(
        id="extras",
        title="Extras",
        shuffle_choices=True,
        questions=(
            Question(
                "q1",
                "Which?",
                ("a", "b", "c"),
                1,
                image="https://example.com/q1.png",
                choice_explanations=("not a", "", "not c"),
                shuffle_choices=False,
                author="alice",
            ),
            Question("q2", "Two?", ("x", "y"), 0),
        ),
    )
    run_id = await open_first_question(storage, quiz, now=NOW, deadline=NOW + timedelta(seconds=30))
    assert await storage.runs.run_quiz(run_id) == quiz


async def test_a_snapshot_from_before_the_additions_reads_with_defaults(storage: Storage) -> None:
    run_id = await _open_run(storage)
    old = (
        '{"id":"tiny","title":"Tiny quiz","questions":[{"id":"q1","prompt":"One?","choices":["a","b","c"],'
        '"answer":1,"explanation":"because b","tags":[]},{"id":"q2","prompt":"Two?","choices":["x","y"],'
        '"answer":0,"explanation":"","tags":[]}],"description":"","series":null,"day":null,'
        '"seconds_per_question":30,"tags":[]}'
    )
    await storage.database.execute("UPDATE runs SET quiz_snapshot = ? WHERE id = ?", (old, run_id))
    assert await storage.runs.run_quiz(run_id) == QUIZ
