"""What the /daily commands do, without Discord: validate input, save, describe, count streaks."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.daily.questions import question_keys
from bot.daily.scheduler import DailyScheduler
from bot.domain.clock import Clock
from bot.domain.daily import DailyConfig, DailyPost
from bot.domain.errors import InvalidOptionError, NotFoundError
from bot.domain.guild_settings import DEFAULT_TIMEZONE
from bot.domain.permissions import Member, require_may_manage_daily
from bot.domain.privacy import require_may_see_results
from bot.domain.question_order import parse_order, pick_next
from bot.domain.schedule import (
    ALL_DAYS,
    MAX_REVEAL_HOURS,
    MIN_REVEAL_HOURS,
    DailySchedule,
    canonical_timezone,
    next_post,
    parse_time_of_day,
    parse_weekdays,
)
from bot.domain.streaks import Streak, streaks
from bot.quizfiles import QuizCatalog
from bot.storage import Storage

# `/daily off` keeps the schedule row (and with it the post history that streaks and the question
# order are computed from) and pauses it with this reason; `/daily set` turns it back on.
log = logging.getLogger(__name__)

OFF_REASON = "turned off with /daily off."


def parse_quizzes(text: str, catalog: QuizCatalog) -> tuple[str, ...] | None:
    """Comma-separated quiz ids, or "all" (None); ValueError naming unknown ids and close matches."""
    if text.strip().lower() == "all":
        if not catalog.ids():
            raise ValueError("There are no quizzes in the quiz folder yet; add one, then run /daily set again.")
        return None
    wanted = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not wanted:
        raise ValueError('Give quiz ids separated by commas (for example "day48, day49"), or "all".')
    problems = []
    for quiz_id in wanted:
        if catalog.get(quiz_id) is None:
            close = catalog.closest(quiz_id)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"{quiz_id!r}{hint}")
    if problems:
        known = ", ".join(catalog.ids()[:20]) or "none"
        raise ValueError(f'Unknown quiz id {"; ".join(problems)}. Known quizzes: {known}. Or use "all".')
    return tuple(dict.fromkeys(wanted))


@dataclass(frozen=True)
class ScheduleRequest:
    """A validated `/daily set`."""

    schedule: DailySchedule
    quiz_ids: tuple[str, ...] | None
    order: str


def parse_request(
    *,
    guild_id: int,
    channel_id: int,
    time_text: str,
    timezone_text: str,
    quizzes_text: str,
    order_text: str,
    reveal_hours: int | None,
    weekdays_text: str | None,
    catalog: QuizCatalog,
) -> ScheduleRequest:
    """Check every value; ValueError with what is wrong and what is valid."""
    at = parse_time_of_day(time_text)
    zone = canonical_timezone(timezone_text)
    days = ALL_DAYS if weekdays_text is None else parse_weekdays(weekdays_text)
    if reveal_hours is not None and not MIN_REVEAL_HOURS <= reveal_hours <= MAX_REVEAL_HOURS:
        raise ValueError(
            f"reveal must be {MIN_REVEAL_HOURS} to {MAX_REVEAL_HOURS} hours after the post, "
            "or left out to reveal at the next post."
        )
    order = parse_order(order_text)
    quiz_ids = parse_quizzes(quizzes_text, catalog)
    schedule = DailySchedule(0, guild_id, channel_id, at, zone, days, reveal_hours)
    return ScheduleRequest(schedule, quiz_ids, order)


async def save(
    storage: Storage, request: ScheduleRequest, *, created_by: int, now: datetime, seed: int | None = None
) -> DailyConfig:
    """Create or update the channel's schedule (this also resumes a paused or turned-off one).

    A server that never chose a time zone (still the default UTC) adopts the schedule's, so its week
    and month leaderboards follow the same local days as its daily questions; /quiz-settings can
    change it afterwards.
    """
    settings = await storage.settings.guild_settings(request.schedule.guild_id)
    if settings.timezone == DEFAULT_TIMEZONE and request.schedule.timezone != DEFAULT_TIMEZONE:
        await storage.settings.update_guild_settings(request.schedule.guild_id, timezone=request.schedule.timezone)
    return await storage.daily.save_schedule(
        guild_id=request.schedule.guild_id,
        channel_id=request.schedule.channel_id,
        schedule=request.schedule,
        quiz_ids=request.quiz_ids,
        order=request.order,
        seed=random.randrange(2**31) if seed is None else seed,
        created_by=created_by,
        now=now,
    )


async def turn_off(storage: Storage, channel_id: int) -> DailyConfig | None:
    config = await storage.daily.schedule_for_channel(channel_id)
    if config is None:
        return None
    await storage.daily.pause(config.id, OFF_REASON)
    return await storage.daily.get_schedule(config.id)


@dataclass(frozen=True)
class ScheduleStatus:
    config: DailyConfig
    next_local: datetime | None  # in the schedule's zone; None while paused
    next_key: str | None
    position: int | None  # 1-based place of the next question in the schedule's question list
    question_count: int
    last_post: DailyPost | None


async def schedule_status(storage: Storage, catalog: QuizCatalog, config: DailyConfig, now: datetime) -> ScheduleStatus:
    keys = question_keys(config, catalog)
    next_key = position = None
    if keys:
        next_key = pick_next(keys, await storage.daily.used_keys(config.id), config.order, config.seed)
        position = keys.index(next_key) + 1
    next_local = None
    if not config.is_paused:
        taken = await storage.daily.last_scheduled_date(config.id)
        local_date, instant = next_post(config.schedule, now)
        # /daily now may have used today's slot before its time: that time posts nothing, the next one does.
        while taken is not None and local_date <= taken:
            local_date, instant = next_post(config.schedule, instant)
        next_local = instant.astimezone(config.schedule.zone)
    return ScheduleStatus(config, next_local, next_key, position, len(keys), await storage.daily.last_post(config.id))


async def member_streaks(storage: Storage, guild_id: int, user_id: int) -> list[tuple[DailyConfig, Streak]]:
    """The member's streak in each of the guild's schedules that ever posted."""
    found = []
    for config in await storage.daily.guild_schedules(guild_id):
        posted, correct, still_open = await storage.daily.member_history(config.id, user_id)
        if posted:
            found.append((config, streaks(posted, correct, still_open)))
    return found


class DailyAdmin:
    """What /daily does: every command checks the member, changes storage, and re-arms the scheduler."""

    def __init__(
        self, storage: Storage, clock: Clock, catalog: Callable[[int], QuizCatalog], scheduler: DailyScheduler
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._catalog = catalog
        self._scheduler = scheduler

    async def _require_organiser(self, guild_id: int, member: Member) -> None:
        require_may_manage_daily(await self._storage.settings.guild_settings(guild_id), member)

    async def _schedule_here(self, guild_id: int, channel_id: int, hint: str) -> DailyConfig:
        config = await self._storage.daily.schedule_for_channel(channel_id)
        if config is None or config.guild_id != guild_id:
            raise NotFoundError(f"There is no daily schedule in <#{channel_id}>. {hint}")
        return config

    async def set(
        self,
        member: Member,
        guild_id: int,
        channel_id: int,
        *,
        time_text: str,
        timezone_text: str,
        quizzes_text: str,
        order_text: str,
        reveal_hours: int | None,
        weekdays_text: str | None,
    ) -> ScheduleStatus:
        """Create, change or resume the channel's schedule (the texts as the member typed them)."""
        await self._require_organiser(guild_id, member)
        try:
            request = parse_request(
                guild_id=guild_id,
                channel_id=channel_id,
                time_text=time_text,
                timezone_text=timezone_text,
                quizzes_text=quizzes_text,
                order_text=order_text,
                reveal_hours=reveal_hours,
                weekdays_text=weekdays_text,
                catalog=self._catalog(guild_id),
            )
        except ValueError as error:
            raise InvalidOptionError(str(error)) from None
        config = await save(self._storage, request, created_by=member.user_id, now=self._clock.now())
        self._scheduler.rearm()
        log.info("daily set: guild %d channel %d by %d", guild_id, channel_id, member.user_id)
        return await self.status(config)

    async def turn_off(self, member: Member, guild_id: int, channel_id: int) -> DailyConfig:
        await self._require_organiser(guild_id, member)
        await self._schedule_here(guild_id, channel_id, "/daily status lists this server's schedules.")
        config = await turn_off(self._storage, channel_id)
        assert config is not None  # the schedule was just found, and schedules are never deleted
        self._scheduler.rearm()
        log.info("daily off: guild %d channel %d by %d", guild_id, channel_id, member.user_id)
        return config

    async def statuses(self, member: Member, guild_id: int) -> list[ScheduleStatus]:
        await self._require_organiser(guild_id, member)
        configs = await self._storage.daily.guild_schedules(guild_id)
        if not configs:
            raise NotFoundError("No daily questions here yet. Create one with /daily set.")
        return [await self.status(config) for config in configs]

    async def status(self, config: DailyConfig) -> ScheduleStatus:
        return await schedule_status(self._storage, self._catalog(config.guild_id), config, self._clock.now())

    async def post_now(self, member: Member, guild_id: int, channel_id: int) -> DailyPost:
        await self._require_organiser(guild_id, member)
        await self._schedule_here(guild_id, channel_id, "Create one with /daily set first.")
        return await self._scheduler.post_now(channel_id)

    async def streaks(self, guild_id: int, user_id: int, viewer_id: int) -> list[tuple[DailyConfig, Streak]]:
        """A member's streaks; a hidden member's only for themselves (PrivateMemberError for anybody else)."""
        hidden = await self._storage.privacy.is_hidden(guild_id, user_id)
        require_may_see_results(user_id, viewer_id, hidden=hidden)
        return await member_streaks(self._storage, guild_id, user_id)
