"""FSRS through Scheduling: wrong is Again, right is Good, and the stored record carries the card on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import fsrs

from bot.domain.review import CardPhase
from bot.review.scheduling import Scheduling

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_a_new_card_answered_wrong_comes_back_in_a_minute_and_right_in_ten() -> None:
    scheduling = Scheduling(fuzz=False)
    wrong = scheduling.rate(None, False, AT)
    right = scheduling.rate(None, True, AT)
    assert (wrong.phase, wrong.due, wrong.last_review) == (CardPhase.LEARNING, AT + timedelta(minutes=1), AT)
    assert (right.phase, right.due) == (CardPhase.LEARNING, AT + timedelta(minutes=10))


def test_the_stored_record_is_the_librarys_own_and_continues_the_schedule() -> None:
    scheduling = Scheduling(fuzz=False)
    first = scheduling.rate(None, False, AT)
    record = fsrs.Card.from_json(first.scheduler_state)
    assert record.state == fsrs.State.Learning and record.due == first.due

    # Right twice: through the learning steps into review, days away; wrong then: relearning in 10 minutes.
    second = scheduling.rate(first.scheduler_state, True, AT + timedelta(minutes=2))
    third = scheduling.rate(second.scheduler_state, True, AT + timedelta(minutes=15))
    assert third.phase is CardPhase.REVIEW and third.interval >= timedelta(days=1)
    lapse = scheduling.rate(third.scheduler_state, False, third.due)
    assert lapse.phase is CardPhase.RELEARNING and lapse.interval == timedelta(minutes=10)
    assert json.loads(lapse.scheduler_state)["difficulty"] > json.loads(third.scheduler_state)["difficulty"]


def test_every_time_is_utc_whatever_zone_it_came_in() -> None:
    berlin = AT.astimezone(timezone(timedelta(hours=1)))
    state = Scheduling(fuzz=False).rate(None, False, berlin)
    assert state.due.tzinfo is UTC and state.due == AT + timedelta(minutes=1)
