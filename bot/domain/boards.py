"""Leaderboards: what a scope covers, how members are ranked, and one page of a board.

The board score is the number of correct answers in the scope, the same rule as a live quiz in
accuracy mode (`bot.domain.scoring.rank` with points = correct answers): ties are broken by the
total answer time of all the member's answers in the scope (faster first), then by name. Members
with the same score and the same time (to the millisecond) share a rank, so ranks go 1, 1, 3; the
name only orders them on the page. Speed-mode points belong to one live run and are not summed
across runs, because a second quiz's time limit makes its points incomparable.

Scores are always derived from the stored answers; storage keeps summary tables in step with every
answer write so that a board reads a few thousand rows at most.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

PAGE_SIZE = 10
TIME_TIE_DECIMALS = 3  # answer times are compared to the millisecond, so float sums never split a tie


class Scope(enum.StrEnum):
    RUN = "run"  # one run (the latest one, or of the given quiz)
    QUIZ = "quiz"  # every run of one quiz in the guild
    SERIES = "series"  # every run of the quizzes in one series
    DAILY = "daily"  # every daily question
    WEEK = "week"  # this week (Monday to Sunday) in the guild's time zone
    MONTH = "month"  # this calendar month in the guild's time zone
    ALL = "all"  # all time

    @property
    def needs_quiz(self) -> bool:
        return self in (Scope.QUIZ, Scope.SERIES)


@dataclass(frozen=True)
class TimeWindow:
    """A half-open span of time [start, end) as UTC instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a time window needs timezone-aware instants")
        if self.end <= self.start:
            raise ValueError("a time window must end after it starts")


def scope_window(scope: Scope, now: datetime, timezone: str) -> TimeWindow | None:
    """The UTC span of a week or month scope around `now` in the guild's zone; None for other scopes.

    Boundaries are local midnights, converted to UTC after the fact, so a week across a daylight
    saving change is 167 or 169 hours long, as the members living there experience it.
    """
    if scope not in (Scope.WEEK, Scope.MONTH):
        return None
    zone = zone_or_utc(timezone)
    local_today = now.astimezone(zone).date()
    if scope is Scope.WEEK:
        first = local_today - timedelta(days=local_today.weekday())
        after = first + timedelta(days=7)
    else:
        first = local_today.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(after, time(), zone).astimezone(UTC)
    return TimeWindow(start, end)


def zone_or_utc(name: str) -> ZoneInfo:
    """The named zone; UTC if the stored name is unknown (a board must never fail on a bad setting)."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class BoardTarget:
    """Which answers a board counts: the scope plus the run, quiz, series or window it is about."""

    scope: Scope
    guild_id: int
    run_id: int | None = None
    quiz_id: str | None = None
    series: str | None = None
    window: TimeWindow | None = None
    with_practice: bool = False  # a series board of a server that counts practice answers too

    def __post_init__(self) -> None:
        missing = {
            Scope.RUN: self.run_id is None,
            Scope.QUIZ: self.quiz_id is None,
            Scope.SERIES: self.series is None,
            Scope.WEEK: self.window is None,
            Scope.MONTH: self.window is None,
        }.get(self.scope, False)
        if missing:
            raise ValueError(f"a {self.scope} board needs its {self.scope} (run id, quiz, series or window)")


@dataclass(frozen=True)
class BoardEntry:
    rank: int  # shared by members with the same score and time
    position: int  # 1-based place on the board (unique)
    user_id: int
    user_name: str
    correct: int
    answered: int
    seconds: float  # total answer time of all the member's answers in the scope
    practice: int = 0  # how many of `answered` were practice answers (series boards that count them)


@dataclass(frozen=True)
class BoardPage:
    page: int  # 0-based, clamped to the pages that exist
    page_count: int  # at least 1, even for an empty board
    member_count: int
    entries: tuple[BoardEntry, ...]
    own: BoardEntry | None  # the viewer's line, wherever it is on the board; None if not on it

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.page_count

    @property
    def own_on_page(self) -> bool:
        return self.own is not None and any(e.user_id == self.own.user_id for e in self.entries)


def page_count(member_count: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(member_count / page_size))


def clamp_page(page: int, member_count: int, page_size: int = PAGE_SIZE) -> int:
    """A page that exists: boards shrink (rescore) or buttons are old, so never show an empty page."""
    return min(max(page, 0), page_count(member_count, page_size) - 1)
