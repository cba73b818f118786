"""The quiz model: what a quiz is, independent of files, storage and Discord."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

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


# What RFC 3986 allows in a URI; anything else (spaces, quotes, <>, non-ASCII letters) must be %-encoded.
_URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")


def image_url_problem(url: str) -> str | None:
    """Why `url` cannot be a question's image (the end of a message starting "image ..."), or None if it can.

    Discord shows an embed image from an http(s) URL of at most 2048 characters; quizzes take https only,
    so no image is fetched over an unencrypted connection.
    """
    if any(character.isspace() for character in url):
        return "must be one URL without spaces or line breaks; write a space as %20"
    if not url.lower().startswith("https://"):
        return f"must be an https:// URL, got '{url[:60]}'"
    odd = next((character for character in url if character not in _URL_CHARACTERS), None)
    if odd is not None:
        return f"contains '{odd}', which a URL cannot hold as it is; percent-encode it (a space is %20)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return f"is not a valid URL: '{url[:60]}'"
    if not parts.hostname:
        return f"has no host name: '{url[:60]}'; write it as https://example.com/picture.png"
    if "@" in parts.netloc:
        return "must not contain a user name or password (user@host); link a public image"
    return None


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
    image: str = ""  # an https URL, shown in the question's embed
    # Aligned with `choices`, "" for a choice without one; () when no choice has one.
    choice_explanations: tuple[str, ...] = ()
    shuffle_choices: bool | None = None  # None: as the quiz says
    author: str = ""  # who wrote it, credited beside the explanation (a member whose suggestion was accepted)

    @property
    def answer_letter(self) -> str:
        return letter_of(self.answer)

    @property
    def answer_text(self) -> str:
        return self.choices[self.answer]

    def choice_explanation(self, choice: int) -> str:
        """Why choice `choice` is right or wrong, shown to a member who picked it ("" if the file says nothing)."""
        return self.choice_explanations[choice] if 0 <= choice < len(self.choice_explanations) else ""


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
    shuffle_choices: bool = False  # live runs show each question's choices in a new order

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def shuffles(self, question: Question) -> bool:
        """Whether a live run re-letters `question`'s choices: its own setting, else the quiz's."""
        return self.shuffle_choices if question.shuffle_choices is None else question.shuffle_choices


# A run's order of one question's choices: order[p] is the file's index of the choice shown at position p.
ChoiceOrder = tuple[int, ...]


def reorder_choices(question: Question, order: Sequence[int]) -> Question:
    """`question` as shown with its choices in `order`: the answer and choice explanations follow their choice."""
    if sorted(order) != list(range(len(question.choices))):
        raise ValueError(f"not an order of {len(question.choices)} choices: {tuple(order)}")
    explanations = question.choice_explanations
    return replace(
        question,
        choices=tuple(question.choices[i] for i in order),
        answer=list(order).index(question.answer),
        choice_explanations=tuple(explanations[i] for i in order) if explanations else (),
    )


def shuffle_for_run(quiz: Quiz, rng: random.Random) -> tuple[Quiz, tuple[ChoiceOrder | None, ...]]:
    """The quiz as one live run plays it, and each question's order (None where choices keep the file's order).

    Only questions that shuffle (`Quiz.shuffles`) are re-lettered; the rest are left as they are.
    """
    questions: list[Question] = []
    orders: list[ChoiceOrder | None] = []
    for question in quiz.questions:
        if not quiz.shuffles(question):
            questions.append(question)
            orders.append(None)
            continue
        order = list(range(len(question.choices)))
        rng.shuffle(order)
        questions.append(reorder_choices(question, order))
        orders.append(tuple(order))
    return replace(quiz, questions=tuple(questions)), tuple(orders)
