"""One live run (or open window), driven step by step from what SQLite says, so a restarted bot picks up
where it stopped.

Every step reads the run from the database, does one thing and records it before the next step:
post the intro, open a question, post it, close it at its deadline, reveal it, pause, ... and at
the end post the results in parts. Posts carry a nonce derived from the run, so a post that reached
Discord just before a crash, or before an error on the way back, is returned again instead of duplicated.

What Discord refuses (4xx) is never sent again as is; what fails on the way (5xx, network) is sent
again, the same request with the same nonce, after a back-off (bot/domain/delivery.py). Either way a
run ends cleanly, and no refused results message takes the others with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from bot.domain.clock import Clock
from bot.domain.delivery import Backoff, RefusedError, TransientError
from bot.domain.quiz import Quiz
from bot.domain.runs import QuestionState, Run, RunKind, RunQuestion, RunStatus, Tally
from bot.domain.scoring import Standing, rank, standings
from bot.storage import Storage

log = logging.getLogger(__name__)

# The "answered: N" counter is edited at most this often per question message; one live quiz per
# channel, so this also keeps the channel well under Discord's ~5 edits per 5 s.
COUNTER_INTERVAL_SECONDS = 4.0
RETRY_SECONDS = 2.0
# A post that fails on the way is sent again 2, 4, 8 and 16 s later: 30 s in all, well inside the
# few minutes Discord remembers a nonce, so a retry can never post a second copy.
RETRY = Backoff(first_seconds=RETRY_SECONDS, tries=5)
# An unexpected error (a bug, a locked database) in one step is tried this often before the run stops.
MAX_FAILURES = 3
# A question not posted within this long after it opened (a retried post, a restart) starts its time anew.
POST_SLACK = timedelta(seconds=1)

T = TypeVar("T")


class MessageGoneError(RefusedError):
    """The channel or a message the run needs was deleted."""

    def __init__(self, reason: str, *, code: int = 0) -> None:
        super().__init__(reason, status=404, code=code)


class MissingPermissionsError(RefusedError):
    """The bot lacks channel permissions; `permissions` names them as Discord's UI does (empty if unknown)."""

    def __init__(self, permissions: Sequence[str], reason: str = "missing permissions") -> None:
        self.permissions = tuple(permissions)
        missing = f" (missing {', '.join(self.permissions)})" if self.permissions else ""
        super().__init__(reason + missing, status=403, code=50013)


# What one results message is, to the presenter that builds and posts it; the runner only passes it on.
PartT = TypeVar("PartT")


class Presenter(Protocol[PartT]):
    """What a run shows; the Discord implementation is bot/ui/live_presenter.py, tests can provide their own.

    Failed posts raise RefusedError (MessageGoneError, MissingPermissionsError) or TransientError.
    """

    async def post_intro(self, run: Run, quiz: Quiz, *, nonce: str) -> int: ...

    async def post_question(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int, *, nonce: str) -> int: ...

    async def refresh_counter(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int) -> None: ...

    async def reveal(self, run: Run, quiz: Quiz, question: RunQuestion, counts: list[int]) -> None: ...

    def results_parts(self, run: Run, quiz: Quiz, board: list[Standing], tally: Tally) -> Sequence[Sequence[PartT]]:
        """The results messages in order, each as the versions it can be posted in, richest first.

        When Discord refuses a version the next one is tried (the leaderboard without its card, then
        without its button); the last holds only what must not be lost. `str(version)` names it in logs.
        """
        ...

    async def post_results_part(self, run: Run, part: PartT, *, nonce: str) -> int: ...

    async def report_problem(self, run: Run, text: str) -> None: ...


def _retry_delay(run: Run, error: TransientError, failures: int) -> timedelta:
    """The back-off before sending the same request again after `failures` failures, logged in one line."""
    delay = RETRY.delay(failures)
    log.warning(
        "quiz run %d: %s; the same request again in %.0f s (try %d of %d)",
        run.id,
        error,
        delay.total_seconds(),
        failures + 1,
        RETRY.tries,
    )
    return delay


def nonce_for(run_id: int, what: str) -> str:
    """A per-post nonce (Discord allows 25 characters) that repeats only for the same post of the same run."""
    return f"qz{run_id}{what}"[:25]


