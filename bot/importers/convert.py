"""Turn one source file into the canonical YAML text the bot will accept, or say why it cannot.

Unlike the parsers this module reads files and uses the quiz-file writer and loader: the YAML is
loaded back through the bot's own validator, so an import never writes a file the bot would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bot.domain.problems import Problem
from bot.importers.result import ImportResult
from bot.importers.sources import parse_source
from bot.quizfiles.loader import parse_quiz_text
from bot.quizfiles.problems import QuizFileError
from bot.quizfiles.writer import dump_quiz

# Courses write one quiz per file; anything this large is not a quiz and is refused before parsing.
MAX_SOURCE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Conversion:
    """The import result of one source and, when it succeeded, its YAML text."""

    source: Path
    result: ImportResult
    yaml_text: str | None

    @property
    def ok(self) -> bool:
        return self.yaml_text is not None


def convert_file(source: Path, *, fmt: str | None = None, quiz_id: str | None = None) -> Conversion:
    """Read, parse, write as YAML and validate `source` (quiz id from `quiz_id` or the source)."""
    text_or_problem = read_source(source)
    if isinstance(text_or_problem, Problem):
        return Conversion(source, ImportResult(None, errors=[text_or_problem]), None)
    return convert_text(text_or_problem, source, fmt=fmt, quiz_id=quiz_id)


def convert_text(text: str, source: Path, *, fmt: str | None = None, quiz_id: str | None = None) -> Conversion:
    """Parse `text` (read from `source`, a name used for the format and the messages), write it as YAML and
    validate that as the bot would."""
    result = parse_source(text, source, fmt=fmt, quiz_id=quiz_id)
    if result.quiz is None or result.errors:
        return Conversion(source, result, None)
    yaml_text = dump_quiz(result.quiz)
    try:
        parse_quiz_text(yaml_text, result.quiz.id, str(source))
    except QuizFileError as refused:
        errors = [
            Problem(
                str(source),
                _source_line(result, yaml_text, problem.line),
                f"the bot would refuse the imported quiz: {problem.message}",
            )
            for problem in refused.problems
        ]
        return Conversion(source, replace(result, quiz=None, errors=errors), None)
    return Conversion(source, result, yaml_text)


def read_source(source: Path) -> str | Problem:
    """Return the text of `source`, or the problem that stops it being read."""
    try:
        size = source.stat().st_size
        if size > MAX_SOURCE_BYTES:
            return Problem(
                str(source), 0, f"file is {size // 1024} KiB; a quiz source over 4 MiB is refused, split it"
            )
        data = source.read_bytes()
    except FileNotFoundError:
        return Problem(str(source), 0, "no such file; check the path")
    except OSError as error:
        return Problem(str(source), 0, f"cannot read it ({error.strerror}); check its permissions")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return Problem(str(source), line, "not valid UTF-8; save the file with UTF-8 encoding")


def _source_line(result: ImportResult, yaml_text: str, yaml_line: int) -> int:
    """Map a line of the written YAML back to the source line of the question it belongs to."""
    # The writer opens every question with "  - id:", so counting them gives the question's position.
    before = yaml_text.splitlines()[: max(yaml_line, 0)]
    position = sum(1 for line in before if line.startswith("  - id:"))
    if 1 <= position <= len(result.question_lines):
        return result.question_lines[position - 1]
    return 0
