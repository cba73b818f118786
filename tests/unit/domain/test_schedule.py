"""Daily schedule rules: parsing admin input, DST-correct post instants, start-up catch-up."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FakeClock
from bot.domain.schedule import (
    ALL_DAYS,
    LOOKBACK_DAYS,
    POPULAR_TIMEZONES,
    WEEKEND,
    WORKDAYS,
    DailySchedule,
    DuePlan,
    canonical_timezone,
    due_posts,
    format_weekdays,
    next_post,
    occurrence_on,
    parse_time_of_day,
    parse_timezone,
    parse_weekdays,
    reveal_at,
    timezone_suggestions,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def schedule(
    at: str = "09:00",
    zone: str = BERLIN,
    weekdays: frozenset[int] = ALL_DAYS,
    reveal_hours: int | None = None,
    schedule_id: int = 1,
) -> DailySchedule:
    return DailySchedule(
        id=schedule_id,
        guild_id=100 + schedule_id,
        channel_id=200 + schedule_id,
        time=parse_time_of_day(at),
        timezone=zone,
        weekdays=weekdays,
        reveal_hours=reveal_hours,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


# --- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9, 0)), ("9:00", time(9, 0)), ("21:30", time(21, 30)), (" 0:05 ", time(0, 5))],
)
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9:60", "9", "9am", "", "09:00:00", "-1:00"])
def test_parse_time_of_day_rejects_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM, for example 09:00"):
        parse_time_of_day(text)


def test_parse_timezone_accepts_iana_names_in_any_case() -> None:
    assert parse_timezone("Europe/Berlin") == ZoneInfo(BERLIN)
    assert parse_timezone(" america/new york ") == ZoneInfo(NEW_YORK)
    assert canonical_timezone("utc") == "UTC"


@pytest.mark.parametrize("text", ["Berlin", "CEST", "Europe/Atlantis", "", "../etc/passwd", "localtime"])
def test_parse_timezone_errors_say_what_is_valid(text: str) -> None:
    with pytest.raises(ValueError, match="Use an IANA name such as Europe/Berlin"):
        parse_timezone(text)


def test_parse_timezone_error_suggests_close_names() -> None:
    with pytest.raises(ValueError, match="Did you mean Europe/Berlin"):
        parse_timezone("Berlin")


def test_timezone_suggestions_rank_prefix_matches_first() -> None:
    assert timezone_suggestions("berlin")[0] == BERLIN
    new = timezone_suggestions("america/new")
    assert new[0] == NEW_YORK
    assert all(name.startswith("America/New") for name in new)
    assert timezone_suggestions("york") == [NEW_YORK]
    # A part starting with the text ranks above a mere substring match.
    lon = timezone_suggestions("lon", limit=100)
    assert lon.index("Europe/London") < lon.index("America/Miquelon")
    assert len(timezone_suggestions("a", limit=25)) == 25
    assert timezone_suggestions("") == list(POPULAR_TIMEZONES)
    assert timezone_suggestions("no-such-zone") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon,wed,fri", frozenset({0, 2, 4})),
        ("Mon, Wed  Fri", frozenset({0, 2, 4})),
        ("weekdays", WORKDAYS),
        ("weekends", WEEKEND),
        ("all", ALL_DAYS),
        ("mon-fri", WORKDAYS),
        ("fri-mon", frozenset({4, 5, 6, 0})),
        ("monday,sunday", frozenset({0, 6})),
        ("weekends,wed", frozenset({2, 5, 6})),
    ],
)
def test_parse_weekdays(text: str, expected: frozenset[int]) -> None:
    assert parse_weekdays(text) == expected
    assert parse_weekdays(format_weekdays(expected)) == expected


@pytest.mark.parametrize("text", ["", "funday", "mon-xyz", "1,2,3"])
def test_parse_weekdays_rejects_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"mon,wed,fri.*mon-fri.*weekdays, weekends"):
        parse_weekdays(text)


def test_schedule_validates_its_fields() -> None:
    with pytest.raises(ValueError, match="Europe/Berlin"):
        schedule(zone="europe/berlin")
    with pytest.raises(ValueError, match="weekdays"):
        schedule(weekdays=frozenset())
    with pytest.raises(ValueError, match="reveal_hours"):
        schedule(reveal_hours=25)
    with pytest.raises(ValueError, match="naive"):
        DailySchedule(1, 1, 1, time(9, tzinfo=UTC), BERLIN)


# --- DST -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "before", "after", "utc_before", "utc_after"),
    [
        (BERLIN, date(2026, 3, 28), date(2026, 3, 29), utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        (BERLIN, date(2026, 10, 24), date(2026, 10, 25), utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
        (NEW_YORK, date(2026, 3, 7), date(2026, 3, 8), utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)),
        (NEW_YORK, date(2026, 10, 31), date(2026, 11, 1), utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)),
    ],
)
def test_nine_oclock_stays_nine_oclock_local_across_dst(
    zone: str, before: date, after: date, utc_before: datetime, utc_after: datetime
) -> None:
    daily = schedule("09:00", zone)
    assert occurrence_on(daily, before) == utc_before
    assert occurrence_on(daily, after) == utc_after
    for instant in (utc_before, utc_after):
        assert local(instant, zone).time() == time(9, 0)
    assert next_post(daily, utc_before) == (after, utc_after)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        (BERLIN, date(2026, 3, 29), "02:30", utc(2026, 3, 29, 1, 0)),
        (BERLIN, date(2026, 3, 29), "02:00", utc(2026, 3, 29, 1, 0)),
        (NEW_YORK, date(2026, 3, 8), "02:30", utc(2026, 3, 8, 7, 0)),
    ],
)
def test_a_time_in_the_spring_forward_gap_posts_at_the_first_valid_minute(
    zone: str, day: date, at: str, expected_utc: datetime
) -> None:
    instant = occurrence_on(schedule(at, zone), day)
    assert instant == expected_utc
    assert local(instant, zone).time() == time(3, 0)


@pytest.mark.parametrize(
    ("zone", "day", "at", "first_utc"),
    [
        (BERLIN, date(2026, 10, 25), "02:30", utc(2026, 10, 25, 0, 30)),
        (NEW_YORK, date(2026, 11, 1), "01:30", utc(2026, 11, 1, 5, 30)),
    ],
)
def test_a_repeated_fall_back_time_posts_once_at_its_first_occurrence(
    zone: str, day: date, at: str, first_utc: datetime
) -> None:
    daily = schedule(at, zone)
    assert occurrence_on(daily, day) == first_utc
    posts = _posts_between(daily, first_utc - timedelta(days=2), first_utc + timedelta(days=2))
    one_day = timedelta(days=1)
    assert [d for d, _ in posts] == [day - one_day, day, day + one_day]
    # Walking the repeated hour itself never yields a second post for that day.
    second_occurrence = first_utc + timedelta(hours=1)
    assert next_post(daily, first_utc)[0] == day + timedelta(days=1)
    assert next_post(daily, second_occurrence - timedelta(minutes=1))[0] == day + timedelta(days=1)


def _posts_between(daily: DailySchedule, start: datetime, end: datetime) -> list[tuple[date, datetime]]:
    posts = []
    cursor = start
    while (upcoming := next_post(daily, cursor))[1] <= end:
        posts.append(upcoming)
        cursor = upcoming[1]
    return posts


def test_two_guilds_in_different_zones_post_at_their_own_local_time() -> None:
    berlin = schedule("09:00", BERLIN, schedule_id=1)
    new_york = schedule("09:00", NEW_YORK, schedule_id=2)
    now = utc(2026, 3, 10, 12, 0)  # 13:00 in Berlin, 08:00 in New York
    assert next_post(berlin, now) == (date(2026, 3, 11), utc(2026, 3, 11, 8))
    assert next_post(new_york, now) == (date(2026, 3, 10), utc(2026, 3, 10, 13))


def test_local_date_follows_the_schedule_zone_not_utc() -> None:
    # 23:30 in New York is already the next day in UTC; the post still belongs to the local date.
    late = schedule("23:30", NEW_YORK)
    assert next_post(late, utc(2026, 6, 1, 12)) == (date(2026, 6, 1), utc(2026, 6, 2, 3, 30))


# --- weekdays and reveal -------------------------------------------------------------------------


def test_weekday_schedule_skips_the_weekend() -> None:
    workdays = schedule("09:00", BERLIN, weekdays=WORKDAYS)
    friday_post = occurrence_on(workdays, date(2026, 3, 6))
    assert next_post(workdays, friday_post) == (date(2026, 3, 9), utc(2026, 3, 9, 8))
    assert reveal_at(workdays, date(2026, 3, 6)) == utc(2026, 3, 9, 8)


def test_reveal_hours_is_elapsed_time_after_the_post() -> None:
    daily = schedule("09:00", BERLIN, reveal_hours=3)
    assert reveal_at(daily, date(2026, 3, 10)) == utc(2026, 3, 10, 11)


def test_reveal_at_next_post_spans_the_dst_change() -> None:
    daily = schedule("09:00", BERLIN)
    assert reveal_at(daily, date(2026, 3, 28)) == utc(2026, 3, 29, 7)


# --- start-up and downtime -----------------------------------------------------------------------


def test_restart_exactly_at_post_time_posts_today_once() -> None:
    daily = schedule("09:00", BERLIN)
    today = date(2026, 3, 10)
    post_time = occurrence_on(daily, today)
    assert due_posts(daily, post_time, last_posted=today - timedelta(days=1)) == DuePlan(post_now=today)
    assert due_posts(daily, post_time, last_posted=today) == DuePlan()
    assert due_posts(daily, post_time - timedelta(microseconds=1), today - timedelta(days=1)) == DuePlan()
    assert next_post(daily, post_time) == (date(2026, 3, 11), utc(2026, 3, 11, 8))


def test_downtime_across_one_post_time_posts_it_late_inside_its_window() -> None:
    daily = schedule("09:00", BERLIN)
    back_up = utc(2026, 3, 10, 15)  # down from before 09:00 until 16:00 local
    assert due_posts(daily, back_up, last_posted=date(2026, 3, 9)) == DuePlan(post_now=date(2026, 3, 10))


def test_downtime_past_the_reveal_skips_instead_of_posting() -> None:
    daily = schedule("09:00", BERLIN, reveal_hours=2)
    back_up = utc(2026, 3, 10, 10)  # 11:00 local: exactly the reveal time, window closed
    assert due_posts(daily, back_up, last_posted=date(2026, 3, 9)) == DuePlan(skipped=(date(2026, 3, 10),))


def test_downtime_across_three_post_times_posts_only_the_open_one() -> None:
    daily = schedule("09:00", BERLIN)
    back_up = utc(2026, 3, 12, 9)  # 10:00 local on the 12th; the 10th, 11th and 12th were missed
    plan = due_posts(daily, back_up, last_posted=date(2026, 3, 9))
    assert plan == DuePlan(post_now=date(2026, 3, 12), skipped=(date(2026, 3, 10), date(2026, 3, 11)))


def test_downtime_across_three_post_times_all_closed_posts_nothing() -> None:
    daily = schedule("09:00", BERLIN, reveal_hours=4)
    back_up = utc(2026, 3, 12, 20)
    plan = due_posts(daily, back_up, last_posted=date(2026, 3, 9))
    assert plan == DuePlan(skipped=(date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)))


def test_downtime_skips_only_scheduled_days() -> None:
    workdays = schedule("09:00", BERLIN, weekdays=WORKDAYS)
    monday_noon = utc(2026, 3, 9, 11)
    plan = due_posts(workdays, monday_noon, last_posted=date(2026, 3, 5))
    assert plan == DuePlan(post_now=date(2026, 3, 9), skipped=(date(2026, 3, 6),))


def test_long_downtime_looks_back_a_bounded_number_of_days() -> None:
    daily = schedule("09:00", BERLIN)
    plan = due_posts(daily, utc(2026, 6, 1, 12), last_posted=date(2026, 1, 1))
    assert plan.post_now == date(2026, 6, 1)
    assert len(plan.skipped) <= LOOKBACK_DAYS
    assert due_posts(daily, utc(2026, 6, 1, 12), last_posted=None).post_now == date(2026, 6, 1)


def test_a_clock_jump_backwards_never_posts_a_day_twice() -> None:
    daily = schedule("09:00", BERLIN)
    assert due_posts(daily, utc(2026, 3, 9, 12), last_posted=date(2026, 3, 10)) == DuePlan()


def test_naive_instants_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_post(schedule(), datetime(2026, 3, 10, 9))  # noqa: DTZ001 - the point of the test


# --- a scheduler loop driven by the fake clock ---------------------------------------------------


async def test_a_sleeping_scheduler_posts_at_local_nine_through_dst_in_two_zones() -> None:
    clock = FakeClock(utc(2026, 3, 6, 0))
    schedules = [schedule("09:00", BERLIN, schedule_id=1), schedule("09:00", NEW_YORK, schedule_id=2)]
    posted: list[tuple[int, date, datetime]] = []

    async def run(daily: DailySchedule) -> None:
        while True:
            local_date, instant = next_post(daily, clock.now())
            await clock.sleep_until(instant)
            posted.append((daily.id, local_date, clock.now()))

    tasks = [asyncio.create_task(run(daily)) for daily in schedules]
    await asyncio.sleep(0)
    await clock.advance(timedelta(days=30))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    for daily in schedules:
        mine = [(d, at) for sid, d, at in posted if sid == daily.id]
        assert len(mine) == 30
        assert [d for d, _ in mine] == [date(2026, 3, 6) + timedelta(days=n) for n in range(30)]
        assert all(local(at, daily.timezone).time() == time(9, 0) for _, at in mine)
        assert all(local(at, daily.timezone).date() == d for d, at in mine)
