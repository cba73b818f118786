"""One live run, driven step by step from what SQLite says, so a restarted bot picks up where it stopped.

Every step reads the run from the database, does one thing and records it before the next step:
post the intro, open a question, post it, close it at its deadline, reveal it, pause, ... and at
the end post the results in parts. Posts carry a nonce derived from the run, so a post that reached
Discord just before a crash is returned again instead of duplicated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.errors import QuizbotError
from bot.domain.quiz import Quiz
from bot.domain.runs import QuestionState, Run, RunQuestion, RunStatus, StoredAnswer
from bot.domain.scoring import Standing, standings
from bot.storage import Storage

log = logging.getLogger(__name__)

# The "answered: N" counter is edited at most this often per question message; one live quiz per
# channel, so this also keeps the channel well under Discord's ~5 edits per 5 s.
COUNTER_INTERVAL_SECONDS = 4.0
RETRY_SECONDS = 2.0
MAX_FAILURES = 3


class MessageGoneError(QuizbotError):
    """The channel or a message the run needs was deleted."""


class MissingPermissionsError(QuizbotError):
    """The bot lacks channel permissions; `permissions` names them as Discord's UI does."""

    def __init__(self, permissions: Sequence[str]) -> None:
        self.permissions = tuple(permissions) or ("Send Messages", "Embed Links")
        super().__init__(", ".join(self.permissions))


class Presenter(Protocol):
    """What a run shows; the Discord implementation lives in cogs/, tests can provide their own."""

    async def post_intro(self, run: Run, quiz: Quiz, *, nonce: str) -> int: ...

    async def post_question(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int, *, nonce: str) -> int: ...

    async def refresh_counter(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int) -> None: ...

    async def reveal(self, run: Run, quiz: Quiz, question: RunQuestion, counts: list[int]) -> None: ...

    def results_parts(
        self, run: Run, quiz: Quiz, board: list[Standing], answers: list[StoredAnswer]
    ) -> Sequence[object]: ...

    async def post_results_part(self, run: Run, part: object, *, nonce: str) -> int: ...

    async def report_problem(self, run: Run, text: str) -> None: ...


def nonce_for(run_id: int, what: str) -> str:
    """A per-post nonce (Discord allows 25 characters) that repeats only for the same post of the same run."""
    return f"qz{run_id}{what}"[:25]


