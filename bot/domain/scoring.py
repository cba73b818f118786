"""Points for answers and standings with ties, for live quizzes and leaderboards alike.

Two modes (a per-guild setting):

- accuracy: 1 point per correct answer. Ties on points are broken by the total answer time
  (faster first); members with the same points and the same total time share a rank.
- speed (Kahoot-style): a correct answer given after `s` seconds of a `limit`-second question earns
  `round(1000 * (1 - s / limit / 2))` points, so 1000 for an instant answer and 500 at the buzzer.
  A streak bonus rewards consecutive correct answers: the n-th correct answer in a row adds
  `STREAK_STEP * min(n - 1, STREAK_CAP)` points (0, 100, 200, ... up to 500). A wrong or missing
  answer resets the streak. Wrong answers earn 0.

The functions only need rows that carry `user_id`, `user_name`, `index`, `correct` and `seconds`
(e.g. `StoredAnswer`), plus an optional `run_id` so answers from several runs can be combined.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.runs import ScoringMode

MAX_SPEED_POINTS = 1000
STREAK_STEP = 100
STREAK_CAP = 5
MEDALS = ("🥇", "🥈", "🥉")


class AnswerLike(Protocol):
    @property
    def user_id(self) -> int: ...
    @property
    def user_name(self) -> str: ...
    @property
    def index(self) -> int: ...
    @property
    def correct(self) -> bool: ...
    @property
    def seconds(self) -> float: ...


def speed_points(seconds: float, limit: float) -> int:
    """Points for a correct answer in speed mode, before any streak bonus."""
    if limit <= 0:
        return MAX_SPEED_POINTS
    elapsed = min(max(seconds, 0.0), limit)
    return round(MAX_SPEED_POINTS * (1 - elapsed / limit / 2))


def streak_bonus(streak: int) -> int:
    """Bonus for the `streak`-th correct answer in a row (the first one earns none)."""
    return STREAK_STEP * min(max(streak - 1, 0), STREAK_CAP)


def answer_points(mode: ScoringMode, *, correct: bool, seconds: float, limit: float, streak: int = 1) -> int:
    """Points for one answer; `streak` counts this answer if it is correct."""
    if not correct:
        return 0
    if mode is ScoringMode.ACCURACY:
        return 1
    return speed_points(seconds, limit) + streak_bonus(streak)


@dataclass(frozen=True)
class Score:
    """One member's totals before ranking."""

    user_id: int
    user_name: str
    points: int
    correct: int
    answered: int
    total_seconds: float


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    user_name: str
    points: int
    correct: int
    answered: int
    total_seconds: float

    @property
    def medal(self) -> str:
        return MEDALS[self.rank - 1] if self.rank <= len(MEDALS) else ""


def _run_of(answer: AnswerLike) -> int:
    return int(getattr(answer, "run_id", 0))


def scores(answers: Iterable[AnswerLike], mode: ScoringMode, *, seconds_limit: float) -> list[Score]:
    """Total each member's answers (the latest user name wins); order is unspecified."""
    by_user: dict[int, list[AnswerLike]] = {}
    for answer in answers:
        by_user.setdefault(answer.user_id, []).append(answer)
    totals: list[Score] = []
    for user_id, own in by_user.items():
        own.sort(key=lambda a: (_run_of(a), a.index))
        points = streak = 0
        previous: tuple[int, int] | None = None
        for answer in own:
            follows = previous is not None and previous == (_run_of(answer), answer.index - 1)
            streak = (streak + 1 if follows else 1) if answer.correct else 0
            points += answer_points(
                mode, correct=answer.correct, seconds=answer.seconds, limit=seconds_limit, streak=streak
            )
            previous = (_run_of(answer), answer.index) if answer.correct else None
        totals.append(
            Score(
                user_id=user_id,
                user_name=own[-1].user_name,
                points=points,
                correct=sum(1 for a in own if a.correct),
                answered=len(own),
                total_seconds=round(sum(a.seconds for a in own), 3),
            )
        )
    return totals


def rank(totals: Iterable[Score]) -> list[Standing]:
    """Order by points (high first), then total answer time (low first); equal on both share a rank."""
    ordered = sorted(totals, key=lambda s: (-s.points, s.total_seconds, s.user_name.casefold(), s.user_id))
    standings: list[Standing] = []
    for position, score in enumerate(ordered, start=1):
        previous = standings[-1] if standings else None
        tied = (
            previous is not None and previous.points == score.points and previous.total_seconds == score.total_seconds
        )
        standings.append(
            Standing(
                rank=previous.rank if tied and previous else position,
                user_id=score.user_id,
                user_name=score.user_name,
                points=score.points,
                correct=score.correct,
                answered=score.answered,
                total_seconds=score.total_seconds,
            )
        )
    return standings


def standings(answers: Iterable[AnswerLike], mode: ScoringMode, *, seconds_limit: float) -> list[Standing]:
    """Score and rank in one step."""
    return rank(scores(answers, mode, seconds_limit=seconds_limit))


def choice_percentages(counts: Sequence[int]) -> list[int]:
    """Whole percentages of each choice (0 when nobody answered)."""
    total = sum(counts)
    return [round(100 * c / total) if total else 0 for c in counts]
