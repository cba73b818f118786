"""Daily-question schedules: parsing admin input and computing when each local day's post is due.

All instants returned are timezone-aware UTC. A post is identified by its *local date* in the
schedule's zone; the database makes (schedule, local date) unique, this module only computes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.domain.clock import require_aware

ALL_DAYS: frozenset[int] = frozenset(range(7))
WORKDAYS: frozenset[int] = frozenset(range(5))
WEEKEND: frozenset[int] = frozenset({5, 6})
MIN_REVEAL_HOURS = 1
MAX_REVEAL_HOURS = 24
# After downtime only this many past local days are examined: older ones are neither posted
# nor reported, so a bot that was off for months wakes up quietly.
LOOKBACK_DAYS = 7
# Real gaps are one hour (DST) and at most a day (Samoa skipped 2011-12-30), so this always ends.
_MAX_GAP_MINUTES = 26 * 60
# Shown when the autocomplete box is still empty: the zones most study groups are likely in.
POPULAR_TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
)
# Present in some tz databases but not places a user would mean.
_NOT_USER_ZONES = frozenset({"Factory", "localtime", "posixrules"})
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    **{name: index for index, name in enumerate(DAY_NAMES)},
    **{
        name: index
        for index, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
}
_WEEKDAY_SETS = {
    "all": ALL_DAYS,
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "weekdays": WORKDAYS,
    "workdays": WORKDAYS,
    "weekends": WEEKEND,
    "weekend": WEEKEND,
}
_TIME_PATTERN = re.compile(r"^(\d{1,2})[:.h](\d{2})$")


@dataclass(frozen=True)
class DailySchedule:
    """One channel's daily question: posted at `time` local time in `timezone` on `weekdays`.

    `weekdays` uses date.weekday() numbering (0 = Monday .. 6 = Sunday) of the *local* date.
    `reveal_hours` is elapsed time after the post; None reveals at the next scheduled post.
    """

    id: int
    guild_id: int
    channel_id: int
    time: time
    timezone: str
    weekdays: frozenset[int] = field(default=ALL_DAYS)
    reveal_hours: int | None = None

    def __post_init__(self) -> None:
        if self.time.tzinfo is not None:
            raise ValueError("DailySchedule.time is a local wall-clock time and must be naive")
        if canonical_timezone(self.timezone) != self.timezone:
            raise ValueError(
                f"timezone must be spelled as in the tz database: {canonical_timezone(self.timezone)!r}"
            )
        if not self.weekdays or not self.weekdays <= ALL_DAYS:
            raise ValueError(f"weekdays must be a non-empty subset of 0..6, got {sorted(self.weekdays)}")
        if self.reveal_hours is not None and not (MIN_REVEAL_HOURS <= self.reveal_hours <= MAX_REVEAL_HOURS):
            allowed = f"{MIN_REVEAL_HOURS}..{MAX_REVEAL_HOURS}"
            raise ValueError(f"reveal_hours must be {allowed} or None, got {self.reveal_hours}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def posts_on(self, local_date: date) -> bool:
        return local_date.weekday() in self.weekdays


@dataclass(frozen=True)
class DuePlan:
    """What a (re)started scheduler should do now for one schedule.

    `post_now` is the local date to post immediately, if any (at most one, never a backlog).
    `skipped` are older due dates, oldest first, whose answer window has closed: log, don't post.
    """

    post_now: date | None = None
    skipped: tuple[date, ...] = ()


def parse_time_of_day(text: str) -> time:
    """Parse a 24-hour local time such as "09:00", "9:00" or "21:30"."""
    match = _TIME_PATTERN.fullmatch(text.strip())
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise ValueError(f"{text.strip()!r} is not a time of day. Use 24-hour HH:MM, for example 09:00 or 21:30.")


@cache
def _zones_by_lowercase() -> dict[str, str]:
    # Cached: available_timezones() scans the whole tz database on every call.
    return {name.lower(): name for name in available_timezones() if name not in _NOT_USER_ZONES}


def canonical_timezone(text: str) -> str:
    """Return the IANA name as spelled in the database ("europe/berlin" -> "Europe/Berlin")."""
    key = text.strip().replace(" ", "_").lower()
    name = _zones_by_lowercase().get(key)
    if name is None:
        hint = timezone_suggestions(text, limit=3)
        did_you_mean = f" Did you mean {', '.join(hint)}?" if hint else ""
        raise ValueError(
            f"{text.strip()!r} is not a known time zone. Use an IANA name such as Europe/Berlin, "
            f"America/New_York or UTC.{did_you_mean}"
        )
    return name


def parse_timezone(text: str) -> ZoneInfo:
    """Parse an IANA time zone name (case-insensitive, spaces allowed for underscores)."""
    return ZoneInfo(canonical_timezone(text))


def timezone_suggestions(prefix: str, limit: int = 25) -> list[str]:
    """IANA names containing `prefix` (case-insensitive), best first, for slash-command autocomplete.

    Ranking: exact name, then names starting with the text, then names with a part ("Berlin" in
    "Europe/Berlin") starting with it, then any other substring; alphabetical within each rank.
    """
    needle = prefix.strip().replace(" ", "_").lower()
    if not needle:
        return list(POPULAR_TIMEZONES[:limit])

    def rank(name: str) -> tuple[int, str]:
        lowered = name.lower()
        if lowered == needle:
            return 0, name
        if lowered.startswith(needle):
            return 1, name
        if any(part.startswith(needle) for part in lowered.split("/")):
            return 2, name
        return 3, name

    matches = [name for lowered, name in _zones_by_lowercase().items() if needle in lowered]
    return sorted(matches, key=rank)[:limit]


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse "mon,wed,fri", "mon-fri", "weekdays", "weekends" or "all" (combinable with commas)."""
    tokens = [token for token in re.split(r"[,\s]+", text.strip().lower()) if token]
    if not tokens:
        raise ValueError(_weekday_help(text))
    days: set[int] = set()
    for token in tokens:
        if token in _WEEKDAY_SETS:
            days |= _WEEKDAY_SETS[token]
        elif token in _DAY_ALIASES:
            days.add(_DAY_ALIASES[token])
        elif "-" in token:
            start, _, end = token.partition("-")
            if start not in _DAY_ALIASES or end not in _DAY_ALIASES:
                raise ValueError(_weekday_help(text))
            first, last = _DAY_ALIASES[start], _DAY_ALIASES[end]
            # A range may wrap over the week end: "fri-mon" is Fri, Sat, Sun, Mon.
            days.update((first + offset) % 7 for offset in range((last - first) % 7 + 1))
        else:
            raise ValueError(_weekday_help(text))
    return frozenset(days)


