"""Review cards in SQL: ratings stored once and in order, the library's record named by the card's id."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import fsrs
import pytest

from bot.domain.quiz import Question, Quiz
from bot.domain.review import MATURE_INTERVAL, CardPhase, CardState, CardUpdate, RatingSource, ReviewCounts
from bot.review.scheduling import Scheduling
from bot.storage import Storage, open_storage
from bot.storage.review import CardChangedError
from tests.helpers import SEED_AT as T0
from tests.helpers import SEED_GUILD as GUILD
from tests.helpers import seed_run

BOB = 1


def ratings(run_id: int, results: list[bool], *, first: int = 1, previous: str | None = None) -> list[CardUpdate]:
    """Consecutive ratings of bob's card for the seed quiz's q1, a minute apart."""
    scheduling = Scheduling(fuzz=False)
    updates = []
    for offset, correct in enumerate(results):
        at = T0 + timedelta(minutes=offset)
        state = scheduling.rate(previous, correct, at)
        number = first + offset
        updates.append(CardUpdate("lora", "q1", run_id, 0, correct, at, RatingSource.ANSWER, state, number, None, at))
        previous = state.scheduler_state
    return updates


async def test_a_batch_rating_one_card_several_times_stores_its_last_state_and_every_rating(storage: Storage) -> None:
    run = await seed_run(storage, [])
    updates = ratings(run, [False, True, False])
    await storage.review.apply(GUILD, BOB, updates, synced_until=T0)

    card = (await storage.review.cards_for(GUILD, BOB, [("lora", "q1")]))[("lora", "q1")]
    assert (card.ratings, card.lapses, card.due) == (3, 2, updates[-1].state.due)
    assert json.loads(card.scheduler_state) == {**json.loads(updates[-1].state.scheduler_state), "card_id": card.id}
    log = await storage.database.fetch_all("SELECT n, rating FROM review_log WHERE card_id = ? ORDER BY n", (card.id,))
    assert [tuple(row) for row in log] == [(1, 1), (2, 3), (3, 1)]
    assert (await storage.review.member(GUILD, BOB)).synced_until == T0


async def test_a_stale_rating_stores_nothing(storage: Storage) -> None:
    run = await seed_run(storage, [])
    first = ratings(run, [False])
    await storage.review.apply(GUILD, BOB, first)
    later = ratings(run, [True, True], first=2, previous=first[0].state.scheduler_state)
    await storage.review.apply(GUILD, BOB, later[:1])

    with pytest.raises(CardChangedError):  # computed from the state after rating 1, which is gone
        await storage.review.apply(GUILD, BOB, later[:1], synced_until=T0)
    with pytest.raises(CardChangedError):  # a new card where one exists
        await storage.review.apply(GUILD, BOB, first)
    card = (await storage.review.cards_for(GUILD, BOB, [("lora", "q1")]))[("lora", "q1")]
    assert card.ratings == 2 and (await storage.review.member(GUILD, BOB)).synced_until is None


async def test_export_lists_a_members_cards_with_their_ratings_and_forget_takes_them(storage: Storage) -> None:
    run = await seed_run(storage, [])
    await storage.review.apply(GUILD, BOB, ratings(run, [False, True]), synced_until=T0)

    data = await storage.privacy.member_data(BOB, GUILD)
    (card,) = data["review_cards"]
    assert card["question_id"] == "q1" and [r["rating"] for r in json.loads(card["ratings_log"])] == [1, 3]
    assert [row["every_answer"] for row in data["review_members"]] == [0]

    forgotten = await storage.privacy.forget(BOB, GUILD)
    assert forgotten.deleted["review_cards"] == 1 and forgotten.deleted["review_members"] == 1
    left = await storage.database.fetch_one("SELECT count(*) FROM review_log")
    assert left[0] == 0  # the ratings go with their card


def rating_of(run_id: int, question: str, index: int, state: CardState, *, at: datetime, number: int = 1) -> CardUpdate:
    """Bob's quiz answer rating his card of the seed quiz's `question`, with the scheduler's `state` as given."""
    return CardUpdate("lora", question, run_id, index, False, at, RatingSource.ANSWER, state, number, None, at)


async def test_a_later_rating_stores_the_schedulers_record_named_by_the_card_and_it_carries_the_schedule_on(
    storage: Storage,
) -> None:
    run = await seed_run(storage, [])
    first = ratings(run, [False])
    await storage.review.apply(GUILD, BOB, first)
    stored = (await storage.review.cards_for(GUILD, BOB, [("lora", "q1")]))[("lora", "q1")]
    later = ratings(run, [True, True, False], first=2, previous=stored.scheduler_state)
    await storage.review.apply(GUILD, BOB, later)

    card = (await storage.review.cards_for(GUILD, BOB, [("lora", "q1")]))[("lora", "q1")]
    expected = {**json.loads(later[-1].state.scheduler_state), "card_id": card.id}
    assert json.loads(card.scheduler_state) == expected
    record = fsrs.Card.from_json(card.scheduler_state)
    assert (record.card_id, record.state, record.due) == (card.id, fsrs.State.Relearning, later[-1].state.due)

    # The schedule goes on from the stored record exactly as from the scheduler's own.
    at = later[-1].state.due + timedelta(minutes=1)
    from_stored = Scheduling(fuzz=False).rate(card.scheduler_state, True, at)
    from_own = Scheduling(fuzz=False).rate(json.dumps(expected), True, at)
    assert json.loads(from_stored.scheduler_state) == json.loads(from_own.scheduler_state)
    assert (from_stored.due, from_stored.phase) == (from_own.due, from_own.phase)


