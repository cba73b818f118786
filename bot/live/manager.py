"""All live runs of the process: one task per active run, started on /quiz and resumed from SQLite."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.domain.clock import Clock
from bot.domain.quiz import Quiz
from bot.domain.runs import Run, RunKind, RunStatus
from bot.live.runner import LiveRun, Presenter
from bot.storage import Storage

log = logging.getLogger(__name__)


class LiveQuizManager:
    def __init__(self, storage: Storage, clock: Clock, presenter: Presenter) -> None:
        self._storage = storage
        self._clock = clock
        self._presenter = presenter
        self._runs: dict[int, LiveRun] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}

    async def start(
        self, *, guild_id: int, channel_id: int, quiz: Quiz, started_by: int, seconds: int | None = None
    ) -> Run:
        """Create the run (ChannelBusyError if this channel has one) and drive it in the background."""
        settings = await self._storage.settings.guild_settings(guild_id)
        now = self._clock.now()
        run = await self._storage.runs.create_run(
            guild_id=guild_id,
            channel_id=channel_id,
            kind=RunKind.LIVE,
            quiz=quiz,
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
        self._launch(run.id)
        return run

    async def resume_all(self) -> int:
        """Pick up every live run the database says is unfinished (after a restart or crash)."""
        pending = await self._storage.runs.live_runs_to_resume()
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

    async def stop(self, run_id: int) -> bool:
        """End the run early (results so far are still published); False if it had ended already."""
        stopped = await self._storage.runs.finish_run(run_id, status=RunStatus.STOPPED, now=self._clock.now())
        if stopped:
            log.info("quiz stopped early: run=%d", run_id)
            self.wake(run_id)
        return stopped

    async def close_question(self, run_id: int, index: int) -> bool:
        """Close the open question now ("Next"); False if it was not open."""
        closed = await self._storage.runs.close_question(run_id, index, now=self._clock.now())
        if closed:
            self.wake(run_id)
        return closed

    async def start_now(self, run_id: int) -> bool:
        """Skip the rest of the lead ("Start now"); False if the run is no longer in the lobby."""
        run = await self._storage.runs.get_run(run_id)
        if run is None or run.status is not RunStatus.LOBBY:
            return False
        await self._storage.runs.set_starts_at(run_id, self._clock.now())
        self.wake(run_id)
        return True

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._runs.clear()
