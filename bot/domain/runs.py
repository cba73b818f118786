"""Runs of a quiz (live, daily, practice or window) and the outcome of an answer click, as the domain sees them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.quiz import ChoiceOrder, Quiz


class RunKind(enum.StrEnum):
    LIVE = "live"
    DAILY = "daily"
    PRACTICE = "practice"  # one member alone, at their own pace (/practice); never on public boards
    WINDOW = "window"  # the channel's quiz, each member at their own pace until it closes (/quiz window:)

    @property
    def is_private(self) -> bool:
        """Members take it one by one on private messages, each at their own pace."""
        return self in (RunKind.PRACTICE, RunKind.WINDOW)


class RunStatus(enum.StrEnum):
    LOBBY = "lobby"  # intro posted, first question not yet open
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"  # ended early by /quiz-stop or by a lost message

    @property
    def is_active(self) -> bool:
        return self in (RunStatus.LOBBY, RunStatus.RUNNING)


class QuestionState(enum.StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


class ScoringMode(enum.StrEnum):
    ACCURACY = "accuracy"
    SPEED = "speed"


@dataclass(frozen=True)
class Run:
    id: int
    guild_id: int
    channel_id: int
    kind: RunKind
    quiz_id: str
    quiz_title: str
    series: str | None
    started_by: int
    created_at: datetime
    status: RunStatus
    seconds_per_question: int
    scoring_mode: ScoringMode
    current_index: int  # -1 while in the lobby
    question_count: int
    intro_message_id: int | None = None
    starts_at: datetime | None = None  # when the first question opens (lobby deadline)
    finished_at: datetime | None = None
    results_parts: int = 0  # results messages of a live run posted so far
    results_done: bool = False  # every results message is posted
    closes_at: datetime | None = None  # a window's close (its deadline in the database)

    @property
    def timer_seconds(self) -> int | None:
        """A practice run's time per question, if the member asked for one (stored as 0 when not)."""
        return self.seconds_per_question or None


@dataclass(frozen=True)
class RunQuestion:
    run_id: int
    index: int
    question_id: str
    correct_choice: int
    choice_count: int
    state: QuestionState
    message_id: int | None = None
    opened_at: datetime | None = None
    deadline: datetime | None = None
    closed_at: datetime | None = None
    revealed: bool = False
    # Shuffled choices: choice_order[p] is the quiz file's index of the choice shown at position p.
    choice_order: ChoiceOrder | None = None


class AnswerOutcome(enum.StrEnum):
    RECORDED = "recorded"  # new answer, committed
    ALREADY_ANSWERED = "already_answered"  # this member answered this question before
    CLOSED = "closed"  # the question is not open (not yet, or no longer)
    UNKNOWN = "unknown"  # no such run/question/choice: stale or forged button


@dataclass(frozen=True)
class AnswerResult:
    outcome: AnswerOutcome
    choice: int | None = None  # the member's stored choice (new or earlier)
    # Set whenever `choice` is, so the reply needs no second look at the run or the question.
    kind: RunKind | None = None
    deadline: datetime | None = None


@dataclass(frozen=True)
class StoredAnswer:
    run_id: int
    index: int
    user_id: int
    user_name: str
    choice: int
    correct: bool
    answered_at: datetime
    seconds: float  # time from the question opening to the click


@dataclass(frozen=True)
class Tally:
    """How many members picked each choice (as the run showed it) of each question: what the results show."""

    counts: tuple[tuple[int, ...], ...]  # [question index][choice]

    @classmethod
    def of(cls, quiz: Quiz, answers: Iterable[StoredAnswer]) -> Tally:
        counts = [[0] * len(question.choices) for question in quiz.questions]
        for answer in answers:
            if 0 <= answer.index < len(counts) and 0 <= answer.choice < len(counts[answer.index]):
                counts[answer.index][answer.choice] += 1
        return cls(tuple(tuple(row) for row in counts))

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)

    def right(self, quiz: Quiz) -> list[int]:
        """Per question, how many picked the correct choice."""
        return [
            row[q.answer] if q.answer < len(row) else 0 for q, row in zip(quiz.questions, self.counts, strict=False)
        ]
