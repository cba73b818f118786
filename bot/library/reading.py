"""Turn an uploaded file into a quiz, with every error and warning at once, as `quizbot validate` words them.

The file is untrusted: it is decoded here, YAML goes through the same safe loader and limits as the quiz
folder, and the other formats through the importers; nothing in it names a path the bot would open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePath

from bot.domain.problems import Problem
from bot.domain.quiz import Quiz, is_valid_quiz_id
from bot.importers.convert import convert_text
from bot.importers.naming import id_from_path
from bot.quizfiles.lint import lint_quiz
from bot.quizfiles.loader import parse_quiz_source
from bot.quizfiles.names import is_quiz_suffix
from bot.quizfiles.problems import QuizFileError


@dataclass(frozen=True)
class Reading:
    """What an upload holds: the quiz and its YAML (None when any error remains), and every finding."""

    quiz: Quiz | None
    source: str | None  # YAML, as stored and offered by /quiz-download
    errors: list[str] = field(default_factory=list)  # "line N: message"
    warnings: list[str] = field(default_factory=list)


def _line_text(problem: Problem) -> str:
    return f"line {problem.line}: {problem.message}" if problem.line > 0 else problem.message


def read_upload(filename: str, data: bytes, quiz_id: str | None = None) -> Reading:
    """Read the uploaded `data` (named `filename` by the member) as a quiz with id `quiz_id` (or the file's)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return Reading(None, None, [f"line {line}: not valid UTF-8; save the file with UTF-8 encoding"])
    name = PurePath(PurePath(filename).name)  # only the name: an upload never points at a path
    if quiz_id is not None and not is_valid_quiz_id(quiz_id):
        return Reading(
            None, None, [f"name `{quiz_id[:40]}` is not a quiz id: use 1-32 lower-case letters, digits, - or _"]
        )
    if is_quiz_suffix(name):
        return _read_yaml(text, str(name), quiz_id or id_from_path(name))
    conversion = convert_text(text, Path(name), quiz_id=quiz_id)
    if conversion.yaml_text is None or conversion.result.quiz is None:
        return Reading(None, None, [_line_text(p) for p in conversion.result.errors])
    reading = _read_yaml(conversion.yaml_text, str(name), conversion.result.quiz.id)
    imported = [_line_text(p) for p in conversion.result.warnings]
    return Reading(reading.quiz, reading.source, reading.errors, imported + reading.warnings)


def _read_yaml(text: str, shown: str, quiz_id: str) -> Reading:
    try:
        loaded = parse_quiz_source(text, quiz_id, shown)
    except QuizFileError as refused:
        return Reading(None, None, [_line_text(problem) for problem in refused.problems])
    warnings = [f"line {w.line}: {w.message}" if w.line > 0 else w.message for w in lint_quiz(loaded)]
    return Reading(loaded.quiz, text, [], warnings)