def format_weekdays(days: frozenset[int]) -> str:
    """The short text form parse_weekdays accepts back, e.g. "mon,wed,fri" or "all"."""
    for name in ("all", "weekdays", "weekends"):
        if days == _WEEKDAY_SETS[name]:
            return name
    return ",".join(DAY_NAMES[day] for day in sorted(days))


def _weekday_help(text: str) -> str:
    return (
        f"{text.strip()!r} is not a list of weekdays. Use day names like mon,wed,fri, a range like "
        "mon-fri, or one of: all, weekdays, weekends."
    )


def _naive_local_exists(naive: datetime, zone: ZoneInfo) -> bool:
    round_trip = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == naive


def _post_instant(schedule: DailySchedule, local_date: date) -> datetime | None:
    """The UTC instant of `local_date`'s post, or None if that whole local day does not exist."""
    zone = schedule.zone
    naive = datetime.combine(local_date, schedule.time)
    if not _naive_local_exists(naive, zone):
        # Spring-forward gap: walk to the first wall-clock minute that exists.
        start = naive.replace(second=0, microsecond=0)
        for minutes in range(1, _MAX_GAP_MINUTES + 1):
            naive = start + timedelta(minutes=minutes)
            if _naive_local_exists(naive, zone):
                break
        if naive.date() != local_date:
            return None
    # fold=0 (the default) picks the first of two repeated wall-clock times, so a fall-back day posts once.
    return naive.replace(tzinfo=zone).astimezone(UTC)


def occurrence_on(schedule: DailySchedule, local_date: date) -> datetime:
    """UTC instant of the post for `local_date` (whether or not its weekday is scheduled).

    DST: a local time inside a spring-forward gap posts at the first valid minute after the gap
    (02:30 on 2026-03-29 in Europe/Berlin posts at 03:00 CEST); a time repeated at fall-back posts
    at its first occurrence (the earlier UTC instant).
    """
    instant = _post_instant(schedule, local_date)
    if instant is None:
        raise ValueError(f"{local_date.isoformat()} does not exist in {schedule.timezone}")
    return instant


def _occurrences_from(schedule: DailySchedule, first_date: date) -> Iterator[tuple[date, datetime]]:
    local_date = first_date
    while True:
        if schedule.posts_on(local_date):
            instant = _post_instant(schedule, local_date)
            if instant is not None:
                yield local_date, instant
        local_date += timedelta(days=1)


def next_post(schedule: DailySchedule, after: datetime) -> tuple[date, datetime]:
    """The first scheduled (local date, UTC instant) strictly after `after`."""
    after_utc = require_aware(after, "after")
    # Start a day early: a post on local date D never happens before D's local midnight,
    # and starting one day back covers whatever offset `after` was given in.
    start = after_utc.astimezone(schedule.zone).date() - timedelta(days=1)
    for local_date, instant in _occurrences_from(schedule, start):
        if instant > after_utc:
            return local_date, instant
    raise AssertionError("unreachable: the occurrence stream is infinite")


def reveal_at(schedule: DailySchedule, local_date: date) -> datetime:
    """When the post for `local_date` is revealed: `reveal_hours` after posting, else the next post."""
    posted = occurrence_on(schedule, local_date)
    if schedule.reveal_hours is not None:
        return posted + timedelta(hours=schedule.reveal_hours)
    return next_post(schedule, posted)[1]


def due_posts(schedule: DailySchedule, now: datetime, last_posted: date | None) -> DuePlan:
    """What to do now, at start-up or after waking: post at most one day, skip older ones.

    A scheduled local date is *due* when its post instant is <= `now` and it is later than
    `last_posted` (the latest local date already posted, or already recorded as skipped — pass
    that to avoid logging the same skips after every restart). A due date is posted now only if
    `now` is still inside its answer window [post time, reveal time); the latest such date wins and
    every other due date is skipped. Only the last LOOKBACK_DAYS local days are examined.
    """
    now_utc = require_aware(now, "now")
    today = now_utc.astimezone(schedule.zone).date()
    start = today - timedelta(days=LOOKBACK_DAYS)
    if last_posted is not None:
        start = max(start, last_posted + timedelta(days=1))
    due: list[date] = []
    for local_date, instant in _occurrences_from(schedule, start):
        if instant > now_utc:
            break
        due.append(local_date)
    if not due:
        return DuePlan()
    latest = due[-1]
    if now_utc < reveal_at(schedule, latest):
        return DuePlan(post_now=latest, skipped=tuple(due[:-1]))
    return DuePlan(post_now=None, skipped=tuple(due))
