"""Window durations as members type them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.durations import MAX_WINDOW, describe, parse_window
from bot.domain.errors import InvalidOptionError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 1 day 6 hours ", timedelta(days=1, hours=6)),
        ("90 min", timedelta(minutes=90)),
        ("1W", timedelta(days=7)),
        ("7d", MAX_WINDOW),
        ("5m", timedelta(minutes=5)),
    ],
)
def test_durations_members_type_are_read(text: str, expected: timedelta) -> None:
    assert parse_window(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "tomorrow", "2 fortnights", "1d-2h", "3h and more", "1.5h"])
def test_anything_else_says_how_to_write_one(text: str) -> None:
    with pytest.raises(InvalidOptionError, match="is not a duration: write it like 30m, 24h, 2d or 1d12h"):
        parse_window(text)


def test_windows_stay_between_five_minutes_and_seven_days() -> None:
    with pytest.raises(InvalidOptionError, match="at least 5 minutes"):
        parse_window("4m")
    with pytest.raises(InvalidOptionError, match="at most 7 days"):
        parse_window("7d1m")
    with pytest.raises(InvalidOptionError, match="at most 7 days"):
        parse_window("999999d")


def test_a_duration_is_shown_back_in_days_hours_and_minutes() -> None:
    assert describe(timedelta(days=1, hours=12)) == "1 d 12 h"
    assert describe(timedelta(minutes=30)) == "30 min"
    assert describe(timedelta(days=7)) == "7 d"
