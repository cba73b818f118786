"""The daily-question service: sleeps until the next post or reveal, then does exactly that once.

Exactly once comes from the database (a slot row is claimed by one INSERT, a reveal by one
conditional UPDATE); the message nonce is a second guard when a claimed post is re-sent after a
crash or after an error on the way back. The service never polls: it sleeps on the injected clock
until the earliest due instant and is woken early by `rearm()` whenever a schedule changes.

What Discord refuses (4xx) is never sent again as is: a reveal goes out once more without its reply
link, then is given up; a refused question is skipped. What fails on the way (5xx, network) is sent
again, the same request with the same nonce, after a growing back-off (bot/domain/delivery.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.daily.presenter import NONCE_MAX, ChannelUnavailableError, DailyPresenter, QuestionPost, RevealPost
from bot.daily.questions import find_question, one_question_quiz, question_keys
from bot.domain.clock import Clock
from bot.domain.daily import DailyConfig, DailyPost, PostStatus, Slot
from bot.domain.delivery import Backoff, RefusedError, TransientError
from bot.domain.errors import QuizbotError
from bot.domain.question_order import pick_next
from bot.domain.runs import RunStatus, ScoringMode
from bot.domain.schedule import due_posts, next_post, occurrence_on, reveal_at
from bot.quizfiles import QuizCatalog
from bot.storage import Storage

log = logging.getLogger(__name__)

# After an unexpected failure (a bug, a locked database) a claimed post or a reveal is retried this
# much later, as long as its answer window is still open; it is also the longest wait between the
# retries of a post that fails on the way.
RETRY_DELAY = timedelta(minutes=2)
# A post or reveal that fails on the way (5xx, network) is sent again after 10, 20, 40, 80 s (inside
# the few minutes Discord remembers a nonce, so those retries can never post a second copy), then
# every RETRY_DELAY while it is due.
RETRY = Backoff(first_seconds=10, tries=5)
MISSED_NOTE = "missed while the bot was offline"
UNDELIVERED_NOTE = "not delivered before its reveal time"


class NowRefusedError(QuizbotError):
    """`/daily now` cannot post; the message says why and what to do."""


@dataclass(frozen=True)
class _Due:
    """One unit of work found by a pass: which slot, when it is posted and revealed."""

    config: DailyConfig
    slot: Slot
    post_at: datetime
    reveal_at: datetime


def nonce_for(schedule_id: int, slot: Slot, kind: str) -> str:
    """A per-message id (≤ 25 chars) so a re-sent post or reveal is deduplicated by Discord."""
    nonce = f"{kind}{schedule_id}-{slot.local_date:%Y%m%d}-{slot.extra}"
    return nonce[:NONCE_MAX]


def configured_floor(config: DailyConfig) -> date:
    """The latest local date whose post time is not after the last `/daily set`.

    Days up to it are neither posted nor reported as skipped: a new or changed schedule starts
    with its next post, it does not catch up on the day it was set.
    """
    schedule = config.schedule
    local = config.created_at.astimezone(schedule.zone).date()
    try:
        if occurrence_on(schedule, local) <= config.created_at:
            return local
    except ValueError:
        return local  # that local day does not exist in the zone, so nothing was due on it
    return local - timedelta(days=1)


class DailyScheduler:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        presenter: DailyPresenter,
        catalog: Callable[[int], QuizCatalog],
        *,
        ready: Callable[[], Awaitable[object]] | None = None,
        owns: Callable[[int], bool] | None = None,
    ) -> None:
        self._storage = storage
        # Whether this process drives a server's schedules (its gateway shard is ours); unsharded: every server.
        self._owns = owns or (lambda guild_id: True)
        self._clock = clock
        self._presenter = presenter
        self._catalog = catalog
        self._ready = ready
        self._changed = asyncio.Event()
        self._idle = asyncio.Event()  # set while asleep with nothing left to do
        self._task: asyncio.Task[None] | None = None
        # Claimed posts this instance failed to send, and when to try again.
        self._retry_at: dict[tuple[int, Slot], datetime] = {}
        # Reveals this instance failed to send (Discord 5xx, network), and when to try again.
        self._reveal_retry_at: dict[tuple[int, Slot], datetime] = {}
        # How often in a row a post or a reveal failed on the way (for the back-off).
        self._failures: dict[tuple[str, int, Slot], int] = {}
        self.next_wakeup: datetime | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="daily-scheduler")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def rearm(self) -> None:
        """A schedule changed: recompute the next wake-up now instead of at the old one."""
        self._idle.clear()
        self._changed.set()

    async def wait_idle(self) -> None:
        """Return once the service has done everything due and sleeps (tests and orderly hand-over)."""
        task = self._task
        if task is None:
            raise RuntimeError("the daily scheduler is not running; call start() first")
        idle = asyncio.ensure_future(self._idle.wait())
        try:
            await asyncio.wait({idle, task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            idle.cancel()
        if task.done():
            task.result()  # re-raises why the service stopped

    async def _run(self) -> None:
        if self._ready is not None:
            await self._ready()
        await self.recover()
        while True:
            self._changed.clear()
            try:
                wake = await self.process_due()
            except Exception:
                # A broken pass (e.g. the database briefly locked) must not end the service.
                log.exception("daily scheduler pass failed; trying again in %s", RETRY_DELAY)
                wake = self._clock.now() + RETRY_DELAY
            self.next_wakeup = wake
            await self._sleep(wake)

    async def _sleep(self, until: datetime | None) -> None:
        changed = asyncio.create_task(self._changed.wait())
        waiters: set[asyncio.Task[object]] = {changed}
        if until is not None:
            waiters.add(asyncio.create_task(self._clock.sleep_until(until)))
        # Idle only if this sleep really waits; a deadline already passed means another pass follows.
        if not self._changed.is_set() and (until is None or until > self._clock.now()):
            self._idle.set()
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._idle.clear()
            for waiter in waiters:
                waiter.cancel()

    async def recover(self) -> None:
        """At start-up: re-send posts a crash left claimed but unsent (their window permitting)."""
        now = self._clock.now()
        for run_id in await self._storage.daily.stop_orphan_runs(now):
            log.info("daily run %d stopped: no post points to it (left by an earlier crash)", run_id)
        for post in await self._owned_posts():
            if post.status is PostStatus.CLAIMED and post.reveal_at > now:
                self._retry_at[(post.schedule_id, post.slot)] = now

    # -- one pass -------------------------------------------------------------------------------

    async def process_due(self) -> datetime | None:
        """Reveal, re-send and post whatever is due now; return when the next thing is due."""
        now = self._clock.now()
        for post in await self._owned_posts():
            await self._isolated(self._settle_post(post, now), f"post {post.schedule_id}/{post.slot.key()}")
        for config in await self._owned_schedules():
            if not config.is_paused:
                await self._isolated(self._post_due(config, now), f"schedule {config.id}")
        return await self._next_wakeup(now)

    async def _owned_schedules(self) -> list[DailyConfig]:
        """The schedules of the servers this process owns (another process drives the rest)."""
        return [config for config in await self._storage.daily.all_schedules() if self._owns(config.guild_id)]

    async def _owned_posts(self) -> list[DailyPost]:
        """Unfinished posts (open answer windows) of the servers this process owns."""
        posts = await self._storage.daily.unfinished_posts()
        if not posts:
            return posts
        # A post's schedule always exists (deleting a schedule deletes its posts), and names the server.
        guild_of = {config.id: config.guild_id for config in await self._storage.daily.all_schedules()}
        return [post for post in posts if post.schedule_id in guild_of and self._owns(guild_of[post.schedule_id])]

    async def _isolated(self, work: Awaitable[None], what: str) -> None:
        # One guild's broken schedule or channel must never stop the others.
        try:
            await work
        except Exception:
            log.exception("daily %s failed; other schedules continue", what)

    async def _settle_post(self, post: DailyPost, now: datetime) -> None:
        if post.reveal_at <= now:
            retry = self._reveal_retry_at.get((post.schedule_id, post.slot))
            if retry is None or retry <= now:
                await self._reveal(post, now)
            return
        retry = self._retry_at.get((post.schedule_id, post.slot))
        if post.status is PostStatus.CLAIMED and retry is not None and retry <= now:
            config = await self._storage.daily.get_schedule(post.schedule_id)
            if config is not None:
                await self._deliver(config, post, now)

    async def _post_due(self, config: DailyConfig, now: datetime) -> None:
        last = await self._storage.daily.last_scheduled_date(config.id)
        floor = configured_floor(config)
        plan = due_posts(config.schedule, now, floor if last is None else max(last, floor))
        for local_date in plan.skipped:
            slot = Slot(local_date)
            recorded = await self._storage.daily.record_skip(
                config.id,
                slot,
                post_at=occurrence_on(config.schedule, local_date),
                reveal_at=reveal_at(config.schedule, local_date),
                note=MISSED_NOTE,
            )
            if recorded:
                log.info(
                    "daily skip: guild %d channel %d %s (%s)",
                    config.guild_id,
                    config.channel_id,
                    slot.key(),
                    MISSED_NOTE,
                )
        if plan.post_now is not None:
            slot = Slot(plan.post_now)
            await self._publish(
                _Due(
                    config,
                    slot,
                    occurrence_on(config.schedule, plan.post_now),
                    reveal_at(config.schedule, plan.post_now),
                ),
                now,
            )

    async def _next_wakeup(self, now: datetime) -> datetime | None:
        candidates: list[datetime] = []
        for config in await self._owned_schedules():
            if not config.is_paused:
                candidates.append(next_post(config.schedule, now)[1])
        for post in await self._owned_posts():
            reveal_retry = self._reveal_retry_at.get((post.schedule_id, post.slot))
            candidates.append(post.reveal_at if reveal_retry is None else max(post.reveal_at, reveal_retry))
            retry = self._retry_at.get((post.schedule_id, post.slot))
            if post.status is PostStatus.CLAIMED and retry is not None:
                candidates.append(retry)
        return min(candidates, default=None)

    def _back_off(self, kind: str, post: DailyPost, now: datetime) -> tuple[datetime, int]:
        """When to send a post or reveal that failed on the way again, and how many tries failed so far."""
        key = (kind, post.schedule_id, post.slot)
        failures = self._failures[key] = self._failures.get(key, 0) + 1
        return now + min(RETRY.delay(failures), RETRY_DELAY), failures

    # -- posting --------------------------------------------------------------------------------

    async def _publish(self, due: _Due, now: datetime) -> DailyPost | None:
        """Claim the slot and post; None if another caller had claimed it (or nothing can be asked)."""
        config = due.config
        key = await self._next_question_key(config)
        if key is None:
            return None
        claimed = await self._storage.daily.claim(
            config.id, due.slot, key, post_at=due.post_at, reveal_at=due.reveal_at
        )
        if not claimed:
            return None
        post = await self._storage.daily.get_post(config.id, due.slot)
        assert post is not None
        await self._deliver(config, post, now)
        # Posted, skipped (channel unusable) or still claimed (a retry is scheduled).
        return await self._storage.daily.get_post(config.id, due.slot)

    async def _next_question_key(self, config: DailyConfig) -> str | None:
        keys = question_keys(config, self._catalog(config.guild_id))
        if not keys:
            wanted = "any quiz" if config.quiz_ids is None else ", ".join(config.quiz_ids)
            await self._pause(
                config,
                f"no questions to post: {wanted} is not in the quiz folder any more. "
                "Add the quiz back, or run /daily set with other quizzes.",
            )
            return None
        used = await self._storage.daily.used_keys(config.id)
        return pick_next(keys, used, config.order, config.seed)

    async def _deliver(self, config: DailyConfig, post: DailyPost, now: datetime) -> None:
        """Create the run (once) and send the message; the slot is already ours."""
        self._retry_at.pop((config.id, post.slot), None)
        found = find_question(self._catalog(config.guild_id), post.question_key)
        if found is None:
            await self._give_up(post, f"question {post.question_key} is no longer in the quiz folder")
            return
        quiz, question = found
        run_id = post.run_id
        if run_id is None:
            run_id = await self._storage.daily.start_post_run(
                config.id,
                post.slot,
                guild_id=config.guild_id,
                channel_id=config.channel_id,
                quiz=one_question_quiz(quiz, question),
                started_by=config.created_by,
                now=now,
                deadline=post.reveal_at,
                scoring_mode=ScoringMode.ACCURACY,
            )
            if run_id is None:
                return  # the slot's row is gone (its schedule was deleted meanwhile)
        number = len(await self._storage.daily.used_keys(config.id))
        request = QuestionPost(
            guild_id=config.guild_id,
            channel_id=config.channel_id,
            run_id=run_id,
            quiz_title=quiz.title,
            question=question,
            number=number,
            local_date=post.slot.local_date,
            reveal_at=post.reveal_at,
            nonce=nonce_for(config.id, post.slot, "q"),
        )
        try:
            message_id = await self._presenter.post_question(request)
        except ChannelUnavailableError as error:
            await self._pause(config, str(error))
            await self._give_up(post, f"channel unavailable: {error}", run_id=run_id)
            return
        except RefusedError as error:
            # Sending it again unchanged would be refused again; tomorrow's question is another one.
            await self._give_up(post, f"Discord refused the post: {error}", run_id=run_id, level=logging.WARNING)
            return
        except TransientError as error:
            retry, failures = self._back_off("post", post, now)
            if retry < post.reveal_at:
                self._retry_at[(config.id, post.slot)] = retry
            log.warning(
                "daily post for schedule %d %s failed (try %d): %s; the same post again at %s",
                config.id,
                post.slot.key(),
                failures,
                error,
                retry.isoformat() if retry < post.reveal_at else "never (its window closes first)",
            )
            return
        except Exception:
            retry = now + RETRY_DELAY
            if retry < post.reveal_at:
                self._retry_at[(config.id, post.slot)] = retry
            log.exception("daily post for schedule %d %s failed; retry at %s", config.id, post.slot.key(), retry)
            return
        self._failures.pop(("post", config.id, post.slot), None)
        await self._storage.runs.set_question_message(run_id, 0, message_id)
        await self._storage.daily.move(
            config.id, post.slot, from_status=PostStatus.CLAIMED, to_status=PostStatus.POSTED
        )
        log.info(
            "daily post: guild %d channel %d %s question %s run %d, reveal at %s",
            config.guild_id,
            config.channel_id,
            post.slot.key(),
            post.question_key,
            run_id,
            post.reveal_at.isoformat(),
        )

    async def _give_up(
        self, post: DailyPost, note: str, *, run_id: int | None = None, level: int = logging.INFO
    ) -> None:
        """Mark a claimed slot as never posted (it no longer counts for streaks) and end its run."""
        moved = await self._storage.daily.move(
            post.schedule_id, post.slot, from_status=PostStatus.CLAIMED, to_status=PostStatus.SKIPPED, note=note
        )
        run_id = run_id if run_id is not None else post.run_id
        if run_id is not None:
            await self._storage.runs.finish_run(run_id, status=RunStatus.STOPPED, now=self._clock.now())
        if moved:
            log.log(level, "daily skip: schedule %d %s (%s)", post.schedule_id, post.slot.key(), note)

    async def _pause(self, config: DailyConfig, reason: str) -> None:
        if await self._storage.daily.pause(config.id, reason):
            log.info("daily pause: guild %d channel %d: %s", config.guild_id, config.channel_id, reason)

    # -- revealing ------------------------------------------------------------------------------

    async def _reveal(self, post: DailyPost, now: datetime) -> None:
        """Close the post, send its reveal, and only then record it as revealed.

        Sending first means a crash in between re-sends the reveal on restart instead of losing it;
        the reveal's nonce lets Discord return the first message if it did arrive (within minutes).
        The conditional move keeps the database state exactly once when two instances race.
        """
        if post.status is PostStatus.CLAIMED:
            await self._give_up(post, UNDELIVERED_NOTE)
            return
        run_id = post.run_id
        assert run_id is not None, "a posted daily post always has its run"
        key = (post.schedule_id, post.slot)
        # Close first: once this commits no answer is accepted, so the reveal's numbers are final.
        await self._storage.runs.close_question(run_id, 0, now=now)
        await self._storage.runs.finish_run(run_id, status=RunStatus.FINISHED, now=now)
        config = await self._storage.daily.get_schedule(post.schedule_id)
        reveal = await self._reveal_post(post, run_id, config)
        sent = False
        if config is not None and reveal is not None:
            try:
                sent = await self._send_reveal(post, reveal)
            except ChannelUnavailableError as error:
                # Nowhere to show it until an admin fixes the channel: pause, and stop retrying this one.
                await self._pause(config, str(error))
                log.info("daily reveal not delivered: schedule %d %s: %s", post.schedule_id, post.slot.key(), error)
            except TransientError as error:
                retry, failures = self._back_off("reveal", post, now)
                self._reveal_retry_at[key] = retry
                log.warning(
                    "daily reveal for schedule %d %s failed (try %d): %s; the same reveal again at %s",
                    post.schedule_id,
                    post.slot.key(),
                    failures,
                    error,
                    retry.isoformat(),
                )
                return
            except Exception:
                retry = now + RETRY_DELAY
                self._reveal_retry_at[key] = retry
                log.exception(
                    "daily reveal for schedule %d %s failed; retry at %s", post.schedule_id, post.slot.key(), retry
                )
                return
        self._reveal_retry_at.pop(key, None)
        self._failures.pop(("reveal", post.schedule_id, post.slot), None)
        won = await self._storage.daily.move(
            post.schedule_id, post.slot, from_status=PostStatus.POSTED, to_status=PostStatus.REVEALED
        )
        if not won:
            return  # another instance revealed it (the same nonce made Discord keep one message)
        await self._storage.runs.mark_revealed(run_id, 0)
        if sent and config is not None and reveal is not None:
            log.info(
                "daily reveal: guild %d channel %d %s run %d: %d of %d right",
                config.guild_id,
                config.channel_id,
                post.slot.key(),
                run_id,
                reveal.right,
                reveal.answered,
            )

    async def _send_reveal(self, post: DailyPost, reveal: RevealPost) -> bool:
        """Send the reveal; True if Discord took it. Refused with its reply link, it goes once more without.

        The reply needs Read Message History and a question message Discord still knows; the reveal's
        text is what matters. The same nonce covers both versions. Refused again, it is given up (one log
        line; sending it unchanged would be refused again) and the post still counts as revealed.
        """
        try:
            await self._presenter.post_reveal(reveal)
            return True
        except (RefusedError, ChannelUnavailableError) as error:
            if reveal.question_message_id is None:
                if isinstance(error, ChannelUnavailableError):
                    raise
                log.warning("daily reveal for schedule %d %s refused, left out: %s", *self._ids(post), error)
                return False
            log.warning(
                "daily reveal for schedule %d %s refused as a reply: %s; sending it alone", *self._ids(post), error
            )
        alone = dataclasses.replace(reveal, question_message_id=None)
        try:
            await self._presenter.post_reveal(alone)
            return True
        except RefusedError as error:
            log.warning("daily reveal for schedule %d %s refused, left out: %s", *self._ids(post), error)
            return False

    @staticmethod
    def _ids(post: DailyPost) -> tuple[int, str]:
        return post.schedule_id, post.slot.key()

    async def _reveal_post(self, post: DailyPost, run_id: int, config: DailyConfig | None) -> RevealPost | None:
        """What the reveal says, from the closed run; None if the schedule or run is gone."""
        quiz = await self._storage.runs.run_quiz(run_id)
        run_question = await self._storage.runs.get_question(run_id, 0)
        if config is None or quiz is None or run_question is None:
            return None
        question = quiz.questions[0]
        answers = await self._storage.runs.answers(run_id)
        counts = await self._storage.runs.choice_counts(run_id, 0, len(question.choices))
        hidden = await self._storage.privacy.hidden_members(config.guild_id)  # named nowhere public (/privacy)
        return RevealPost(
            guild_id=config.guild_id,
            channel_id=config.channel_id,
            question_message_id=run_question.message_id,
            question=question,
            counts=tuple(counts),
            right_names=tuple(a.user_name for a in answers if a.correct and a.user_id not in hidden),
            nonce=nonce_for(config.id, post.slot, "r"),
        )

    # -- /daily now -----------------------------------------------------------------------------

    async def post_now(self, channel_id: int) -> DailyPost:
        """Post the schedule's next question at once (admins trying it out).

        It takes today's scheduled slot if that is free and its answer window is still open (the
        scheduled post of today is then this one); otherwise an extra slot "<today>+n" that never
        blocks a scheduled post and does not count for streaks. Raises NowRefusedError.
        """
        config = await self._storage.daily.schedule_for_channel(channel_id)
        if config is None:
            raise NowRefusedError("There is no daily schedule in that channel. Create one with /daily set first.")
        if config.is_paused:
            raise NowRefusedError(
                f"The schedule in that channel is paused: {config.paused_reason} "
                "Run /daily set for that channel again to resume it."
            )
        now = self._clock.now()
        schedule = config.schedule
        today = now.astimezone(schedule.zone).date()
        candidates: list[_Due] = []
        if schedule.posts_on(today):
            with contextlib.suppress(ValueError):
                window_end = reveal_at(schedule, today)
                if now < window_end and await self._storage.daily.get_post(config.id, Slot(today)) is None:
                    candidates.append(_Due(config, Slot(today), now, window_end))
        for _ in range(3):  # a concurrent /daily now may take the extra number we chose; pick again
            extra = Slot(today, await self._storage.daily.next_extra(config.id, today))
            if schedule.reveal_hours is not None:
                ends = now + timedelta(hours=schedule.reveal_hours)
            else:
                ends = next_post(schedule, now)[1]
            for due in [*candidates, _Due(config, extra, now, ends)]:
                post = await self._publish(due, now)
                if post is not None:
                    self.rearm()
                    return self._now_outcome(post)
                current = await self._storage.daily.get_schedule(config.id)
                if current is None or current.is_paused:
                    reason = "it was deleted" if current is None else current.paused_reason
                    raise NowRefusedError(f"Could not post: {reason}")
            candidates = []
        raise NowRefusedError("Could not claim a slot for the post; try again in a moment.")

    @staticmethod
    def _now_outcome(post: DailyPost) -> DailyPost:
        if post.status is PostStatus.SKIPPED:
            raise NowRefusedError(
                f"Could not post: {post.note}. The schedule is paused until you run /daily set again."
            )
        if post.status is PostStatus.CLAIMED:
            raise NowRefusedError(
                "Discord did not take the post just now; the bot sends it again by itself in a moment."
            )
        return post
