"""Validation of /daily set input and the status/streak summaries, without Discord."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.daily.admin import parse_request, save
from bot.domain.quiz import Question, Quiz
from bot.quizfiles import QuizCatalog
from bot.storage import Storage

QUIZ = Quiz(id="day48", title="Day 48", questions=(Question(id="q1", prompt="?", choices=("a", "b"), answer=0),))
CATALOG = QuizCatalog(folder=Path("."), by_id={"day48": QUIZ})


def request(**changes: object) -> object:
    values: dict[str, object] = {
        "guild_id": 1,
        "channel_id": 2,
        "time_text": "09:00",
        "timezone_text": "europe/berlin",
        "quizzes_text": "day48",
        "order_text": "sequential",
        "reveal_hours": None,
        "weekdays_text": None,
        "catalog": CATALOG,
    }
    values.update(changes)
    return parse_request(**values)


def test_valid_input_is_normalised() -> None:
    parsed = request(weekdays_text="mon-fri", quizzes_text=" DAY48 ")
    assert parsed.schedule.timezone == "Europe/Berlin" and parsed.quiz_ids == ("day48",)
    assert request(quizzes_text="all").quiz_ids is None


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"quizzes_text": "day84"}, "did you mean day48"),
        ({"quizzes_text": ","}, '"all"'),
        ({"timezone_text": "Berlin/Europe"}, "IANA name"),
        ({"time_text": "25:00"}, "HH:MM"),
        ({"weekdays_text": "funday"}, "mon-fri"),
        ({"reveal_hours": 30}, "1 to 24 hours"),
        ({"order_text": "random"}, "sequential, shuffled"),
    ],
)
def test_invalid_input_says_what_is_valid(changes: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        request(**changes)


async def test_a_first_schedule_sets_the_server_time_zone_once(storage: Storage) -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    await save(storage, request(), created_by=1, now=now)
    assert (await storage.settings.guild_settings(1)).timezone == "Europe/Berlin"
    # A later schedule elsewhere does not move a zone the server already has.
    await save(storage, request(channel_id=3, timezone_text="America/New_York"), created_by=1, now=now)
    assert (await storage.settings.guild_settings(1)).timezone == "Europe/Berlin"
