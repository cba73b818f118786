"""Assemble parsed questions into a `Quiz`, checking the counts every format must respect."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from bot.domain.quiz import (
    DEFAULT_SECONDS,
    MAX_CHOICES,
    MAX_QUESTIONS,
    MIN_CHOICES,
    Question,
    Quiz,
)
from bot.importers.naming import day_and_series, day_id, id_from_path
from bot.importers.result import ProblemLog


@dataclass(frozen=True)
class DraftQuestion:
    """A question as read from a source, before the quiz-wide checks; `answer` is a choice index."""

    line: int
    label: str  # how the source names it in messages: "question 3"
    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str = ""
    tags: tuple[str, ...] = ()
    image: str = ""
    choice_explanations: tuple[str, ...] = ()  # aligned with choices, as in Question


@dataclass(frozen=True)
class QuizHeader:
    id: str
    title: str
    day: int | None = None
    series: str | None = None
    seconds_per_question: int = DEFAULT_SECONDS

    @classmethod
    def named(
        cls, title: str, path: PurePath, quiz_id: str | None, *, seconds_per_question: int = DEFAULT_SECONDS
    ) -> QuizHeader:
        """A header whose day and series come from `title`; the id, unless given, is `dayNN` or from `path`."""
        day, series = day_and_series(title)
        return cls(
            id=quiz_id or (day_id(day) if day is not None else id_from_path(path)),
            title=title,
            day=day,
            series=series,
            seconds_per_question=seconds_per_question,
        )


def check_choice_count(log: ProblemLog, line: int, label: str, count: int) -> bool:
    if count < MIN_CHOICES:
        log.error(line, f"{label} has {count} option(s); give it {MIN_CHOICES} to {MAX_CHOICES} options")
        return False
    if count > MAX_CHOICES:
        log.error(line, f"{label} has {count} options; at most {MAX_CHOICES} (A to E) are allowed")
        return False
    return True


def build_quiz(header: QuizHeader, drafts: list[DraftQuestion], log: ProblemLog) -> Quiz | None:
    """Return the quiz with ids q1, q2, ... by position, or None (with an error) if it cannot be one."""
    if len(drafts) > MAX_QUESTIONS:
        log.error(
            drafts[MAX_QUESTIONS].line,
            f"{len(drafts)} questions; a quiz holds at most {MAX_QUESTIONS}: "
            "split the file into several quizzes",
        )
        return None
    questions = tuple(
        Question(
            id=f"q{position}",
            prompt=draft.prompt,
            choices=draft.choices,
            answer=draft.answer,
            explanation=draft.explanation,
            tags=draft.tags,
            image=draft.image,
            choice_explanations=draft.choice_explanations,
        )
        for position, draft in enumerate(drafts, start=1)
    )
    return Quiz(
        id=header.id,
        title=header.title,
        questions=questions,
        series=header.series,
        day=header.day,
        seconds_per_question=header.seconds_per_question,
    )


def normalized(text: str) -> str:
    """Compare option texts ignoring case, markup and whitespace."""
    without_markup = re.sub(r"[*_`]", "", text)
    return " ".join(without_markup.split()).casefold().rstrip(".")