class LiveRun:
    def __init__(
        self,
        run_id: int,
        storage: Storage,
        clock: Clock,
        presenter: Presenter,
        *,
        counter_interval: float = COUNTER_INTERVAL_SECONDS,
    ) -> None:
        self.run_id = run_id
        self._storage = storage
        self._clock = clock
        self._presenter = presenter
        self._counter_interval = timedelta(seconds=counter_interval)
        self._wake = asyncio.Event()
        self._quiz: Quiz | None = None
        self._counted: dict[int, int] = {}
        self._counter_task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Re-read the database now (a button or command changed the run)."""
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        while True:
            run = await self._storage.runs.get_run(self.run_id)
            if run is None:
                return
            try:
                if not run.status.is_active:
                    await self._finale(run)
                    return
                await self._step(run)
                failures = 0
            except MissingPermissionsError as error:
                await self._lost_permissions(run, error)
            except MessageGoneError as error:
                log.warning("quiz run %d in channel %d: %s; ending the run", run.id, run.channel_id, error)
                await self._storage.runs.finish_run(run.id, status=RunStatus.STOPPED, now=self._clock.now())
            except asyncio.CancelledError:
                await self._stop_counter()
                raise
            except Exception:
                failures += 1
                log.exception("quiz run %d: step failed (%d/%d)", run.id, failures, MAX_FAILURES)
                if failures >= MAX_FAILURES:
                    await self._storage.runs.finish_run(run.id, status=RunStatus.STOPPED, now=self._clock.now())
                    await self._storage.runs.set_results_parts(run.id, run.results_parts, done=True)
                    return
                await self._clock.sleep_until(self._clock.now() + timedelta(seconds=RETRY_SECONDS))

    async def _quiz_of(self, run: Run) -> Quiz:
        if self._quiz is None:
            self._quiz = await self._storage.runs.run_quiz(run.id)
            if self._quiz is None:
                raise LookupError(f"run {run.id} has no quiz snapshot")
        return self._quiz

    async def _wait_until(self, when: datetime) -> None:
        """Sleep until `when` on the injected clock, or less if woken."""
        sleeper = asyncio.ensure_future(self._clock.sleep_until(when))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            self._wake.clear()

    async def _step(self, run: Run) -> None:
        quiz = await self._quiz_of(run)
        runs = self._storage.runs
        if run.status is RunStatus.LOBBY:
            await self._lobby(run, quiz)
            return
        question = await runs.get_question(run.id, run.current_index)
        if question is None:
            raise LookupError(f"run {run.id} has no question {run.current_index}")
        if question.state is QuestionState.OPEN:
            await self._question_open(run, quiz, question)
        elif question.state is QuestionState.CLOSED:
            await self._question_closed(run, quiz, question)
        else:
            await self._open(run, question.index)

    async def _lobby(self, run: Run, quiz: Quiz) -> None:
        if run.intro_message_id is None:
            message_id = await self._presenter.post_intro(run, quiz, nonce=nonce_for(run.id, "i"))
            await self._storage.runs.set_intro_message(run.id, message_id)
            return
        starts_at = run.starts_at or self._clock.now()
        if self._clock.now() < starts_at:
            await self._wait_until(starts_at)
            return
        await self._open(run, 0)

    async def _open(self, run: Run, index: int) -> None:
        now = self._clock.now()
        await self._storage.runs.open_question(
            run.id, index, now=now, deadline=now + timedelta(seconds=run.seconds_per_question)
        )

    async def _question_open(self, run: Run, quiz: Quiz, question: RunQuestion) -> None:
        runs = self._storage.runs
        if question.message_id is None:
            answered = await runs.answer_count(run.id, question.index)
            message_id = await self._presenter.post_question(
                run, quiz, question, answered, nonce=nonce_for(run.id, f"q{question.index}")
            )
            await runs.set_question_message(run.id, question.index, message_id)
            self._counted[question.index] = answered
            return
        assert question.deadline is not None
        now = self._clock.now()
        if now >= question.deadline:
            await runs.close_question(run.id, question.index, now=now)
            return
        await self._refresh_counter(run, quiz, question)
        await self._wait_until(min(question.deadline, now + self._counter_interval))

    async def _refresh_counter(self, run: Run, quiz: Quiz, question: RunQuestion) -> None:
        answered = await self._storage.runs.answer_count(run.id, question.index)
        if answered == self._counted.get(question.index):
            return
        if self._counter_task is not None and not self._counter_task.done():
            return  # the previous edit is still waiting (e.g. rate-limited): coalesce into the next tick
        self._counted[question.index] = answered
        # In the background: a rate-limited edit must not hold up the deadline or the answers.
        self._counter_task = asyncio.create_task(self._edit_counter(run, quiz, question, answered))

    async def _edit_counter(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int) -> None:
        try:
            await self._presenter.refresh_counter(run, quiz, question, answered)
        except Exception as error:
            self._counted.pop(question.index, None)  # try again on the next tick
            log.info("quiz run %d: counter edit skipped (%s)", run.id, error)

    async def _stop_counter(self) -> None:
        # A late counter edit would overwrite the reveal: make sure none is in flight before revealing.
        task, self._counter_task = self._counter_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _question_closed(self, run: Run, quiz: Quiz, question: RunQuestion) -> None:
        runs = self._storage.runs
        if not question.revealed:
            await self._reveal(run, quiz, question)
            return
        if question.index + 1 >= run.question_count:
            await runs.finish_run(run.id, status=RunStatus.FINISHED, now=self._clock.now())
            return
        settings = await self._storage.settings.guild_settings(run.guild_id)
        next_at = (question.closed_at or self._clock.now()) + timedelta(seconds=settings.reveal_seconds)
        if self._clock.now() < next_at:
            await self._wait_until(next_at)
            return
        await self._open(run, question.index + 1)

    async def _reveal(self, run: Run, quiz: Quiz, question: RunQuestion) -> None:
        await self._stop_counter()
        if question.message_id is not None:
            counts = await self._storage.runs.choice_counts(run.id, question.index, question.choice_count)
            await self._presenter.reveal(run, quiz, question, counts)
        await self._storage.runs.mark_revealed(run.id, question.index)

    async def _finale(self, run: Run) -> None:
        """Reveal what is still hidden and post the results, continuing after the parts already posted."""
        if run.results_done:
            return
        await self._stop_counter()
        runs = self._storage.runs
        quiz = await self._quiz_of(run)
        for question in await runs.questions(run.id):
            if question.state is QuestionState.CLOSED and not question.revealed:
                try:
                    await self._reveal(run, quiz, question)
                except MessageGoneError:
                    await runs.mark_revealed(run.id, question.index)
        answers = await runs.answers(run.id)
        board = standings(answers, run.scoring_mode, seconds_limit=run.seconds_per_question)
        parts = self._presenter.results_parts(run, quiz, board, answers)
        try:
            for number in range(run.results_parts, len(parts)):
                await self._presenter.post_results_part(run, parts[number], nonce=nonce_for(run.id, f"r{number}"))
                await runs.set_results_parts(run.id, number + 1, done=number + 1 == len(parts))
        except MessageGoneError as error:
            log.warning("quiz run %d: results not posted: %s", run.id, error)
        except MissingPermissionsError as error:
            log.warning("quiz run %d: results not posted, missing permissions: %s", run.id, error)
            await self._report(run, _permission_text(error))
        await runs.set_results_parts(run.id, len(parts), done=True)
        log.info(
            "quiz finished: run=%d quiz=%s channel=%d status=%s members=%d answers=%d",
            run.id,
            run.quiz_id,
            run.channel_id,
            run.status.value,
            len(board),
            len(answers),
        )

    async def _lost_permissions(self, run: Run, error: MissingPermissionsError) -> None:
        log.warning("quiz run %d in channel %d: missing permissions %s; ending the run", run.id, run.channel_id, error)
        await self._storage.runs.finish_run(run.id, status=RunStatus.STOPPED, now=self._clock.now())
        # Results cannot be posted without the permission either; the starter hears about it once.
        await self._storage.runs.set_results_parts(run.id, run.results_parts, done=True)
        await self._report(run, _permission_text(error))

    async def _report(self, run: Run, text: str) -> None:
        # The run is already ended in the database: failing to tell anyone must not turn into a crash.
        try:
            await self._presenter.report_problem(run, text)
        except Exception:
            log.exception("quiz run %d: could not report a problem: %s", run.id, text)


def _permission_text(error: MissingPermissionsError) -> str:
    return (
        f"The quiz stopped: I am missing the {', '.join(error.permissions)} permission(s) in this channel. "
        "Ask a server admin to grant them, then start the quiz again."
    )
