"""The quiz model: what a quiz is, independent of files, storage and Discord."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LETTERS = "ABCDE"
MIN_CHOICES = 2
MAX_CHOICES = len(LETTERS)
MIN_QUESTIONS = 1
MAX_QUESTIONS = 100
MIN_SECONDS = 5
MAX_SECONDS = 600
DEFAULT_SECONDS = 30

# Quiz ids come from file names and from users (`/quiz name:...`), so they are an allow-list.
QUIZ_ID_PATTERN = re.compile(r"^[a-z0-9_-]{1,32}$")
QUESTION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def question_count_text(quiz: Quiz) -> str:
    """"1 question", "10 questions": how the CLI and the importer describe a quiz's size."""
    count = len(quiz.questions)
    return f"{count} question" if count == 1 else f"{count} questions"


def is_valid_quiz_id(text: str) -> bool:
    return QUIZ_ID_PATTERN.fullmatch(text) is not None


def letter_of(index: int) -> str:
    """Return the letter shown for the choice at `index` (0 -> "A")."""
    return LETTERS[index]


def index_of(letter: str) -> int:
    """Return the choice index for a letter ("b" or "B" -> 1); ValueError if it is not A..E."""
    normalized = letter.strip().upper()
    if len(normalized) != 1 or normalized not in LETTERS:
        raise ValueError(f"not a choice letter: {letter!r}")
    return LETTERS.index(normalized)


@dataclass(frozen=True)
class Question:
    """One multiple-choice question; `answer` is the index of the correct choice."""

    id: str
    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str = ""
    tags: tuple[str, ...] = ()

    @property
    def answer_letter(self) -> str:
        return letter_of(self.answer)

    @property
    def answer_text(self) -> str:
        return self.choices[self.answer]


@dataclass(frozen=True)
class Quiz:
    """A quiz as loaded from `quizzes/<id>.yaml` (or `<id>.yml`)."""

    id: str
    title: str
    questions: tuple[Question, ...]
    description: str = ""
    series: str | None = None
    day: int | None = None
    seconds_per_question: int = DEFAULT_SECONDS
    tags: tuple[str, ...] = field(default=())

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)