class LiveRun(Generic[PartT]):
    def __init__(
        self,
        run_id: int,
        storage: Storage,
        clock: Clock,
        presenter: Presenter[PartT],
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
            # Reading the run answers every wake-up so far (callers commit before they wake us); one that
            # is still set later would cut short a back-off below for nothing.
            self._wake.clear()
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
            except RefusedError as error:
                await self._refused(run, error)
            except TransientError as error:
                failures += 1
                if RETRY.exhausted(failures):
                    failures = 0
                    log.warning("quiz run %d: %s; gave up after %d tries, ending the run", run.id, error, RETRY.tries)
                    await self._storage.runs.finish_run(run.id, status=RunStatus.STOPPED, now=self._clock.now())
                    continue
                await self._wait_until(self._clock.now() + _retry_delay(run, error, failures))
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

    async def _attempt(self, run: Run, action: Callable[[], Awaitable[T]]) -> T:
        """Do `action`; when it fails on the way, do the same again after a back-off (RETRY), then re-raise."""
        failures = 0
        while True:
            try:
                return await action()
            except TransientError as error:
                failures += 1
                if RETRY.exhausted(failures):
                    raise
                await self._clock.sleep_until(self._clock.now() + _retry_delay(run, error, failures))

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
        if run.kind is RunKind.WINDOW:
            await self._window(run, quiz)
            return
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

    async def _window(self, run: Run, quiz: Quiz) -> None:
        """An open window: post its intro (members take it privately from there), then close it at its deadline.

        The deadline is the run's `closes_at` in the database, so a restart, even one past the close, closes
        it and posts the results exactly like a live run's end (`_finale`).
        """
        if run.intro_message_id is None:
            message_id = await self._presenter.post_intro(run, quiz, nonce=nonce_for(run.id, "i"))
            await self._storage.runs.set_intro_message(run.id, message_id)
            return
        closes_at = run.closes_at or self._clock.now()
        if self._clock.now() < closes_at:
            await self._wait_until(closes_at)
            return
        await self._storage.runs.finish_run(run.id, status=RunStatus.FINISHED, now=self._clock.now())

    async def _open(self, run: Run, index: int) -> None:
        now = self._clock.now()
        await self._storage.runs.open_question(
            run.id, index, now=now, deadline=now + timedelta(seconds=run.seconds_per_question)
        )

    async def _question_open(self, run: Run, quiz: Quiz, question: RunQuestion) -> None:
        runs = self._storage.runs
        if question.message_id is None:
            question = await self._full_time(run, question)
            answered = await runs.answer_count(run.id, question.index)
            message_id = await self._presenter.post_question(
                run, quiz, question, answered, nonce=nonce_for(run.id, f"q{question.index}")
            )
            await runs.set_question_message(run.id, question.index, message_id)
            self._counted.setdefault(question.index, answered)
            return
        assert question.deadline is not None
        now = self._clock.now()
        if now >= question.deadline:
            await runs.close_question(run.id, question.index, now=now)
            return
        await self._refresh_counter(run, quiz, question)
        await self._wait_until(min(question.deadline, now + self._counter_interval))

    async def _full_time(self, run: Run, question: RunQuestion) -> RunQuestion:
        """The question as it is to be posted: one not shown yet (a retried post, a restart) starts its time now.

        Members only see a question once it is posted, so time spent retrying must not be taken from them.
        If an earlier try did arrive (its answer was lost), the nonce returns that message with the old
        countdown: the first counter refresh, forced here, shows the new one.
        """
        now = self._clock.now()
        if question.opened_at is None or now - question.opened_at <= POST_SLACK:
            return question
        deadline = now + timedelta(seconds=run.seconds_per_question)
        if not await self._storage.runs.restart_question_clock(run.id, question.index, now=now, deadline=deadline):
            return question
        self._counted[question.index] = -1
        log.info("quiz run %d: question %d posted late, its time starts now", run.id, question.index + 1)
        fresh = await self._storage.runs.get_question(run.id, question.index)
        return fresh or question

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
            try:
                await self._presenter.reveal(run, quiz, question, counts)
            except (MessageGoneError, MissingPermissionsError):
                raise
            except RefusedError as error:
                # The reveal only decorates the question; the quiz goes on without it.
                log.warning("quiz run %d: reveal of question %d left out: %s", run.id, question.index + 1, error)
        await self._storage.runs.mark_revealed(run.id, question.index)

    async def _finale(self, run: Run) -> None:
        """Reveal what is still hidden and post the results, continuing after the parts already posted.

        Each results message stands alone: one Discord refuses is posted in its next, simpler version
        (the leaderboard without its card), or left out with one log line, and the others still go out.
        """
        if run.results_done:
            return
        await self._stop_counter()
        runs = self._storage.runs
        quiz = await self._quiz_of(run)
        # A window has no question messages to reveal: its distribution is a results message instead.
        questions = [] if run.kind is RunKind.WINDOW else await runs.questions(run.id)
        for question in questions:
            if question.state is QuestionState.CLOSED and not question.revealed:
                try:
                    await self._attempt(run, functools.partial(self._reveal, run, quiz, question))
                except (RefusedError, TransientError) as error:
                    log.warning("quiz run %d: reveal of question %d left out: %s", run.id, question.index + 1, error)
                    await runs.mark_revealed(run.id, question.index)
        # Members hidden from public boards (/privacy) are left out, and ranked around (no gap); the card's
        # per-question shares, the distribution and "My answers" still count every answer.
        hidden = await self._storage.privacy.hidden_members(run.guild_id)
        if run.kind is RunKind.WINDOW:
            # From the summaries, not the answers: a window may hold tens of thousands (docs/performance.md).
            scores = await runs.accuracy_scores(run.id)
            board = rank(score for score in scores if score.user_id not in hidden)
            tally = await runs.tally(run.id, quiz)
            members = len(scores)
        else:
            answers = await runs.answers(run.id)
            shown = [answer for answer in answers if answer.user_id not in hidden]
            board = standings(shown, run.scoring_mode, seconds_limit=run.seconds_per_question)
            tally = Tally.of(quiz, answers)
            members = len({answer.user_id for answer in answers})
        parts = self._presenter.results_parts(run, quiz, board, tally)
        for number in range(run.results_parts, len(parts)):
            try:
                await self._post_results_part(run, parts, number)
            except MessageGoneError as error:
                log.warning("quiz run %d: results not posted: %s", run.id, error)
                break
            except MissingPermissionsError as error:
                log.warning("quiz run %d: results not posted: %s", run.id, error)
                await self._report(run, _permission_text(error))
                break
            await runs.set_results_parts(run.id, number + 1, done=number + 1 == len(parts))
        await runs.set_results_parts(run.id, len(parts), done=True)
        log.info(
            "quiz finished: run=%d quiz=%s channel=%d status=%s members=%d answers=%d",
            run.id,
            run.quiz_id,
            run.channel_id,
            run.status.value,
            members,
            tally.total,
        )

    async def _post_results_part(self, run: Run, parts: Sequence[Sequence[PartT]], number: int) -> None:
        """Post one results message in the richest version Discord takes; MessageGone/MissingPermissions end all."""
        versions = parts[number]
        # One nonce for every version: after a crash the richer version sent first returns a simpler one
        # that did arrive instead of posting the message twice.
        nonce = nonce_for(run.id, f"r{number}")
        name = f"results message {number + 1}/{len(parts)},"
        for position, version in enumerate(versions):
            simpler = versions[position + 1] if position + 1 < len(versions) else None
            try:
                await self._attempt(
                    run, functools.partial(self._presenter.post_results_part, run, version, nonce=nonce)
                )
                return
            except MessageGoneError:
                raise
            except RefusedError as error:
                if simpler is None:
                    if isinstance(error, MissingPermissionsError):
                        raise
                    log.warning("quiz run %d: %s %s, refused and left out: %s", run.id, name, version, error)
                    return
                log.warning("quiz run %d: %s %s, refused: %s; posting it as %s", run.id, name, version, error, simpler)
            except TransientError as error:
                log.warning(
                    "quiz run %d: %s %s, not posted after %d tries, left out: %s",
                    run.id,
                    name,
                    version,
                    RETRY.tries,
                    error,
                )
                return

    async def _refused(self, run: Run, error: RefusedError) -> None:
        """A step Discord refused (a bug on our side or Discord's): never sent again as is, the run ends."""
        log.warning("quiz run %d in channel %d: Discord refused %s; ending the run", run.id, run.channel_id, error)
        await self._storage.runs.finish_run(run.id, status=RunStatus.STOPPED, now=self._clock.now())
        await self._report(
            run,
            f"The quiz stopped because Discord refused one of its messages ({error}). "
            "The results so far are posted in the channel.",
        )

    async def _lost_permissions(self, run: Run, error: MissingPermissionsError) -> None:
        log.warning("quiz run %d in channel %d: %s; ending the run", run.id, run.channel_id, error)
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
    if not error.permissions:
        # Discord said 403 but the bot's view of the channel shows nothing missing (e.g. not cached yet).
        return (
            "The quiz stopped: Discord refused a message for missing permissions in this channel. "
            "Ask a server admin to check that I have View Channel, Send Messages and Embed Links here, "
            "then start the quiz again."
        )
    return (
        f"The quiz stopped: I am missing the {', '.join(error.permissions)} permission(s) in this channel. "
        "Ask a server admin to grant them, then start the quiz again."
    )
