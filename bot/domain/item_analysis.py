"""Item analysis for /quiz-report: how each question did, and which ones deserve a second look."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.domain.review import Leech


class QuestionFlag(enum.StrEnum):
    CHECK_KEY = "check the answer key"  # a wrong option was picked more often than the key
    ALL_CORRECT = "everybody got it right"


@dataclass(frozen=True)
class QuestionReport:
    question_id: str
    prompt: str
    # Choices as the quiz file letters them, whatever order a shuffled run showed them in.
    key: int  # index of the correct choice
    picks: tuple[int, ...]  # how many members picked each choice
    median_seconds: float | None

    @property
    def answered(self) -> int:
        return sum(self.picks)

    @property
    def correct(self) -> int:
        return self.picks[self.key] if 0 <= self.key < len(self.picks) else 0

    @property
    def share_correct(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def flags(self) -> tuple[QuestionFlag, ...]:
        return question_flags(self.picks, self.key)


def question_flags(picks: tuple[int, ...], key: int) -> tuple[QuestionFlag, ...]:
    answered = sum(picks)
    if answered == 0:
        return ()
    key_picks = picks[key] if 0 <= key < len(picks) else 0
    if key_picks == answered:
        return (QuestionFlag.ALL_CORRECT,)
    if any(count > key_picks for index, count in enumerate(picks) if index != key):
        return (QuestionFlag.CHECK_KEY,)
    return ()


@dataclass(frozen=True)
class QuizReport:
    quiz_id: str
    quiz_title: str
    run_ids: tuple[int, ...]
    questions: tuple[QuestionReport, ...]
    # Questions many members keep failing, over every run of the quiz and /review (bot.domain.review).
    leeches: tuple[Leech, ...] = ()

    @property
    def member_count(self) -> int:
        return max((q.answered for q in self.questions), default=0)


@dataclass(frozen=True)
class AnswerRow:
    """One stored answer, flat, as exported to CSV."""

    run_id: int
    question_id: str
    user_id: int
    user_name: str
    choice: int  # the quiz file's index of the picked choice (a shuffled run may have shown another letter)
    correct: bool
    seconds: float
