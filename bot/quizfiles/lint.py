"""Warnings about quizzes that are valid but probably not what their author meant.

A warning never refuses a quiz: `quizbot validate` prints it as `path:line: warning: message` and still
exits 0. Each check is a small function over a `LoadedQuiz` (the quiz and where its questions are in the
file); new checks are added to CHECKS.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.domain.quiz import Question, letter_of
from bot.quizfiles.loader import LoadedQuiz

# A key is judged lopsided only from this many questions on: with fewer, chance explains an uneven key.
LOPSIDED_MIN_QUESTIONS = 8
_ALL_OF_THE_ABOVE = re.compile(r"^all (of )?(the )?(above|of these|these)$")


@dataclass(frozen=True)
class QuizWarning:
    """Something a valid quiz probably did not mean; `code` names the check that found it."""

    code: str
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.message}"


Check = Callable[[LoadedQuiz], Iterator[QuizWarning]]


def lint_quiz(loaded: LoadedQuiz) -> list[QuizWarning]:
    """Every warning of `loaded`, in file order."""
    found = [warning for check in CHECKS for warning in check(loaded)]
    return sorted(found, key=lambda warning: warning.line)


def _question_line(loaded: LoadedQuiz, index: int) -> int:
    lines = loaded.lines.questions
    return lines[index] if index < len(lines) else loaded.lines.questions_key


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", text).casefold().split()).rstrip(".?!")


def _numbers_text(numbers: list[int]) -> str:
    shown = [str(number) for number in numbers]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def missing_explanations(loaded: LoadedQuiz) -> Iterator[QuizWarning]:
    """The format recommends an explanation per question: it is what players learn from after answering."""
    missing = [index for index, question in enumerate(loaded.quiz.questions) if not question.explanation]
    if not missing:
        return
    advice = "add `explanation:` (shown after the question closes; strongly recommended)"
    if len(missing) == len(loaded.quiz.questions):
        yield QuizWarning(
            "no-explanations", loaded.path, loaded.lines.questions_key, f"no question has an explanation; {advice}"
        )
        return
    numbers = [index + 1 for index in missing]
    noun = "question" if len(numbers) == 1 else "questions"
    verb = "has" if len(numbers) == 1 else "have"
    yield QuizWarning(
        "missing-explanations",
        loaded.path,
        _question_line(loaded, missing[0]),
        f"{noun} {_numbers_text(numbers)} {verb} no explanation; {advice}",
    )


def repeated_prompts(loaded: LoadedQuiz) -> Iterator[QuizWarning]:
    """The same prompt twice is usually a copy-paste slip; players would see one question twice."""
    first: dict[str, int] = {}
    for index, question in enumerate(loaded.quiz.questions):
        key = _folded(question.prompt)
        if key in first:
            yield QuizWarning(
                "same-prompt",
                loaded.path,
                _question_line(loaded, index),
                f"question {index + 1} has the same prompt as question {first[key] + 1}; "
                "change one or remove the copy",
            )
        else:
            first[key] = index


def all_of_the_above(loaded: LoadedQuiz) -> Iterator[QuizWarning]:
    """With one correct answer, "all of the above" beside another key means that key's option is right too."""
    for index, question in enumerate(loaded.quiz.questions):
        for position, choice in enumerate(question.choices):
            if position != question.answer and _ALL_OF_THE_ABOVE.match(_folded(choice)):
                yield QuizWarning(
                    "all-of-the-above",
                    loaded.path,
                    _question_line(loaded, index),
                    f'question {index + 1}: choice {letter_of(position)} is "{choice}" but the answer is '
                    f"{question.answer_letter}; if {question.answer_letter} is right, so is "
                    f"{letter_of(position)} (only one choice can be correct), so check the key",
                )


def option_inside_answer(loaded: LoadedQuiz) -> Iterator[QuizWarning]:
    """A wrong choice whose whole text is part of the correct one ("keys" in "queries, keys and values")."""
    for index, question in enumerate(loaded.quiz.questions):
        for position in _contained_choices(question):
            yield QuizWarning(
                "choice-in-answer",
                loaded.path,
                _question_line(loaded, index),
                f'question {index + 1}: choice {letter_of(position)} "{question.choices[position]}" is part '
                f'of the answer {question.answer_letter} "{question.answer_text}"; players may find both '
                "right, so reword one",
            )


def _contained_choices(question: Question) -> Iterator[int]:
    answer = _folded(question.answer_text)
    for position, choice in enumerate(question.choices):
        text = _folded(choice)
        if position != question.answer and text and re.search(rf"(?<!\w){re.escape(text)}(?!\w)", answer):
            yield position


def lopsided_key(loaded: LoadedQuiz) -> Iterator[QuizWarning]:
    """A key that never uses a letter, or uses one for most answers, can be guessed without the material."""
    questions = loaded.quiz.questions
    if len(questions) < LOPSIDED_MIN_QUESTIONS:
        return
    counts = Counter(question.answer_letter for question in questions)
    shared = min(len(question.choices) for question in questions)
    spread = ", ".join(f"{letter} {counts[letter]}" for letter in sorted(counts))
    unused = [letter_of(index) for index in range(shared) if counts[letter_of(index)] == 0]
    letter, most = counts.most_common(1)[0]
    if unused:
        problem = f"{' and '.join(unused)} {'is' if len(unused) == 1 else 'are'} never the answer"
    elif most * 2 > len(questions):
        problem = f"{letter} is the answer of {most} of the {len(questions)} questions"
    else:
        return
    yield QuizWarning(
        "lopsided-key",
        loaded.path,
        loaded.lines.questions_key,
        f"the answer key is lopsided: {problem} (answers: {spread}); players can guess it, "
        "so spread the correct answers over the letters",
    )


CHECKS: tuple[Check, ...] = (
    missing_explanations,
    repeated_prompts,
    all_of_the_above,
    option_inside_answer,
    lopsided_key,
)
