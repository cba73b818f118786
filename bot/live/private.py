"""Private runs as a member takes them: practice alone (/practice) and open windows (/quiz window:).

Every call reads the member's progress from the database and answers with the screen their private
message shows next, so any click, on any old message, after a restart or a day later, shows where
they are now. No Discord types here: bot/ui renders the screens.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from bot.domain.clock import Clock
from bot.domain.errors import NotFoundError, QuizbotError
from bot.domain.permissions import NotAllowedError
from bot.domain.private import Screen, Stage, is_past
from bot.domain.quiz import LETTERS, Quiz, letter_of, shuffle_for_run
from bot.domain.runs import AnswerOutcome, Run, RunKind, RunStatus
from bot.live.answers import NO_LONGER_ACTIVE
from bot.quizfiles import QuizCatalog
from bot.storage import PracticeOpenError, Storage

log = logging.getLogger(__name__)

TIMED_OUT = "⏰ Time's up: an answer after the timer does not count."
BEHIND = "That question is behind you: here is where you are."


class PrivateRunEndedError(QuizbotError):
    """The practice or window behind a button is over; the message says how to go on."""


class PrivateRuns:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        catalog: Callable[[int], QuizCatalog],
        *,
        rng: random.Random | None = None,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._catalog = catalog
        self._rng = rng or random.Random()

    # --- practice ---------------------------------------------------------------------------------

    async def practice(
        self, *, guild_id: int, channel_id: int, quiz: Quiz, user_id: int, timer_seconds: int | None = None
    ) -> Screen:
        """/practice: question 1 of a new run, or the offer to continue an unfinished one of this quiz."""
        existing = await self._storage.private.open_practice(guild_id, user_id, quiz.id)
        if existing is not None:
            return await self._offer(existing, user_id, timer_seconds)
        try:
            run = await self._create_practice(guild_id, channel_id, quiz, user_id, timer_seconds)
        except PracticeOpenError as open_run:  # a second /practice at the same moment
            return await self._offer(open_run.run, user_id, timer_seconds)
        return await self._screen(run, user_id)

    async def resume(self, run_id: int, user_id: int) -> Screen:
        """Continue: the member's practice where they left it."""
        return await self._screen(await self._own_practice(run_id, user_id), user_id)

    async def start_over(self, run_id: int, user_id: int, timer_seconds: int | None) -> Screen:
        """A new practice of the same quiz from question 1; the unfinished one (if this is it) is stopped."""
        old = await self._own_practice(run_id, user_id, ended_ok=True)
        quiz = self._catalog(old.guild_id).get(old.quiz_id)
        if quiz is None:
            raise NotFoundError(f"The quiz `{old.quiz_id}` is no longer available here: pick one with /quizzes.")
        current = await self._storage.private.open_practice(old.guild_id, user_id, old.quiz_id)
        if current is not None and current.id != old.id:
            # Started over already (another click, another message): offer that one.
            return await self._offer(current, user_id, timer_seconds)
        try:
            run = await self._create_practice(
                old.guild_id, old.channel_id, quiz, user_id, timer_seconds, replaces=None if current is None else old.id
            )
        except PracticeOpenError as open_run:
            return await self._offer(open_run.run, user_id, timer_seconds)
        return await self._screen(run, user_id)

    async def next_question(self, run_id: int, index: int, user_id: int) -> Screen:
        """Next (practice): the question after `index` once it is answered or timed out; after the last, the score."""
        run = await self._own_practice(run_id, user_id)
        progress = await self._storage.private.progress(run.id, user_id)
        if progress is not None and progress.index == index and run.status.is_active:
            answered = await self._storage.private.choice_of(run.id, index, user_id) is not None
            if not answered and not is_past(progress.deadline, self._clock.now()):
                return await self._screen(run, user_id, note="Answer this question first.")
            await self._storage.private.move_on(
                run.id, user_id, after=index, now=self._clock.now(), timer_seconds=run.timer_seconds
            )
            run = await self._fresh(run)
        return await self._screen(run, user_id)

    async def _create_practice(
        self,
        guild_id: int,
        channel_id: int,
        quiz: Quiz,
        user_id: int,
        timer_seconds: int | None,
        *,
        replaces: int | None = None,
    ) -> Run:
        played, orders = shuffle_for_run(quiz, self._rng)
        run = await self._storage.private.create(
            kind=RunKind.PRACTICE,
            guild_id=guild_id,
            channel_id=channel_id,
            quiz=played,
            choice_orders=orders,
            started_by=user_id,
            now=self._clock.now(),
            timer_seconds=timer_seconds,
            replaces=replaces,
        )
        log.info(
            "practice started: run=%d quiz=%s guild=%d by=%d timer=%s",
            run.id,
            quiz.id,
            guild_id,
            user_id,
            timer_seconds,
        )
        return run

    async def _own_practice(self, run_id: int, user_id: int, *, ended_ok: bool = False) -> Run:
        run = await self._storage.runs.get_run(run_id)
        if run is None or run.kind is not RunKind.PRACTICE:
            raise NotFoundError(NO_LONGER_ACTIVE)
        if run.started_by != user_id:
            raise NotAllowedError("This practice is someone else's: start your own with /practice.")
        if run.status is RunStatus.STOPPED and not ended_ok:
            raise PrivateRunEndedError(
                f"You started this practice over: run /practice name:{run.quiz_id} to continue the newer one."
            )
        return run

    async def _offer(self, run: Run, user_id: int, timer_seconds: int | None) -> Screen:
        quiz, score = await self._quiz(run), await self._storage.private.score(run.id, user_id)
        progress = await self._storage.private.progress(run.id, user_id)
        index = run.question_count if progress is None else progress.index
        return Screen(Stage.OFFER, run, quiz, index, score=score, restart_timer=timer_seconds)

    # --- windows ----------------------------------------------------------------------------------

    async def join_window(self, run_id: int, user_id: int) -> Screen:
        """Start on a window's post: the member's first question, or where they are, or that they are done."""
        run = await self._storage.runs.get_run(run_id)
        if run is None or run.kind is not RunKind.WINDOW:
            raise NotFoundError(NO_LONGER_ACTIVE)
        self._require_open(run)
        if await self._storage.private.join(run.id, user_id, now=self._clock.now()) is None:
            self._require_open(await self._fresh(run), closed=True)
        return await self._screen(run, user_id)

    def _require_open(self, run: Run, *, closed: bool = False) -> None:
        closes_at = run.closes_at
        if closed or not run.status.is_active or is_past(closes_at, self._clock.now()):
            when = run.finished_at or closes_at
            at = f" <t:{int(when.timestamp())}:f>" if when is not None else ""
            raise PrivateRunEndedError(
                f"This quiz closed{at}: its results, the answers and “My answers” are in <#{run.channel_id}>."
            )

    # --- both -------------------------------------------------------------------------------------

    async def answer(self, run_id: int, index: int, choice: int, user_id: int, user_name: str) -> Screen:
        """Commit the member's answer (before anything is shown), then their next screen.

        Practice shows the verdict; a window moves straight on to the next question with "Locked in".
        """
        run = await self._storage.runs.get_run(run_id)
        if run is None or not run.kind.is_private or not 0 <= choice < len(LETTERS):
            raise NotFoundError(NO_LONGER_ACTIVE)
        if run.kind is RunKind.PRACTICE:
            run = await self._own_practice(run_id, user_id)
        else:
            self._require_open(run)
        outcome, stored = await self._storage.private.record(
            run_id=run.id,
            index=index,
            user_id=user_id,
            user_name=user_name,
            choice=choice,
            now=self._clock.now(),
            move_on=run.kind is RunKind.WINDOW,
        )
        note = ""
        if outcome is AnswerOutcome.RECORDED and run.kind is RunKind.WINDOW and stored is not None:
            note = f"Locked in: {letter_of(stored)}"
        elif outcome is AnswerOutcome.ALREADY_ANSWERED and stored is not None:
            note = f"You already answered {letter_of(stored)}"
        elif outcome is AnswerOutcome.CLOSED:
            run = await self._fresh(run)
            if run.kind is RunKind.WINDOW:
                self._require_open(run)
            progress = await self._storage.private.progress(run.id, user_id)
            timed_out = (
                progress is not None and progress.index == index and is_past(progress.deadline, self._clock.now())
            )
            note = TIMED_OUT if timed_out else BEHIND
        return await self._screen(run, user_id, note=note)

    async def _screen(self, run: Run, user_id: int, *, note: str = "") -> Screen:
        """Where the member is in the run now."""
        quiz = await self._quiz(run)
        private = self._storage.private
        progress = await private.progress(run.id, user_id)
        if run.kind is RunKind.WINDOW:
            if progress is None:
                progress = await private.join(run.id, user_id, now=self._clock.now())
            if progress is None:
                self._require_open(await self._fresh(run), closed=True)
                raise NotFoundError(NO_LONGER_ACTIVE)  # not reached: the window is closed
            if progress.index >= run.question_count:
                return Screen(Stage.DONE, run, quiz, progress.index, deadline=run.closes_at, note=note)
            return Screen(Stage.QUESTION, run, quiz, progress.index, deadline=run.closes_at, note=note)
        score = await private.score(run.id, user_id)
        if progress is None or progress.index >= run.question_count or not run.status.is_active:
            return Screen(Stage.DONE, run, quiz, run.question_count, score=score, note=note)
        chosen = await private.choice_of(run.id, progress.index, user_id)
        if chosen is not None or is_past(progress.deadline, self._clock.now()):
            return Screen(Stage.VERDICT, run, quiz, progress.index, score=score, chosen=chosen, note=note)
        return Screen(Stage.QUESTION, run, quiz, progress.index, score=score, deadline=progress.deadline, note=note)

    async def _quiz(self, run: Run) -> Quiz:
        quiz = await self._storage.runs.run_quiz(run.id)
        if quiz is None:
            raise NotFoundError(NO_LONGER_ACTIVE)
        return quiz

    async def _fresh(self, run: Run) -> Run:
        return await self._storage.runs.get_run(run.id) or run
