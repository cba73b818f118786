"""Late clicks are logged as one line per interval with their count and worst delay (issue 8), not one per click."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.live.late_clicks import LateClickLog

LOGGER = "tests.late_clicks"


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


async def test_many_late_clicks_make_one_line_with_the_count_and_the_worst_delay(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    late = LateClickLog(logging.getLogger(LOGGER), interval=60.0)
    for delay, question in ((1.2, 0), (2.71, 3), (1.5, 1)):
        late.note(delay, 7, question)
    assert lines(caplog) == [], "nothing is logged per click"

    late.flush()
    late.flush()  # nothing new: no second line

    assert lines(caplog) == [
        "late clicks: 3 in the last 60 s, the latest arrived 2.71 s after it was made (run=7 question=3)"
    ]


async def test_the_line_comes_by_itself_after_the_interval(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    late = LateClickLog(logging.getLogger(LOGGER), interval=0.0)
    late.note(1.25, 2, 0)
    for _ in range(10):  # the timer is due at once; a few loop turns run it
        if lines(caplog):
            break
        await asyncio.sleep(0)
    assert lines(caplog) == [
        "late clicks: 1 in the last 0 s, the latest arrived 1.25 s after it was made (run=2 question=0)"
    ]
