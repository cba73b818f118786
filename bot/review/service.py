"""Review cards and mistakes: folding answers into cards, /review's queue and grading, /mistakes pages.

Cards are made lazily, never on the click path: before anything reads a member's cards, their answers
committed since the last catch-up are folded in, oldest first (a wrong answer is rated Again, a right
one Good; a right one makes a new card only with the member's "every answer" setting). That works for
every kind of run, since it reads only the answers table. An answer whose question is still open (a
daily question before its reveal) waits, so no card gives an answer away early.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.boards import clamp_page, page_count
from bot.domain.clock import Clock
from bot.domain.errors import InvalidOptionError, NotFoundError
from bot.domain.quiz import is_valid_quiz_id
from bot.domain.review import (
    MISTAKES_PAGE_SIZE,
    AnswerToCard,
    CardUpdate,
    Graded,
    GradeOutcome,
    MistakesPage,
    RatingSource,
    ReviewCard,
    ReviewCounts,
    ReviewQueue,
)
from bot.review.scheduling import Scheduling
from bot.storage import Storage
from bot.storage.review import CardChangedError

# Catching up re-reads this much before the last answer it folded in, because answers are stamped when
# clicked and committed a moment later: one clicked earlier may commit after one clicked later.
MARGIN = timedelta(minutes=1)
# A question whose deadline passed this long ago counts as revealed even if its run never closed it.
REVEAL_GRACE = timedelta(hours=1)
# Answers folded in per transaction: the write lock is never held for long while quizzes are being clicked.
BATCH = 500
NOT_YOURS = "That review card is not one of yours (or no longer exists): run /review to get yours."


@dataclass(frozen=True)
class _Known:
    """A card as catching up has left it so far (stored, or rated earlier in this catch-up)."""

    ratings: int
    scheduler_state: str
    last_answer_at: datetime


class ReviewService:
    def __init__(self, storage: Storage, clock: Clock, scheduling: Scheduling | None = None) -> None:
        self._storage = storage
        self._clock = clock
        self._scheduling = scheduling or Scheduling()
        # One catch-up or grading at a time per member; a lock lives only while someone holds or awaits it.
        self._locks: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, guild_id: int, user_id: int) -> asyncio.Lock:
        lock = self._locks.get((guild_id, user_id))
        if lock is None:
            lock = asyncio.Lock()
            self._locks[(guild_id, user_id)] = lock
        return lock

    # --- making cards from answers ------------------------------------------------------------------

    async def catch_up(self, guild_id: int, user_id: int) -> int:
        """Fold the member's answers committed since the last catch-up into their cards; ratings stored."""
        async with self._lock(guild_id, user_id):
            return await self._catch_up(guild_id, user_id)

    async def _catch_up(self, guild_id: int, user_id: int) -> int:
        store = self._storage.review
        member = await store.member(guild_id, user_id)
        known_before = self._clock.now() - REVEAL_GRACE
        mark = member.synced_until
        after = None if mark is None else mark - MARGIN
        held: datetime | None = None  # the first answer whose question is still open: the mark stays before it
        stored = 0
        while True:
            rows = await store.answers_to_card(guild_id, user_id, after=after, known_before=known_before, limit=BATCH)
            if not rows:
                return stored
            answers = [row.answer for row in rows if row.known]
            if held is None:
                held = next((row.answer.answered_at for row in rows if not row.known), None)
            cards = await store.cards_for(guild_id, user_id, {(a.quiz_id, a.question_id) for a in answers})
            updates = self._ratings(answers, cards, every_answer=member.every_answer, seen_until=member.synced_until)
            newest = rows[-1].answer.answered_at
            new_mark = newest if held is None else min(newest, held - timedelta(microseconds=1))
            if updates or new_mark != mark:
                await store.apply(guild_id, user_id, updates, synced_until=new_mark)
                stored += len(updates)
                mark = new_mark
            if len(rows) < BATCH:
                return stored
            after = newest

    def _ratings(
        self,
        answers: Sequence[AnswerToCard],
        cards: dict[tuple[str, str], ReviewCard],
        *,
        every_answer: bool,
        seen_until: datetime | None,
    ) -> list[CardUpdate]:
        """The ratings these answers (oldest first) make; `seen_until`: what earlier catch-ups went through."""
        known = {
            key: _Known(card.ratings, card.scheduler_state, card.last_answer_at) for key, card in cards.items()
        }
        updates: list[CardUpdate] = []
        for answer in answers:
            key = (answer.quiz_id, answer.question_id)
            card = known.get(key)
            if card is not None and answer.answered_at <= card.last_answer_at:
                continue  # folded in by an earlier catch-up (answers are re-read with a margin)
            # A right answer makes a card only with the setting on, and only if it came after the setting
            # did: an earlier one was already passed over under the old setting.
            passed_over = not every_answer or (seen_until is not None and answer.answered_at <= seen_until)
            if card is None and answer.correct and passed_over:
                continue
            previous = None if card is None else card.scheduler_state
            state = self._scheduling.rate(previous, answer.correct, answer.answered_at)
            number = 1 if card is None else card.ratings + 1
            updates.append(
                CardUpdate(
                    quiz_id=answer.quiz_id,
                    question_id=answer.question_id,
                    run_id=answer.run_id,
                    index=answer.index,
                    correct=answer.correct,
                    at=answer.answered_at,
                    source=RatingSource.ANSWER,
                    state=state,
                    number=number,
                    last_answer_at=answer.answered_at,
                )
            )
            known[key] = _Known(number, state.scheduler_state, answer.answered_at)
        return updates

    # --- /review ------------------------------------------------------------------------------------

    async def set_every_answer(self, guild_id: int, user_id: int, on: bool) -> None:
        """From now on, right answers make cards too (on), or only wrong ones (off)."""
        async with self._lock(guild_id, user_id):
            # Answers so far are folded in under the old setting first, so the new one applies from now.
            await self._catch_up(guild_id, user_id)
            await self._storage.review.set_every_answer(guild_id, user_id, on)

    async def every_answer(self, guild_id: int, user_id: int) -> bool:
        return (await self._storage.review.member(guild_id, user_id)).every_answer

    async def queue(self, guild_id: int, user_id: int, *, every_answer: bool | None = None) -> ReviewQueue:
        """The card to show now (the one due longest), with the member's counts; `every_answer` changes the
        member's setting first."""
        if every_answer is None:
            await self.catch_up(guild_id, user_id)
        else:
            await self.set_every_answer(guild_id, user_id, every_answer)
        now = self._clock.now()
        shown = await self._storage.review.first_due(guild_id, user_id, now)
        return ReviewQueue(shown, await self._storage.review.counts(guild_id, user_id, now))

    async def counts(self, guild_id: int, user_id: int) -> ReviewCounts:
        await self.catch_up(guild_id, user_id)
        return await self._storage.review.counts(guild_id, user_id, self._clock.now())

    async def grade(self, guild_id: int, user_id: int, card_id: int, shown_ratings: int, choice: int) -> Graded:
        """Record the member's answer to a card as it was shown (after `shown_ratings` ratings), once.

        The rating is committed before this returns. A second click on the same showing, or a click on a
        card that was rated since it was shown, stores nothing and says so.
        """
        store = self._storage.review
        async with self._lock(guild_id, user_id):
            await self._catch_up(guild_id, user_id)
            shown = await store.card(card_id)
            if shown is None or (shown.card.guild_id, shown.card.user_id) != (guild_id, user_id):
                raise NotFoundError(NOT_YOURS)
            if not 0 <= choice < len(shown.question.choices):
                raise NotFoundError(NOT_YOURS)
            card = shown.card
            now = self._clock.now()
            correct = choice == shown.key
            outcome = GradeOutcome.ALREADY
            due = card.due
            if card.ratings == shown_ratings:
                state = self._scheduling.rate(card.scheduler_state, correct, now)
                update = CardUpdate(
                    quiz_id=card.quiz_id,
                    question_id=card.question_id,
                    run_id=card.run_id,
                    index=card.index,
                    correct=correct,
                    at=now,
                    source=RatingSource.REVIEW,
                    state=state,
                    number=shown_ratings + 1,
                    choice=choice,
                )
                try:
                    await store.apply(guild_id, user_id, [update])
                except CardChangedError:
                    pass
                else:
                    outcome, due = GradeOutcome.RECORDED, state.due
            counts = await store.counts(guild_id, user_id, now)
        return Graded(outcome=outcome, shown=shown, choice=choice, correct=correct, due=due, counts=counts)

    # --- /mistakes ----------------------------------------------------------------------------------

    async def mistakes(self, guild_id: int, user_id: int, quiz_id: str, page: int) -> MistakesPage:
        """One page of the member's wrong answers, newest first; `quiz_id` "" for every quiz."""
        quiz = quiz_id.strip().lower()
        if quiz and not is_valid_quiz_id(quiz):
            raise InvalidOptionError("That is not a quiz id: pick one from the list (letters, digits, - and _).")
        store = self._storage.review
        known_before = self._clock.now() - REVEAL_GRACE
        total = await store.mistake_count(guild_id, user_id, quiz_id=quiz or None, known_before=known_before)
        page = clamp_page(page, total, MISTAKES_PAGE_SIZE)
        mistakes = await store.mistakes(
            guild_id,
            user_id,
            quiz_id=quiz or None,
            known_before=known_before,
            offset=page * MISTAKES_PAGE_SIZE,
            limit=MISTAKES_PAGE_SIZE,
        )
        return MistakesPage(quiz, page, page_count(total, MISTAKES_PAGE_SIZE), total, tuple(mistakes))

    async def mistake_quizzes(self, guild_id: int, user_id: int, typed: str, limit: int) -> list[tuple[str, str]]:
        """(quiz id, title) of the quizzes the member answered wrong here that match what they typed."""
        needle = typed.strip().casefold()
        rows = await self._storage.review.mistake_quizzes(guild_id, user_id)
        return [(quiz_id, title) for quiz_id, title, _ in rows if needle in quiz_id or needle in title.casefold()][
            :limit
        ]
