"""All live runs of the process: one task per active run, started on /quiz and resumed from SQLite.

Every method a member triggers (start, stop, Start now, Next, My answers) takes the member and
checks the permission rules first; a refusal is a QuizbotError whose text is the reply.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic

from bot.domain.clock import Clock
from bot.domain.errors import NotFoundError, QuizbotError
from bot.domain.guild_settings import GuildSettings
from bot.domain.permissions import Member, require_may_control_run, require_may_run_quizzes
from bot.domain.quiz import Quiz, shuffle_for_run
from bot.domain.runs import Run, RunKind, RunStatus, StoredAnswer
from bot.live.answers import NO_LONGER_ACTIVE
from bot.live.runner import LiveRun, PartT, Presenter
from bot.quizfiles import QuizCatalog
from bot.storage import ChannelBusyError, Storage, WindowBusyError

log = logging.getLogger(__name__)


class RunRefusedError(QuizbotError):
    """A run cannot start (the bot is restarting, or the channel has one); the message says what to do."""


def message_link(run: Run) -> str:
    target = run.intro_message_id or ""
    return f"https://discord.com/channels/{run.guild_id}/{run.channel_id}/{target}".rstrip("/")


class LiveQuizManager(Generic[PartT]):
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        presenter: Presenter[PartT],
        catalog: Callable[[int], QuizCatalog],
        *,
        rng: random.Random | None = None,
        owns: Callable[[int], bool] | None = None,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._presenter = presenter
        # The quizzes each server can play (shared ones and its own), looked up when needed.
        self._catalog = catalog
        # Deals shuffled choices (quiz files with shuffle_choices); tests may pass a seeded one.
        self._rng = rng or random.Random()
        # Whether this process drives a server's runs (its gateway shard is ours); unsharded: every server.
        self._owns = owns or (lambda guild_id: True)
        self._runs: dict[int, LiveRun[PartT]] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # False once shutdown began: runs already going finish their writes, new ones are refused.
        self.accepting = True

    def find_quiz(self, guild_id: int, name: str) -> Quiz:
        """The quiz called `name` that this server can play; NotFoundError suggests the closest ids."""
        catalog = self._catalog(guild_id)
        quiz = catalog.get(name.strip().lower())
        if quiz is not None:
            return quiz
        shown = re.sub(r"[^\w .-]", "", name.strip())[:40]  # shown back literally, no markdown
        closest = catalog.closest(name)
        hint = f"Did you mean {', '.join(f'`{c}`' for c in closest)}?" if closest else "Use /quizzes to list them."
        raise NotFoundError(f"There is no quiz called “{shown}”. {hint}")

    async def start(
        self, *, guild_id: int, channel_id: int, quiz: Quiz, member: Member, seconds: int | None = None
    ) -> Run:
        """Create the run and drive it in the background; a refusal says why."""
        if not self.accepting:
            raise RunRefusedError("The bot is restarting; start the quiz again in a minute.")
        settings = await self._storage.settings.guild_settings(guild_id)
        require_may_run_quizzes(settings, member)
        now = self._clock.now()
        try:
            run = await self._create(guild_id, channel_id, quiz, member.user_id, now, seconds, settings)
        except ChannelBusyError as busy:
            raise RunRefusedError(
                f"A quiz is already running here: {message_link(busy.run)} — wait for it to end or stop it with "
                "/quiz-stop."
            ) from None
        self._launch(run.id)
        return run

    async def _create(
        self,
        guild_id: int,
        channel_id: int,
        quiz: Quiz,
        started_by: int,
        now: datetime,
        seconds: int | None,
        settings: GuildSettings,
    ) -> Run:
        # The run stores the quiz as it will show it, so every later step (buttons, reveal, results,
        # My answers) reads the same letters; the orders let reports and rescore map back to the file.
        played, orders = shuffle_for_run(quiz, self._rng)
        run = await self._storage.runs.create_run(
            guild_id=guild_id,
            channel_id=channel_id,
            kind=RunKind.LIVE,
            quiz=played,
            choice_orders=orders,
            started_by=started_by,
            now=now,
            seconds_per_question=seconds or settings.default_seconds or quiz.seconds_per_question,
            scoring_mode=settings.scoring_mode,
            starts_at=now + timedelta(seconds=settings.lead_seconds),
        )
        log.info(
            "quiz started: run=%d quiz=%s guild=%d channel=%d by=%d questions=%d seconds=%d mode=%s",
            run.id,
            quiz.id,
            guild_id,
            channel_id,
            started_by,
            run.question_count,
            run.seconds_per_question,
            run.scoring_mode.value,
        )
        return run

    async def open_window(
        self, *, guild_id: int, channel_id: int, quiz: Quiz, member: Member, duration: timedelta
    ) -> Run:
        """Open `quiz` in this channel for `duration`: each member takes it privately until it closes."""
        if not self.accepting:
            raise RunRefusedError("The bot is restarting; open the quiz again in a minute.")
        require_may_run_quizzes(await self._storage.settings.guild_settings(guild_id), member)
        now = self._clock.now()
        played, orders = shuffle_for_run(quiz, self._rng)
        try:
            run = await self._storage.private.create(
                kind=RunKind.WINDOW,
                guild_id=guild_id,
                channel_id=channel_id,
                quiz=played,
                choice_orders=orders,
                started_by=member.user_id,
                now=now,
                closes_at=now + duration,
            )
        except WindowBusyError as busy:
            closes = busy.run.closes_at or now
            raise RunRefusedError(
                f"A quiz is already open here until <t:{int(closes.timestamp())}:f>: {message_link(busy.run)} — "
                "wait for it to close or close it with /quiz-stop."
            ) from None
        log.info(
            "window opened: run=%d quiz=%s guild=%d channel=%d by=%d questions=%d closes=%s",
            run.id,
            quiz.id,
            guild_id,
            channel_id,
            member.user_id,
            run.question_count,
            run.closes_at,
        )
        self._launch(run.id)
        return run

    async def resume_all(self) -> int:
        """Pick up every unfinished live run and open window of the servers this process owns (after a restart).

        A run of a server on another process's shard is left to that process, so no run is driven twice.
        """
        unfinished = await self._storage.runs.live_runs_to_resume() + await self._storage.private.windows_to_resume()
        pending = [run for run in unfinished if self._owns(run.guild_id)]
        for run in pending:
            log.info("resuming quiz run %d (%s, question %d)", run.id, run.status.value, run.current_index + 1)
            self._launch(run.id)
        return len(pending)

    def _launch(self, run_id: int) -> None:
        task = self._tasks.get(run_id)
        if task is not None and not task.done():
            self._runs[run_id].wake()
            return
        live = LiveRun(run_id, self._storage, self._clock, self._presenter)
        self._runs[run_id] = live
        task = asyncio.create_task(live.run(), name=f"quiz-run-{run_id}")
        self._tasks[run_id] = task
        task.add_done_callback(lambda done: self._finished(run_id, done))

    def _finished(self, run_id: int, task: asyncio.Task[None]) -> None:
        if self._tasks.get(run_id) is task:
            del self._tasks[run_id]
            self._runs.pop(run_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("quiz run %d crashed", run_id, exc_info=task.exception())

    def wake(self, run_id: int) -> None:
        """Tell the run to re-read the database now, starting a task for it if it has none."""
        self._launch(run_id)

    async def _controlled_run(self, run_id: int, member: Member, what: str) -> Run:
        run = await self._storage.runs.get_run(run_id)
        if run is None:
            raise NotFoundError(NO_LONGER_ACTIVE)
        require_may_control_run(run, member, what)
        return run

    async def stop_in_channel(self, channel_id: int, member: Member) -> bool:
        """/quiz-stop: end this channel's run early; False if it had ended already."""
        # A live quiz first; otherwise the channel's open window (closed early, its results posted now).
        runs, private = self._storage.runs, self._storage.private
        run = await runs.active_live_run(channel_id) or await private.open_window(channel_id)
        if run is None:
            raise NotFoundError("No live quiz is running in this channel.")
        require_may_control_run(run, member, "stop it")
        return await self.stop(run.id)

    async def stop(self, run_id: int) -> bool:
        """End the run early (results so far are still published); False if it had ended already."""
        stopped = await self._storage.runs.finish_run(run_id, status=RunStatus.STOPPED, now=self._clock.now())
        if stopped:
            log.info("quiz stopped early: run=%d", run_id)
            self.wake(run_id)
        return stopped

    async def close_question(self, run_id: int, index: int, member: Member) -> bool:
        """Close the open question now ("Next"); False if it was not open."""
        await self._controlled_run(run_id, member, "do that")
        closed = await self._storage.runs.close_question(run_id, index, now=self._clock.now())
        if closed:
            self.wake(run_id)
        return closed

    async def start_now(self, run_id: int, member: Member) -> bool:
        """Skip the rest of the lead ("Start now"); False if the run is no longer in the lobby."""
        run = await self._controlled_run(run_id, member, "do that")
        if run.status is not RunStatus.LOBBY:
            return False
        await self._storage.runs.set_starts_at(run_id, self._clock.now())
        self.wake(run_id)
        return True

    async def answers_of(self, run_id: int, user_id: int) -> tuple[Quiz, list[StoredAnswer]]:
        """ "My answers": the quiz as it was played, and this member's answers to it."""
        quiz = await self._storage.runs.run_quiz(run_id)
        if quiz is None:
            raise NotFoundError(NO_LONGER_ACTIVE)
        # Filtered in SQL: after a big quiz many members click this, and each would load every answer.
        mine = await self._storage.runs.answers(run_id, user_id=user_id)
        if not mine:
            raise NotFoundError("You did not answer any question of this quiz.")
        return quiz, mine

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._runs.clear()
