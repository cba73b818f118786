"""Spaced-repetition scheduling with FSRS (the `fsrs` package, py-fsrs): the only module that imports it.

A wrong answer is rated Again and a right one Good. The library's card record (`Card.to_json()`) is
stored verbatim with each card, so a restart or an upgrade of the library picks up exactly where the
last rating left it; the stored ratings (review_log) could reschedule every card from scratch if a
future version ever needed that.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import fsrs
from fsrs.card import CardDict

from bot.domain.review import CardPhase, CardState


class Scheduling:
    """FSRS with its default parameters (desired retention 0.9, learning steps 1 and 10 minutes)."""

    def __init__(self, *, fuzz: bool = True) -> None:
        # Fuzz spreads cards rated together over a few days once their intervals are long; tests turn it off
        # to assert exact due times.
        self._scheduler = fsrs.Scheduler(enable_fuzzing=fuzz)

    def rate(self, previous: str | None, correct: bool, at: datetime) -> CardState:
        """The card's state after one rating at `at`; `previous` is its stored state (None: a new card).

        The record's card_id is left to storage, which writes the card's row id into it.
        """
        when = at.astimezone(UTC)
        if previous is None:
            # Always pass the id and the due time: fsrs's defaults read the wall clock (and sleep 1 ms).
            card = fsrs.Card(card_id=0, due=when)
        else:
            record: CardDict = json.loads(previous)
            card = fsrs.Card.from_dict(record)
        rating = fsrs.Rating.Good if correct else fsrs.Rating.Again
        card, _ = self._scheduler.review_card(card, rating, review_datetime=when)
        last = card.last_review or when
        return CardState(
            due=card.due.astimezone(UTC),
            phase=CardPhase(int(card.state)),
            last_review=last.astimezone(UTC),
            scheduler_state=card.to_json(),
        )
