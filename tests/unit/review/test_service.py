"""Review cards made from answers, /review's queue and grading, and /mistakes pages, on a real SQLite file."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import InvalidOptionError, NotFoundError
from bot.domain.quiz import Question, Quiz
from bot.domain.review import CardPhase, GradeOutcome
from bot.domain.runs import RunKind, RunStatus
from bot.review import service as review_service
from bot.review.scheduling import Scheduling
from bot.review.service import ReviewService
from bot.storage import Storage
from tests.helpers import SEED_AT as T0
from tests.helpers import SEED_GUILD as GUILD
from tests.helpers import SEED_QUIZ as QUIZ
from tests.helpers import open_first_question, seed_run

BOB, ANN = 1, 2


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 + timedelta(hours=1))


@pytest.fixture
def review(storage: Storage, clock: FakeClock) -> ReviewService:
    return ReviewService(storage, clock, Scheduling(fuzz=False))


async def log_rows(storage: Storage) -> list[tuple[int, int, str]]:
    rows = await storage.database.fetch_all("SELECT n, rating, source FROM review_log ORDER BY card_id, n")
    return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]


async def test_a_wrong_answer_makes_a_card_due_a_minute_later_and_a_right_one_none(
    storage: Storage, review: ReviewService, clock: FakeClock
) -> None:
    # bob: q1 wrong at +2 s, q2 right, q3 wrong; ann: everything right.
    await seed_run(storage, [(0, BOB, "bob", 1, 2.0), (1, BOB, "bob", 1, 3.0), (2, BOB, "bob", 1, 4.0)])
    await seed_run(storage, [(0, ANN, "ann", 0, 2.0)])

    queue = await review.queue(GUILD, BOB)
    assert queue.counts.cards == 2 and queue.counts.due == 2 and queue.counts.mature == 0
    assert queue.shown is not None
    card = queue.shown.card
    assert (card.question_id, card.index, card.phase, card.ratings, card.lapses) == ("q1", 0, CardPhase.LEARNING, 1, 1)
    assert card.due == T0 + timedelta(seconds=2, minutes=1)
    assert queue.shown.question.prompt == "Rank?" and queue.shown.key == 0 and queue.shown.quiz_title == "LoRA basics"
    assert (await review.queue(GUILD, ANN)).counts.cards == 0

    assert await review.catch_up(GUILD, BOB) == 0  # nothing new: catching up again rates nothing twice
    assert await log_rows(storage) == [(1, 1, "answer"), (1, 1, "answer")]


async def test_with_every_answer_right_answers_from_then_on_make_cards_too(
    storage: Storage, review: ReviewService
) -> None:
    await seed_run(storage, [(0, BOB, "bob", 0, 2.0)])  # right, before the setting: no card
    await review.set_every_answer(GUILD, BOB, True)
    assert await review.every_answer(GUILD, BOB)
    await seed_run(storage, [(1, BOB, "bob", 1, 2.0)], at=T0 + timedelta(minutes=5))  # right: a card, Good

    assert (await review.counts(GUILD, BOB)).cards == 1
    (card,) = (await storage.review.cards_for(GUILD, BOB, [("lora", "q1"), ("lora", "q2")])).values()
    assert (card.question_id, card.lapses, card.due) == ("q2", 0, T0 + timedelta(minutes=15, seconds=2))


async def test_a_later_answer_to_the_same_question_rates_the_card_and_moves_it_to_that_run(
    storage: Storage, review: ReviewService, clock: FakeClock
) -> None:
    first = await seed_run(storage, [(0, BOB, "bob", 1, 2.0)])
    await review.catch_up(GUILD, BOB)
    # The quiz was edited (a new prompt), and bob got the question right this time.
    edited = replace(QUIZ, questions=(replace(QUIZ.questions[0], prompt="Rank of the update?"), *QUIZ.questions[1:]))
    second = await seed_run(storage, [(0, BOB, "bob", 0, 2.0)], quiz=edited, at=T0 + timedelta(minutes=3))
    assert second != first

    assert (await review.counts(GUILD, BOB)).cards == 1
    (card,) = (await storage.review.cards_for(GUILD, BOB, [("lora", "q1")])).values()
    assert (card.run_id, card.ratings, card.lapses) == (second, 2, 1)
    shown = await storage.review.card(card.id)
    assert shown is not None and shown.question.prompt == "Rank of the update?"
    assert await log_rows(storage) == [(1, 1, "answer"), (2, 3, "answer")]


async def test_an_answer_waits_until_its_question_is_revealed(
    storage: Storage, review: ReviewService, clock: FakeClock
) -> None:
    # A daily question, open until tomorrow: bob answered wrong; a live quiz after it is folded in meanwhile.
    daily = await open_first_question(
        storage, QUIZ, now=T0, deadline=T0 + timedelta(days=1), kind=RunKind.DAILY, guild_id=GUILD
    )
    await storage.runs.record_answer(run_id=daily, index=0, user_id=BOB, user_name="bob", choice=2, now=T0)
    await seed_run(storage, [(1, BOB, "bob", 0, 2.0)], at=T0 + timedelta(minutes=1))

    assert (await review.counts(GUILD, BOB)).cards == 1  # only the live quiz's question
    assert (await review.mistakes(GUILD, BOB, "", 0)).total == 1  # and no spoiler in /mistakes either

    await clock.advance(timedelta(days=1))
    await storage.runs.finish_run(daily, status=RunStatus.FINISHED, now=clock.now())  # the reveal closes it
    counts = await review.counts(GUILD, BOB)
    assert counts.cards == 2 and counts.due == 2
    assert (await review.mistakes(GUILD, BOB, "", 0)).total == 2


async def test_catching_up_a_long_history_goes_in_batches(
    storage: Storage, review: ReviewService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_service, "BATCH", 2)
    for day in range(3):
        at = T0 + timedelta(days=day)
        await seed_run(storage, [(0, BOB, "bob", 1, 1.0), (1, BOB, "bob", 1, 2.0), (2, BOB, "bob", 1, 3.0)], at=at)

    assert await review.catch_up(GUILD, BOB) == 6  # q1 and q3, three times each: 2 cards, 3 ratings each
    cards = await storage.review.cards_for(GUILD, BOB, [("lora", "q1"), ("lora", "q3"), ("lora", "q2")])
    assert sorted((key[1], card.ratings, card.lapses) for key, card in cards.items()) == [("q1", 3, 3), ("q3", 3, 3)]


async def test_grading_counts_once_and_only_for_the_cards_owner(
    storage: Storage, review: ReviewService, clock: FakeClock
) -> None:
    await seed_run(storage, [(0, BOB, "bob", 1, 2.0)])
    queue = await review.queue(GUILD, BOB)
    assert queue.shown is not None
    card = queue.shown.card

    graded = await review.grade(GUILD, BOB, card.id, card.ratings, 0)
    assert graded.outcome is GradeOutcome.RECORDED and graded.correct
    assert graded.due == clock.now() + timedelta(minutes=10) and graded.counts.due == 0
    again = await review.grade(GUILD, BOB, card.id, card.ratings, 1)  # the same showing, clicked twice
    assert again.outcome is GradeOutcome.ALREADY
    assert await log_rows(storage) == [(1, 1, "answer"), (2, 3, "review")]

    with pytest.raises(NotFoundError, match="not one of yours"):
        await review.grade(GUILD, ANN, card.id, 2, 0)
    with pytest.raises(NotFoundError):
        await review.grade(GUILD, BOB, card.id, 2, 4)  # no choice E on this question


async def test_a_review_is_graded_against_the_key_after_a_rescore(
    storage: Storage, review: ReviewService, clock: FakeClock
) -> None:
    await seed_run(storage, [(1, BOB, "bob", 0, 2.0)])  # "Bits?": bob said 4, the key said 8
    assert (await review.counts(GUILD, BOB)).cards == 1
    fixed = replace(QUIZ, questions=(QUIZ.questions[0], replace(QUIZ.questions[1], answer=0), QUIZ.questions[2]))
    await storage.boards.rescore(fixed)  # the key was wrong: 4 is right after all

    queue = await review.queue(GUILD, BOB)
    assert queue.shown is not None and queue.shown.key == 0
    graded = await review.grade(GUILD, BOB, queue.shown.card.id, queue.shown.card.ratings, 0)
    assert graded.correct and graded.outcome is GradeOutcome.RECORDED


async def test_mistakes_are_newest_first_paged_and_filtered_by_quiz(storage: Storage, review: ReviewService) -> None:
    other = Quiz(id="other", title="Other", questions=(Question("x1", "X?", ("a", "b"), 1, explanation="Because."),))
    for day in range(3):
        await seed_run(storage, [(0, BOB, "bob", 1, 1.0), (2, BOB, "bob", 1, 2.0)], at=T0 + timedelta(days=day))
    await seed_run(storage, [(0, BOB, "bob", 0, 1.0)], quiz=other, at=T0 + timedelta(days=5))

    first = await review.mistakes(GUILD, BOB, "", 0)
    assert (first.total, first.page, first.page_count) == (7, 0, 2)
    newest = first.mistakes[0]
    assert (newest.quiz_id, newest.question.prompt, newest.choice, newest.key) == ("other", "X?", 0, 1)
    assert newest.question.explanation == "Because."
    times = [m.answered_at for m in first.mistakes]
    assert times == sorted(times, reverse=True)

    last = await review.mistakes(GUILD, BOB, "LoRA ", 9)  # an old button's page past the end: the last page
    assert (last.quiz_id, last.total, last.page, len(last.mistakes)) == ("lora", 6, 1, 1)
    assert last.mistakes[0].answered_at == T0 + timedelta(seconds=1)
    assert await review.mistake_quizzes(GUILD, BOB, "", 25) == [("lora", "LoRA basics"), ("other", "Other")]
    assert await review.mistake_quizzes(GUILD, BOB, "oth", 25) == [("other", "Other")]
    with pytest.raises(InvalidOptionError):
        await review.mistakes(GUILD, BOB, "no such quiz!", 0)


async def test_leeches_count_members_who_keep_failing_in_quizzes_and_in_review(
    storage: Storage, review: ReviewService, clock: FakeClock
) -> None:
    # Three members answer q1 wrong in four runs; a fourth only twice. q2 is failed by two members only.
    for day in range(4):
        answers = [(0, user, f"m{user}", 1, 1.0) for user in (10, 11, 12)] + [(1, 10, "m10", 0, 1.0)]
        answers += [(1, 11, "m11", 0, 1.0)] + ([(0, 13, "m13", 1, 1.0)] if day < 2 else [])
        await seed_run(storage, answers, at=T0 + timedelta(days=day))
    assert await storage.review.leeches(GUILD, "lora", fails=4, members=3) == [("q1", 3, 12)]

    # The fourth member fails q1 twice more in /review: four fails, a fourth member stuck.
    await clock.advance(timedelta(days=5))
    for _ in range(2):
        queue = await review.queue(GUILD, 13)
        assert queue.shown is not None
        await review.grade(GUILD, 13, queue.shown.card.id, queue.shown.card.ratings, 2)
        await clock.advance(timedelta(minutes=11))
    assert await storage.review.leeches(GUILD, "lora", fails=4, members=3) == [("q1", 4, 16)]