async def test_counts_tell_cards_due_mature_and_the_next_due_time(storage: Storage) -> None:
    run = await seed_run(storage, [])
    now = T0 + timedelta(days=40)
    record = json.dumps({"card_id": 0})

    def state(phase: CardPhase, last_review: datetime, due: datetime) -> CardState:
        return CardState(due=due, phase=phase, last_review=last_review, scheduler_state=record)

    await storage.review.apply(
        GUILD,
        BOB,
        [
            # Due, and mature: its interval is 21 days exactly.
            rating_of(run, "q1", 0, state(CardPhase.REVIEW, T0, T0 + MATURE_INTERVAL), at=T0),
            # Not due yet (the next due time), and a day short of mature.
            rating_of(run, "q2", 1, state(CardPhase.REVIEW, now, now + timedelta(days=20)), at=T0),
            # Not due, a long interval but relearning: not mature.
            rating_of(run, "q3", 2, state(CardPhase.RELEARNING, now, now + timedelta(days=30)), at=T0),
        ],
    )

    counts = await storage.review.counts(GUILD, BOB, now)
    assert counts == ReviewCounts(cards=3, due=1, mature=1, next_due=now + timedelta(days=20))
    assert all(type(n) is int for n in (counts.cards, counts.due, counts.mature))
    nothing = await storage.review.counts(GUILD, 99, now)
    assert nothing == ReviewCounts(cards=0, due=0, mature=0, next_due=None)


async def test_a_quiz_answer_moves_the_last_answer_time_only_forward_and_a_review_keeps_it(storage: Storage) -> None:
    run = await seed_run(storage, [])
    scheduling = Scheduling(fuzz=False)
    times = [T0 + timedelta(minutes=10), T0 + timedelta(minutes=5), None, T0 + timedelta(minutes=20)]
    seen = []
    previous = None
    for number, answer_at in enumerate(times, start=1):
        at = T0 + timedelta(minutes=number)
        state = scheduling.rate(previous, False, at)
        source = RatingSource.REVIEW if answer_at is None else RatingSource.ANSWER
        update = CardUpdate("lora", "q1", run, 0, False, at, source, state, number, None, answer_at)
        await storage.review.apply(GUILD, BOB, [update])
        card = (await storage.review.cards_for(GUILD, BOB, [("lora", "q1")]))[("lora", "q1")]
        seen.append(card.last_answer_at)
        previous = card.scheduler_state
    later, earlier = times[0], times[3]
    assert seen == [later, later, later, earlier]


# Text that JSON escapes, and text more than one byte long in UTF-8.
ODD = Quiz(
    id="lora",
    title="LoRA basics",
    questions=(
        Question("q1", "Plain?", ("a", "b"), 0),
        Question(
            "q2",
            'Quote " and \\ backslash, é, 日本語, 🦙?',
            ("ünïcode", "tab\there", "nl\nhere"),
            2,
            explanation="Line one\nline two",
            tags=("odd",),
            choice_explanations=("no", "no", "yes"),
            author="ann",
        ),
    ),
)


async def test_a_cards_question_and_a_mistakes_question_are_the_runs_copy_exactly(storage: Storage) -> None:
    await seed_run(storage, [(1, BOB, "bob", 0, 2.0)], quiz=ODD)
    update = ratings(await seed_run(storage, [], quiz=ODD), [False])[0]
    await storage.review.apply(GUILD, BOB, [replace(update, question_id="q2", index=1)])
    card = (await storage.review.cards_for(GUILD, BOB, [("lora", "q2")]))[("lora", "q2")]

    shown = await storage.review.card(card.id)
    assert shown is not None and (shown.question, shown.key, shown.quiz_title) == (ODD.questions[1], 2, "LoRA basics")
    due = await storage.review.first_due(GUILD, BOB, T0 + timedelta(days=1))
    assert due is not None and due.question == ODD.questions[1]
    (mistake,) = await storage.review.mistakes(
        GUILD, BOB, quiz_id=None, known_before=T0 + timedelta(days=2), offset=0, limit=5
    )
    assert (mistake.question, mistake.choice, mistake.key) == (ODD.questions[1], 0, 2)


async def test_quizzes_with_mistakes_are_found_under_any_collation_of_the_postgresql_database(
    fresh_postgres_url: str,
) -> None:
    # Many servers' databases sort text by a locale (the postgres image's en_US.utf8), not by code point as
    # the suite's does: there ';' sorts before ':', and 'quiz:lora' is outside the range 'quiz:'..'quiz;'.
    storage = await open_storage(fresh_postgres_url)
    try:
        await storage.database.execute('ALTER TABLE board_totals ALTER COLUMN bucket TYPE TEXT COLLATE "en-x-icu"')
        outside = await storage.database.fetch_one("SELECT 'quiz:lora' < 'quiz;' COLLATE \"en-x-icu\"")
        assert outside[0] is False  # the collation does order them that way
        await seed_run(storage, [(0, BOB, "bob", 1, 1.0), (1, BOB, "bob", 0, 2.0)])

        assert await storage.review.mistake_quizzes(GUILD, BOB) == [("lora", "LoRA basics", 2)]
    finally:
        await storage.close()
