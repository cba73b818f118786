"""Review cards in SQL: ratings stored once and in order, the library's record named by the card's id."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.domain.review import CardUpdate, RatingSource
from bot.review.scheduling import Scheduling
from bot.storage import Storage
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
