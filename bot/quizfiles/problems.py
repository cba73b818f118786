"""What is wrong with a quiz file, in a form editors and people can both read (`path:line: message`)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.errors import QuizbotError
from bot.domain.problems import Problem as Problem  # re-exported: quiz file code names it from here

# A file with hundreds of problems is usually one structural mistake; the first ones are enough to act on.
MAX_PROBLEMS_PER_FILE = 100


class QuizFileError(QuizbotError):
    """A quiz file was refused; `.problems` lists every problem found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("QuizFileError needs at least one problem")
        super().__init__(summarize(self.problems))


def summarize(problems: list[Problem]) -> str:
    """Return the first problem and how many more there are, for a one-line log entry."""
    first = problems[0]
    more = len(problems) - 1
    where = f"line {first.line}: " if first.line > 0 else ""
    return f"{where}{first.message}" + (f" (+{more} more)" if more else "")


def capped(problems: list[Problem]) -> list[Problem]:
    """Keep the first MAX_PROBLEMS_PER_FILE problems and say how many were left out."""
    ordered = sorted(problems, key=lambda problem: problem.line)
    if len(ordered) <= MAX_PROBLEMS_PER_FILE:
        return ordered
    kept = ordered[:MAX_PROBLEMS_PER_FILE]
    rest = ordered[MAX_PROBLEMS_PER_FILE]
    left_out = len(ordered) - MAX_PROBLEMS_PER_FILE
    return [
        *kept,
        Problem(rest.path, rest.line, f"{left_out} more problems not shown; fix the ones above first"),
    ]
