"""A member's statistics for /stats: totals, best quiz, daily streak and accuracy per tag."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.review import ReviewCounts
from bot.domain.streaks import Streak


@dataclass(frozen=True)
class TagAccuracy:
    tag: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class BestQuiz:
    quiz_id: str
    quiz_title: str
    correct: int
    question_count: int


@dataclass(frozen=True)
class MemberStats:
    user_id: int
    user_name: str | None  # the last stored display name; None if the member never answered here
    quizzes_taken: int  # live runs and windows with at least one answer
    questions_answered: int
    correct: int
    total_seconds: float
    best_quiz: BestQuiz | None
    daily_streak: Streak
    tags: tuple[TagAccuracy, ...]  # most answered first
    practice_answered: int = 0  # of questions_answered, those answered in practice (/practice)
    review: ReviewCounts | None = None  # the member's review cards (/review)
    questions_authored: int = 0  # the member's suggestions this server accepted

    @property
    def accuracy(self) -> float:
        return self.correct / self.questions_answered if self.questions_answered else 0.0

    @property
    def average_seconds(self) -> float | None:
        return self.total_seconds / self.questions_answered if self.questions_answered else None


def best_streak(per_schedule: list[Streak]) -> Streak:
    """A guild can run several daily schedules; a member's streak is the best one of them."""
    if not per_schedule:
        return Streak(0, 0)
    return Streak(current=max(s.current for s in per_schedule), best=max(s.best for s in per_schedule))
