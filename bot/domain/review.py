"""Review cards and mistakes (issue 15), as the domain sees them: no scheduler, no storage, no Discord.

A card is one member's question (per server, by quiz id and question id) to come back to. Every quiz
answer to it and every /review answer is a rating of it, Again when wrong and Good when right; the
spaced-repetition library (bot/review/scheduling.py) turns the ratings into the next due time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.quiz import Question

# Anki's definition: a card is mature once its interval reaches 21 days.
MATURE_INTERVAL = timedelta(days=21)
# A member is stuck on a question after this many wrong answers to it (quiz answers and reviews alike);
# a question is a leech of its quiz once this many members are stuck on it.
LEECH_FAILS = 4
LEECH_MEMBERS = 3
MISTAKES_PAGE_SIZE = 5


class CardPhase(enum.IntEnum):
    """The scheduler's learning state of a card (the same numbers as fsrs.State, stored as they are)."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class RatingSource(enum.StrEnum):
    ANSWER = "answer"  # an answer in a quiz run (live, daily, or any other kind)
    REVIEW = "review"  # an answer to the card in /review


@dataclass(frozen=True)
class CardState:
    """What the scheduler says about a card after a rating; `scheduler_state` is its own record, kept verbatim."""

    due: datetime
    phase: CardPhase
    last_review: datetime
    scheduler_state: str  # JSON

    @property
    def interval(self) -> timedelta:
        return self.due - self.last_review


@dataclass(frozen=True)
class ReviewCard:
    id: int
    guild_id: int
    user_id: int
    quiz_id: str
    question_id: str
    # The question as the member last met it: that run's stored copy, and its position in the run.
    run_id: int
    index: int
    due: datetime
    phase: CardPhase
    ratings: int  # ratings so far (quiz answers and reviews); a review click carries it, so it counts once
    lapses: int  # of those, the wrong ones
    last_answer_at: datetime  # the newest quiz answer folded in
    scheduler_state: str


@dataclass(frozen=True)
class AnswerToCard:
    """A quiz answer not yet folded into the member's cards."""

    run_id: int
    index: int
    quiz_id: str
    question_id: str
    correct: bool
    answered_at: datetime


@dataclass(frozen=True)
class CardUpdate:
    """One rating of the member's card of (quiz id, question id): number 1 makes the card."""

    quiz_id: str
    question_id: str
    run_id: int
    index: int
    correct: bool
    at: datetime
    source: RatingSource
    state: CardState
    number: int  # this rating's number on the card: 1 for a new card, ratings + 1 after
    choice: int | None = None  # the picked choice, for a review
    last_answer_at: datetime | None = None  # set for a quiz answer


@dataclass(frozen=True)
class ReviewCounts:
    cards: int
    due: int
    mature: int
    next_due: datetime | None  # the earliest due time still ahead, if any


@dataclass(frozen=True)
class CardQuestion:
    """A card with the question it shows (from its run's stored copy) and the key that run has now."""

    card: ReviewCard
    quiz_title: str
    question: Question  # as the run showed it (a shuffled run's order)
    key: int  # the run's correct choice after any rescore


@dataclass(frozen=True)
class ReviewQueue:
    """What /review shows: the card due longest (None when nothing is due) and the member's counts."""

    shown: CardQuestion | None
    counts: ReviewCounts


class GradeOutcome(enum.StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"  # this showing of the card was answered before (a double click, another message)


@dataclass(frozen=True)
class Graded:
    outcome: GradeOutcome
    shown: CardQuestion
    choice: int
    correct: bool
    due: datetime  # when the card comes back
    counts: ReviewCounts  # after this answer


@dataclass(frozen=True)
class Mistake:
    run_id: int
    quiz_id: str
    quiz_title: str
    question: Question  # as the run showed it
    choice: int  # the member's pick, a position as shown
    key: int  # the correct position as shown, after any rescore
    answered_at: datetime


@dataclass(frozen=True)
class MistakesPage:
    quiz_id: str  # "" for every quiz
    page: int
    page_count: int
    total: int
    mistakes: tuple[Mistake, ...]


@dataclass(frozen=True)
class Leech:
    question_id: str
    prompt: str
    members: int  # members stuck on it (LEECH_FAILS or more wrong answers each)
    fails: int  # their wrong answers to it, all together

