"""What an import produced: a quiz (or none) plus every warning and error, each pointing at a line."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.problems import Problem
from bot.domain.quiz import Quiz


@dataclass(frozen=True)
class ImportResult:
    """`quiz` is None exactly when there are errors; warnings never stop an import.

    `found_questions` is False when the source holds nothing that looks like a quiz at all, so a
    folder walk can skip a course's README instead of failing on it.
    """

    quiz: Quiz | None
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    found_questions: bool = True
    # Source line of each question, by position: problems found later (in the YAML) can point back.
    question_lines: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return self.quiz is not None and not self.errors


class ProblemLog:
    """Collects the warnings and errors of one source while a parser walks it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[Problem] = []
        self.errors: list[Problem] = []

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(Problem(self.path, line, message))

    def error(self, line: int, message: str) -> None:
        self.errors.append(Problem(self.path, line, message))

    def result(
        self, quiz: Quiz | None, *, found_questions: bool = True, question_lines: tuple[int, ...] = ()
    ) -> ImportResult:
        by_line = sorted(self.errors, key=lambda problem: problem.line)
        warnings = sorted(self.warnings, key=lambda problem: problem.line)
        return ImportResult(
            quiz=None if by_line else quiz,
            warnings=warnings,
            errors=by_line,
            found_questions=found_questions,
            question_lines=question_lines,
        )
