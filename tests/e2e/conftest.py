"""End-to-end fixtures: the bot on a fake clock, for modules marked `fake_clock`.

    pytestmark = pytest.mark.fake_clock          # starts at DEFAULT_CLOCK_START
    pytestmark = pytest.mark.fake_clock(START)   # the story needs a particular hour

In a marked module the bot's time moves only when the test calls `clock.advance(...)`; unmarked
modules run the bot on the real clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.clock import FakeClock
from tests.discord_testbed.runner import BotFactory, default_bot_factory
from tests.helpers import clocked_bot_factory

DEFAULT_CLOCK_START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _fake_clock_marker(request: pytest.FixtureRequest) -> pytest.Mark | None:
    return request.node.get_closest_marker("fake_clock")


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> FakeClock:
    """The clock the bot runs on in a module marked `fake_clock`; advance it to move time."""
    marker = _fake_clock_marker(request)
    if marker is None:
        pytest.fail("the `clock` fixture needs the module marked `pytestmark = pytest.mark.fake_clock`")
    start = marker.args[0] if marker.args else marker.kwargs.get("start", DEFAULT_CLOCK_START)
    return FakeClock(start)


@pytest.fixture
def bot_factory(request: pytest.FixtureRequest) -> BotFactory:
    """Our real bot; on the test's `clock` in a module marked `fake_clock`. A module may still override it."""
    if _fake_clock_marker(request) is None:
        return default_bot_factory()
    return clocked_bot_factory(request.getfixturevalue("clock"))
