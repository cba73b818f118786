"""PrivateRuns on its own: a real database, a fake clock, screens as the member would get them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import NotFoundError
from bot.domain.permissions import NotAllowedError
from bot.domain.private import Stage
from bot.domain.runs import RunKind, RunStatus
from bot.live.private import TIMED_OUT, PrivateRunEndedError, PrivateRuns
from bot.quizfiles import QuizCatalog
from bot.storage import Storage
from tests.helpers import SEED_AT as T0
from tests.helpers import SEED_GUILD as GUILD
from tests.helpers import SEED_QUIZ as QUIZ

ALICE, BOB = 1, 2


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def catalog() -> dict[str, QuizCatalog]:
    return {"now": QuizCatalog(folder=Path("."), by_id={QUIZ.id: QUIZ})}


@pytest.fixture
def private(storage: Storage, clock: FakeClock, catalog: dict[str, QuizCatalog]) -> PrivateRuns:
    return PrivateRuns(storage, clock, lambda guild_id: catalog["now"])


async def test_practice_screens_follow_the_database_not_the_message_clicked(
    private: PrivateRuns, clock: FakeClock
) -> None:
    first = await private.practice(guild_id=GUILD, channel_id=20, quiz=QUIZ, user_id=ALICE)
    assert (first.stage, first.index, first.run.kind) == (Stage.QUESTION, 0, RunKind.PRACTICE)
    run_id = first.run.id
    with pytest.raises(NotAllowedError):
        await private.answer(run_id, 0, 0, BOB, "bob")
    with pytest.raises(NotFoundError):
        await private.answer(run_id, 0, 7, ALICE, "alice")  # no such choice: a forged button

    too_soon = await private.next_question(run_id, 0, ALICE)
    assert (too_soon.stage, too_soon.note) == (Stage.QUESTION, "Answer this question first.")
    verdict = await private.answer(run_id, 0, 1, ALICE, "alice")
    assert (verdict.stage, verdict.chosen, verdict.score.right) == (Stage.VERDICT, 1, 0)
    again = await private.answer(run_id, 0, 0, ALICE, "alice")
    assert (again.stage, again.chosen, again.note) == (Stage.VERDICT, 1, "You already answered B")
    offered = await private.practice(guild_id=GUILD, channel_id=20, quiz=QUIZ, user_id=ALICE, timer_seconds=15)
    assert (offered.stage, offered.index, offered.restart_timer, offered.run.id) == (Stage.OFFER, 0, 15, run_id)

    second = await private.next_question(run_id, 0, ALICE)
    assert (second.stage, second.index) == (Stage.QUESTION, 1)
    behind = await private.answer(run_id, 0, 0, ALICE, "alice")  # question 1 from an old message
    assert (behind.index, behind.note) == (1, "You already answered B")


async def test_start_over_twice_from_the_same_message_makes_one_new_run(
    private: PrivateRuns, storage: Storage, catalog: dict[str, QuizCatalog]
) -> None:
    old = (await private.practice(guild_id=GUILD, channel_id=20, quiz=QUIZ, user_id=ALICE)).run
    fresh = await private.start_over(old.id, ALICE, 30)
    assert fresh.stage is Stage.QUESTION and fresh.run.id != old.id and fresh.run.timer_seconds == 30
    twice = await private.start_over(old.id, ALICE, 30)
    assert (twice.stage, twice.run.id) == (Stage.OFFER, fresh.run.id)
    with pytest.raises(PrivateRunEndedError, match="You started this practice over"):
        await private.resume(old.id, ALICE)
    catalog["now"] = QuizCatalog(folder=Path("."), by_id={})
    with pytest.raises(NotFoundError, match="no longer available"):
        await private.start_over(fresh.run.id, ALICE, None)
    stopped = await storage.runs.get_run(old.id)
    assert stopped is not None and stopped.status is RunStatus.STOPPED


async def test_a_practice_timer_turns_a_late_click_into_the_verdict(private: PrivateRuns, clock: FakeClock) -> None:
    screen = await private.practice(guild_id=GUILD, channel_id=20, quiz=QUIZ, user_id=ALICE, timer_seconds=10)
    assert screen.deadline == T0 + timedelta(seconds=10)
    await clock.advance(10)
    late = await private.answer(screen.run.id, 0, 0, ALICE, "alice")
    assert (late.stage, late.chosen, late.note, late.timed_out) == (Stage.VERDICT, None, TIMED_OUT, True)
    moved = await private.next_question(screen.run.id, 0, ALICE)
    assert (moved.index, moved.deadline) == (1, clock.now() + timedelta(seconds=10))


async def test_a_window_refuses_answers_once_its_time_is_up_even_before_the_close_is_recorded(
    private: PrivateRuns, storage: Storage, clock: FakeClock
) -> None:
    window = await storage.private.create(
        kind=RunKind.WINDOW,
        guild_id=GUILD,
        channel_id=30,
        quiz=QUIZ,
        started_by=9,
        now=T0,
        closes_at=T0 + timedelta(hours=1),
    )
    joined = await private.join_window(window.id, ALICE)
    assert (joined.stage, joined.index, joined.deadline) == (Stage.QUESTION, 0, window.closes_at)
    moved = await private.answer(window.id, 0, 2, ALICE, "alice")
    assert (moved.stage, moved.index, moved.note) == (Stage.QUESTION, 1, "Locked in: C")
    with pytest.raises(NotFoundError):
        await private.resume(window.id, ALICE)  # Continue is for practice runs only
    await clock.advance(3600)
    with pytest.raises(PrivateRunEndedError, match=r"This quiz closed <t:.*:f>: its results.*<#30>"):
        await private.answer(window.id, 1, 0, ALICE, "alice")
    with pytest.raises(PrivateRunEndedError):
        await private.join_window(window.id, BOB)
    assert await storage.private.choice_of(window.id, 1, ALICE) is None
