"""The daily scheduler service against a real database, a fake clock and a fake Discord side."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

import bot.storage.daily
from bot.daily import ChannelUnavailableError, DailyScheduler, NowRefusedError, QuestionPost, RevealPost
from bot.domain.clock import FakeClock
from bot.domain.daily import DailyConfig, PostStatus, Slot
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import AnswerOutcome, QuestionState, RunKind, RunStatus, ScoringMode
from bot.domain.schedule import DailySchedule
from bot.domain.shards import ShardSet
from bot.quizfiles import QuizCatalog
from bot.storage import Storage, open_storage
from bot.storage.runs import insert_run
from bot.ui.daily_texts import reveal_body
from tests.helpers import active_run_ids

GUILD_A, GUILD_B = 1001, 2002
CHANNEL_A, CHANNEL_B = 11, 22
# A Monday; 09:00 in Berlin is 07:00 UTC in summer.
DAY1 = datetime(2026, 6, 1, tzinfo=UTC)
POST_UTC = time(7, 0)


def _quiz() -> Quiz:
    questions = tuple(
        Question(
            id=f"q{i}",
            prompt=f"Question {i}?",
            choices=("yes", "no", "maybe"),
            answer=i % 3,
            explanation=f"Because {i}.",
        )
        for i in range(1, 5)
    )
    return Quiz(id="basics", title="Basics", questions=questions)


CATALOG = QuizCatalog(folder=Path("."), by_id={"basics": _quiz()})


class FakeDiscord:
    """Records what would be sent; refuses channels marked unusable; deduplicates nonces like Discord."""

    def __init__(self) -> None:
        self.questions: list[QuestionPost] = []
        self.reveals: list[RevealPost] = []  # what members see: one per nonce
        self.reveal_sends: list[RevealPost] = []  # every send the bot made, repeats included
        self.crash_after_reveal = False
        self.failing_reveals = False
        self.unusable: dict[int, str] = {}
        self.failing: set[int] = set()
        self._nonces: dict[tuple[int, str], int] = {}
        self._next_id = 900

    async def post_question(self, post: QuestionPost) -> int:
        if post.channel_id in self.unusable:
            raise ChannelUnavailableError(self.unusable[post.channel_id])
        if post.channel_id in self.failing:
            raise RuntimeError("503 Service Unavailable")
        existing = self._nonces.get((post.channel_id, post.nonce))
        if existing is not None:
            return existing
        self._next_id += 1
        self._nonces[(post.channel_id, post.nonce)] = self._next_id
        self.questions.append(post)
        return self._next_id

    async def post_reveal(self, reveal: RevealPost) -> None:
        if reveal.channel_id in self.unusable:
            raise ChannelUnavailableError(self.unusable[reveal.channel_id])
        if self.failing_reveals:
            raise RuntimeError("503 Service Unavailable")
        self.reveal_sends.append(reveal)
        if (reveal.channel_id, reveal.nonce) not in self._nonces:
            self._next_id += 1
            self._nonces[(reveal.channel_id, reveal.nonce)] = self._next_id
            self.reveals.append(reveal)
        if self.crash_after_reveal:
            raise ProcessCrash("killed right after Discord took the reveal")


class ProcessCrash(BaseException):
    """The bot process dies here: nothing after this point runs (not even `except Exception`)."""


async def add_schedule(
    storage: Storage,
    *,
    guild_id: int = GUILD_A,
    channel_id: int = CHANNEL_A,
    at: time = time(9, 0),
    zone: str = "Europe/Berlin",
    reveal_hours: int | None = None,
    configured: datetime = DAY1 - timedelta(days=10),
) -> DailyConfig:
    schedule = DailySchedule(0, guild_id, channel_id, at, zone, reveal_hours=reveal_hours)
    return await storage.daily.save_schedule(
        guild_id=guild_id,
        channel_id=channel_id,
        schedule=schedule,
        quiz_ids=("basics",),
        order="sequential",
        seed=7,
        created_by=5,
        now=configured,
    )


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return DAY1 + timedelta(days=day - 1, hours=hour, minutes=minute)


class Harness:
    def __init__(
        self, storage: Storage, clock: FakeClock, discord: FakeDiscord, shards: ShardSet | None = None
    ) -> None:
        owns = None if shards is None else shards.contains
        self.scheduler = DailyScheduler(storage, clock, discord, lambda guild_id: CATALOG, owns=owns)

    async def __aenter__(self) -> DailyScheduler:
        self.scheduler.start()
        await self.scheduler.wait_idle()
        return self.scheduler

    async def __aexit__(self, *exc: object) -> None:
        await self.scheduler.stop()


def started(storage: Storage, clock: FakeClock, discord: FakeDiscord, shards: ShardSet | None = None) -> Harness:
    return Harness(storage, clock, discord, shards)


async def advance(clock: FakeClock, scheduler: DailyScheduler, when: datetime) -> None:
    await clock.advance_to(when)
    await scheduler.wait_idle()


async def test_restart_exactly_at_post_time_posts_once(storage: Storage) -> None:
    await add_schedule(storage)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord) as scheduler:
        assert [p.local_date.isoformat() for p in discord.questions] == ["2026-06-01"]
        # The service sleeps until the reveal (= the next post), it does not poll.
        assert clock.next_wakeup == at(2, 7)
        assert clock.sleepers == 1
        await advance(clock, scheduler, at(1, 7, 30))
    async with started(storage, clock, discord):
        pass  # a second restart inside the same window posts nothing more
    assert len(discord.questions) == 1
    post = await storage.daily.get_post(1, Slot(DAY1.date()))
    assert post is not None and post.status is PostStatus.POSTED and post.run_id is not None
    question = await storage.runs.get_question(post.run_id, 0)
    assert question is not None and question.state is QuestionState.OPEN and question.deadline == at(2, 7)


async def test_downtime_across_one_post_time_posts_the_missed_day_in_its_window(storage: Storage) -> None:
    await add_schedule(storage)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord):
        pass
    await clock.set(at(2, 8))  # down from day 1 to an hour after day 2's post
    async with started(storage, clock, discord):
        pass
    assert [p.local_date.day for p in discord.questions] == [1, 2]
    assert [r.question.id for r in discord.reveals] == ["q1"]  # day 1 revealed on start-up
    assert discord.questions[1].question.id == "q2"


async def test_downtime_across_three_post_times_skips_closed_days_without_a_flood(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await add_schedule(storage, reveal_hours=4)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord):
        pass
    await clock.set(at(4, 8))  # days 2 and 3 passed unseen; day 4 is an hour into its 4-hour window
    caplog.set_level(logging.INFO, logger="bot.daily.scheduler")
    async with started(storage, clock, discord):
        pass
    assert [p.local_date.day for p in discord.questions] == [1, 4]
    assert len(discord.reveals) == 1
    posts = {p.slot.local_date.day: p for p in await storage.daily.posts(1)}
    assert posts[2].status is PostStatus.SKIPPED and posts[3].status is PostStatus.SKIPPED
    assert sum("daily skip" in r.getMessage() for r in caplog.records) == 2
    caplog.clear()
    async with started(storage, clock, discord):
        pass  # skips are stored: a further restart logs nothing new
    assert not [r for r in caplog.records if "daily skip" in r.getMessage()]
    assert len(discord.questions) == 2


async def test_restart_after_the_window_closed_posts_nothing_and_reveals_the_overdue_post(storage: Storage) -> None:
    await add_schedule(storage, reveal_hours=2)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord):
        pass
    await clock.set(at(2, 12))
    async with started(storage, clock, discord) as scheduler:
        assert [p.local_date.day for p in discord.questions] == [1]
        assert len(discord.reveals) == 1
        assert scheduler.next_wakeup == at(3, 7)


async def test_two_instances_racing_on_one_database_post_and_reveal_once(database_target: str | Path) -> None:
    first, second = await open_storage(database_target), await open_storage(database_target)
    try:
        await add_schedule(first, configured=at(1, 6))
        clock, discord = FakeClock(at(1, 6)), FakeDiscord()
        async with started(first, clock, discord) as one, started(second, clock, discord) as two:
            await clock.advance_to(at(1, 7))
            await one.wait_idle()
            await two.wait_idle()
            await clock.advance_to(at(2, 7))
            await one.wait_idle()
            await two.wait_idle()
        assert [p.local_date.day for p in discord.questions] == [1, 2]
        assert len(discord.reveals) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_crash_between_sending_the_reveal_and_recording_it_resends_it_once(storage: Storage) -> None:
    await add_schedule(storage, reveal_hours=3)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord):
        pass
    discord.crash_after_reveal = True
    crashed = DailyScheduler(storage, clock, discord, lambda guild_id: CATALOG)
    crashed.start()
    await clock.set(at(1, 10))
    with pytest.raises(ProcessCrash):
        await crashed.wait_idle()
    assert len(discord.reveal_sends) == 1
    post = await storage.daily.get_post(1, Slot(DAY1.date()))
    assert post is not None and post.status is PostStatus.POSTED, "nothing may record the reveal before it is sent"

    discord.crash_after_reveal = False
    async with started(storage, clock, discord):  # the restart a few minutes later
        pass
    assert [r.nonce for r in discord.reveal_sends] == ["r1-20260601-0"] * 2
    assert len(discord.reveals) == 1  # Discord kept one message for the nonce
    post = await storage.daily.get_post(1, Slot(DAY1.date()))
    assert post is not None and post.status is PostStatus.REVEALED and post.run_id is not None
    question = await storage.runs.get_question(post.run_id, 0)
    assert question is not None and question.revealed
    async with started(storage, clock, discord):
        pass  # revealed for good: a further restart sends nothing
    assert len(discord.reveal_sends) == 2


async def test_a_failed_reveal_is_retried_not_lost_and_not_hammered(storage: Storage) -> None:
    await add_schedule(storage, reveal_hours=3)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord) as scheduler:
        discord.failing_reveals = True
        await advance(clock, scheduler, at(1, 10))
        assert discord.reveals == [] and scheduler.next_wakeup == at(1, 10, 2)
        discord.failing_reveals = False
        await advance(clock, scheduler, at(1, 10, 2))
    assert len(discord.reveals) == 1
    post = await storage.daily.get_post(1, Slot(DAY1.date()))
    assert post is not None and post.status is PostStatus.REVEALED


async def test_a_crash_while_creating_the_posts_run_leaves_no_orphan_run(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_schedule(storage)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()

    async def insert_then_die(*args: object, **kwargs: object) -> int:
        await insert_run(*args, **kwargs)
        raise ProcessCrash("killed between creating the run and linking it to the post")

    monkeypatch.setattr(bot.storage.daily, "insert_run", insert_then_die)
    crashed = DailyScheduler(storage, clock, discord, lambda guild_id: CATALOG)
    crashed.start()
    with pytest.raises(ProcessCrash):
        await crashed.wait_idle()
    assert await active_run_ids(storage, RunKind.DAILY) == []  # the run's rows were rolled back
    claimed = await storage.daily.get_post(1, Slot(DAY1.date()))
    assert claimed is not None and claimed.status is PostStatus.CLAIMED and claimed.run_id is None

    monkeypatch.undo()
    async with started(storage, clock, discord):
        pass  # the restart re-sends the claimed post with a fresh run
    post = await storage.daily.get_post(1, Slot(DAY1.date()))
    assert post is not None and post.status is PostStatus.POSTED
    assert await active_run_ids(storage, RunKind.DAILY) == [post.run_id]
    assert len(discord.questions) == 1


async def test_start_up_stops_daily_runs_no_post_points_to(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    # What an older version left after a crash between creating a run and linking it.
    orphan = await storage.runs.create_run(
        guild_id=GUILD_A,
        channel_id=CHANNEL_A,
        kind=RunKind.DAILY,
        quiz=_quiz(),
        started_by=5,
        now=at(1, 7),
        seconds_per_question=60,
        scoring_mode=ScoringMode.ACCURACY,
    )
    await storage.runs.open_question(orphan.id, 0, now=at(1, 7), deadline=at(2, 7))
    caplog.set_level(logging.INFO, logger="bot.daily.scheduler")
    async with started(storage, FakeClock(at(1, 8)), FakeDiscord()):
        pass
    run = await storage.runs.get_run(orphan.id)
    question = await storage.runs.get_question(orphan.id, 0)
    assert run is not None and run.status is RunStatus.STOPPED
    assert question is not None and question.state is QuestionState.CLOSED
    assert any(f"daily run {orphan.id} stopped" in r.getMessage() for r in caplog.records)


async def test_lost_permission_pauses_that_schedule_and_other_guilds_continue(storage: Storage) -> None:
    await add_schedule(storage, configured=at(1, 6))
    await add_schedule(
        storage, guild_id=GUILD_B, channel_id=CHANNEL_B, at=time(9, 0), zone="America/New_York", configured=at(1, 6)
    )
    clock, discord = FakeClock(at(1, 6)), FakeDiscord()
    discord.unusable[CHANNEL_A] = "the bot may not send messages in that channel (Discord error 50013)"
    async with started(storage, clock, discord) as scheduler:
        await advance(clock, scheduler, at(1, 7))
        paused = await storage.daily.schedule_for_channel(CHANNEL_A)
        assert paused is not None and paused.paused_reason is not None and "50013" in paused.paused_reason
        await advance(clock, scheduler, at(1, 13))  # 09:00 in New York
        assert [p.channel_id for p in discord.questions] == [CHANNEL_B]
        # Paused schedules are not woken for: the next wake-up is New York's reveal.
        assert scheduler.next_wakeup == at(2, 13)
        del discord.unusable[CHANNEL_A]
        await add_schedule(storage, configured=at(1, 13))  # /daily set again resumes
        scheduler.rearm()
        await scheduler.wait_idle()
        await advance(clock, scheduler, at(2, 7))
    assert [p.channel_id for p in discord.questions] == [CHANNEL_B, CHANNEL_A]
    resumed = await storage.daily.schedule_for_channel(CHANNEL_A)
    assert resumed is not None and resumed.paused_reason is None


async def test_transient_failure_is_retried_inside_the_window(storage: Storage) -> None:
    await add_schedule(storage)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    discord.failing.add(CHANNEL_A)
    async with started(storage, clock, discord) as scheduler:
        assert discord.questions == []
        discord.failing.clear()
        await advance(clock, scheduler, at(1, 7, 5))
    assert [p.local_date.day for p in discord.questions] == [1]


async def test_schedule_change_rearms_the_sleeping_service(storage: Storage) -> None:
    clock, discord = FakeClock(at(1, 6)), FakeDiscord()
    async with started(storage, clock, discord) as scheduler:
        assert scheduler.next_wakeup is None and clock.sleepers == 0  # nothing to wait for
        await add_schedule(storage, at=time(8, 30), configured=at(1, 6))
        scheduler.rearm()
        await scheduler.wait_idle()
        assert clock.next_wakeup == at(1, 6, 30)
        await add_schedule(storage, at=time(8, 15), configured=at(1, 6))
        scheduler.rearm()
        await scheduler.wait_idle()
        assert clock.next_wakeup == at(1, 6, 15) and clock.sleepers == 1
        await advance(clock, scheduler, at(1, 6, 15))
    assert [p.question.id for p in discord.questions] == ["q1"]


async def test_a_new_schedule_does_not_catch_up_on_the_day_it_was_set(storage: Storage) -> None:
    await add_schedule(storage, configured=at(1, 10))
    clock, discord = FakeClock(at(1, 10)), FakeDiscord()
    async with started(storage, clock, discord) as scheduler:
        assert discord.questions == [] and scheduler.next_wakeup == at(2, 7)
    assert await storage.daily.posts(1) == []


async def test_reveal_closes_answers_first_and_reports_the_distribution(storage: Storage) -> None:
    await add_schedule(storage, reveal_hours=3)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord) as scheduler:
        run_id = discord.questions[0].run_id
        for user_id, name, choice in ((1, "alice", 1), (2, "bob", 1), (3, "@everyone", 0)):
            result = await storage.runs.record_answer(
                run_id=run_id, index=0, user_id=user_id, user_name=name, choice=choice, now=clock.now()
            )
            assert result.outcome is AnswerOutcome.RECORDED
        await advance(clock, scheduler, at(1, 10))
        late = await storage.runs.record_answer(
            run_id=run_id, index=0, user_id=4, user_name="dave", choice=1, now=clock.now()
        )
    assert late.outcome is AnswerOutcome.CLOSED
    (reveal,) = discord.reveals
    assert reveal.counts == (1, 2, 0) and reveal.right == 2 and reveal.right_names == ("alice", "bob")
    assert reveal.question_message_id is not None
    assert "2 of 3 got it right" in reveal_body(reveal) and "alice, bob" in reveal_body(reveal)
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.status is RunStatus.FINISHED


async def test_the_reveal_names_nobody_hidden_from_public_boards(storage: Storage) -> None:
    await add_schedule(storage, reveal_hours=3)
    await storage.privacy.set_hidden(GUILD_A, 2, True, now=at(1, 5))
    await storage.privacy.set_hidden(GUILD_B, 1, True, now=at(1, 5))  # another server's choice
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord) as scheduler:
        run_id = discord.questions[0].run_id
        for user_id, name in ((1, "alice"), (2, "bob"), (3, "cy")):
            await storage.runs.record_answer(
                run_id=run_id, index=0, user_id=user_id, user_name=name, choice=1, now=clock.now()
            )
        await advance(clock, scheduler, at(1, 10))
    (reveal,) = discord.reveals
    assert reveal.right == 3 and reveal.right_names == ("alice", "cy")
    assert "3 of 3 got it right" in reveal_body(reveal) and "bob" not in reveal_body(reveal)


async def test_post_now_takes_todays_free_slot_then_an_extra_one(storage: Storage) -> None:
    await add_schedule(storage, configured=at(1, 5))
    clock, discord = FakeClock(at(1, 5)), FakeDiscord()
    async with started(storage, clock, discord) as scheduler:
        first = await scheduler.post_now(CHANNEL_A)
        second = await scheduler.post_now(CHANNEL_A)
        await scheduler.wait_idle()
        await advance(clock, scheduler, at(1, 7))  # today's slot is taken: the 09:00 post does not happen
        with pytest.raises(NowRefusedError, match="no daily schedule"):
            await scheduler.post_now(CHANNEL_B)
    assert first.slot == Slot(DAY1.date()) and first.reveal_at == at(2, 7)
    assert second.slot == Slot(DAY1.date(), 1)
    assert [p.question.id for p in discord.questions] == ["q1", "q2"]


async def test_streak_history_counts_scheduled_days_only(storage: Storage) -> None:
    await add_schedule(storage, reveal_hours=1, configured=at(1, 5))
    clock, discord = FakeClock(at(1, 5)), FakeDiscord()

    async def answer(correct: Callable[[QuestionPost], bool]) -> None:
        post = discord.questions[-1]
        choice = post.question.answer if correct(post) else (post.question.answer + 1) % 3
        await storage.runs.record_answer(
            run_id=post.run_id, index=0, user_id=1, user_name="alice", choice=choice, now=clock.now()
        )

    async with started(storage, clock, discord) as scheduler:
        await scheduler.post_now(CHANNEL_A)  # today's slot
        await answer(lambda _: True)
        await scheduler.post_now(CHANNEL_A)  # extra: answered wrong, but it is not a scheduled day
        await answer(lambda _: False)
        await advance(clock, scheduler, at(2, 7))
        await answer(lambda _: True)
        await advance(clock, scheduler, at(2, 9))
    posted, correct, still_open = await storage.daily.member_history(1, 1)
    assert sorted(d.day for d in posted) == [1, 2] and {d.day for d in correct} == {1, 2} and not still_open


ON_SHARD_0, ON_SHARD_1 = 10 << 22, 11 << 22  # (guild_id >> 22) % 2 is 0 and 1


async def test_a_process_drives_only_the_schedules_and_open_windows_of_servers_on_its_shards(storage: Storage) -> None:
    on_zero = await add_schedule(storage, guild_id=ON_SHARD_0, channel_id=CHANNEL_A, configured=DAY1)
    on_one = await add_schedule(storage, guild_id=ON_SHARD_1, channel_id=CHANNEL_B, configured=DAY1)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()

    async with started(storage, clock, discord, ShardSet.parse("1", 2)) as scheduler:
        assert [q.channel_id for q in discord.questions] == [CHANNEL_B]
        assert await storage.daily.posts(on_zero.id) == []  # not even a skip: another process owns it
        assert scheduler.next_wakeup == at(2, 7)
    async with started(storage, clock, discord, ShardSet.parse("0", 2)):
        assert [q.channel_id for q in discord.questions] == [CHANNEL_B, CHANNEL_A]

    await clock.set(at(2, 7))  # both windows closed; only shard 1's process comes back
    async with started(storage, clock, discord, ShardSet.parse("1", 2)):
        pass
    assert [r.channel_id for r in discord.reveals] == [CHANNEL_B]
    assert [q.channel_id for q in discord.questions] == [CHANNEL_B, CHANNEL_A, CHANNEL_B]
    (zero_post,) = await storage.daily.posts(on_zero.id)
    assert zero_post.status is PostStatus.POSTED  # its open window is left to the process on shard 0
    assert [p.status for p in await storage.daily.posts(on_one.id)] == [PostStatus.REVEALED, PostStatus.POSTED]


async def test_a_process_holding_every_shard_drives_every_schedule(storage: Storage) -> None:
    await add_schedule(storage, guild_id=ON_SHARD_0, channel_id=CHANNEL_A)
    await add_schedule(storage, guild_id=ON_SHARD_1, channel_id=CHANNEL_B)
    clock, discord = FakeClock(at(1, 7)), FakeDiscord()
    async with started(storage, clock, discord, ShardSet.all_of(2)):
        pass
    assert sorted(q.channel_id for q in discord.questions) == [CHANNEL_A, CHANNEL_B]
