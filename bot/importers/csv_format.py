"""Parse CSV quizzes as spreadsheet quiz templates export them, one question per row.

Header row (case and order free): `question, A, B, C, D, answer, explanation, seconds`; `E` adds a
fifth option, `tags` (separated by `;` or `,`) is read too, other columns are ignored with a warning.
`answer` is a letter, an option number 1-5, or the exact text of an option; a cell that could mean two
different options (options `5,6,0,1`, answer `1`) is an error, never a guess.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePath

from bot.domain.quiz import DEFAULT_SECONDS, LETTERS, MAX_SECONDS, MIN_SECONDS, index_of, letter_of
from bot.importers.drafts import DraftQuestion, QuizHeader, build_quiz, check_choice_count, normalized
from bot.importers.naming import title_from_path
from bot.importers.result import ImportResult, ProblemLog

_OPTION_COLUMN = re.compile(r"^(?:option|choice|answer)?\s*(?P<letter>[a-e])$")
_NUMBER = re.compile(r"[0-9]{1,2}")
_KNOWN = ("question", "answer", "explanation", "seconds", "tags")
_ALIASES = {"prompt": "question", "correct": "answer", "correct answer": "answer", "time": "seconds"}


@dataclass(frozen=True)
class _Row:
    line: int
    cells: dict[str, str]


def parse_csv(text: str, path: str | PurePath, *, quiz_id: str | None = None) -> ImportResult:
    """Parse CSV `text`; `path` names the source in messages and gives the title and the id."""
    log = ProblemLog(str(path))
    rows = _rows(text.lstrip("\ufeff"), log)
    if rows is None:
        return log.result(None, found_questions=False)
    if not rows:
        log.error(2, "no question rows under the header; add one row per question")
        return log.result(None, found_questions=False)
    drafts: list[DraftQuestion] = []
    seconds: list[tuple[int, int]] = []
    for position, row in enumerate(rows, start=1):
        draft = _draft(row, position, log)
        if draft is not None:
            drafts.append(draft)
        row_seconds = _seconds(row, position, log)
        if row_seconds is not None:
            seconds.append((row_seconds, row.line))
    header = QuizHeader.named(
        title_from_path(PurePath(path)), PurePath(path), quiz_id, seconds_per_question=_quiz_seconds(seconds, log)
    )
    if log.errors:
        return log.result(None)
    lines = tuple(draft.line for draft in drafts)
    return log.result(build_quiz(header, drafts, log), question_lines=lines)


def _rows(text: str, log: ProblemLog) -> list[_Row] | None:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    columns = [_column(name) for name in header or []]
    if "question" not in columns or "answer" not in columns or "A" not in columns:
        log.error(
            1,
            "the first row must be a header with at least `question, A, B, answer` "
            "(and optionally C, D, E, explanation, seconds, tags)",
        )
        return None
    for name, original in zip(columns, header or [], strict=True):
        if name not in _KNOWN and name not in LETTERS and original.strip():
            log.warn(1, f"column {original.strip()!r} is not one the importer reads; ignored")
    rows: list[_Row] = []
    end_of_previous = reader.line_num
    for record in reader:
        start = end_of_previous + 1
        end_of_previous = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        cells = {name: value.strip() for name, value in zip(columns, record, strict=False) if name}
        if len(record) > len(columns):
            log.warn(
                start, f"row has {len(record)} cells but the header has {len(columns)}; extra cells ignored"
            )
        rows.append(_Row(start, cells))
    return rows


def _column(name: str) -> str:
    lowered = " ".join(name.strip().lower().replace("_", " ").split())
    lowered = _ALIASES.get(lowered, lowered)
    option = _OPTION_COLUMN.match(lowered)
    if option is not None:
        return option.group("letter").upper()
    return lowered


def _draft(row: _Row, position: int, log: ProblemLog) -> DraftQuestion | None:
    label = f"question {position}"
    prompt = row.cells.get("question", "")
    if not prompt:
        log.error(row.line, f"{label} has an empty `question` cell; fill it in or delete the row")
        return None
    options = [row.cells.get(letter, "") for letter in LETTERS]
    while options and not options[-1]:
        options.pop()
    if "" in options:
        gap = letter_of(options.index(""))
        log.error(
            row.line, f"{label}: option {gap} is empty but a later option is not; fill the options in order"
        )
        return None
    if not check_choice_count(log, row.line, label, len(options)):
        return None
    cell = row.cells.get("answer", "")
    readings = _answer_readings(cell, options)
    if not readings:
        log.error(
            row.line,
            f"{label}: answer {cell!r} is not a letter A-{letter_of(len(options) - 1)}, "
            "an option number or an option's text",
        )
        return None
    if len(readings) > 1:
        meanings = " and ".join(
            f"{how} names option {letter_of(index)} ({options[index]!r})" for index, how in readings.items()
        )
        letters = " or ".join(letter_of(index) for index in readings)
        log.error(
            row.line,
            f"{label}: answer {cell!r} is ambiguous: {meanings}; write the letter instead ({letters})",
        )
        return None
    (answer,) = readings
    tags = tuple(tag.strip() for tag in re.split(r"[;,]", row.cells.get("tags", "")) if tag.strip())
    return DraftQuestion(
        line=row.line,
        label=label,
        prompt=prompt,
        choices=tuple(options),
        answer=answer,
        explanation=row.cells.get("explanation", ""),
        tags=tags,
    )


def _answer_readings(cell: str, options: list[str]) -> dict[int, str]:
    """Every option the answer cell can name, with how: a letter, an option number or an option's text.

    Options are often numbers themselves (`5,6,0,1`), so a cell such as `1` can be both option A's
    number and option D's text; the caller refuses that instead of picking one.
    """
    readings: dict[int, str] = {}
    if len(cell) == 1 and cell.upper() in LETTERS and index_of(cell) < len(options):
        readings[index_of(cell)] = "as a letter it"
    if _NUMBER.fullmatch(cell) and 1 <= int(cell) <= len(options):
        readings.setdefault(int(cell) - 1, "as an option number it")
    for index, option in enumerate(options):
        if normalized(option) == normalized(cell):
            readings.setdefault(index, "as an option's exact text it")
    return readings


def _seconds(row: _Row, position: int, log: ProblemLog) -> int | None:
    text = row.cells.get("seconds", "")
    if not text:
        return None
    if not text.isdigit() or not MIN_SECONDS <= int(text) <= MAX_SECONDS:
        log.error(
            row.line,
            f"question {position}: seconds must be a whole number from {MIN_SECONDS} to {MAX_SECONDS}",
        )
        return None
    return int(text)


def _quiz_seconds(seconds: list[tuple[int, int]], log: ProblemLog) -> int:
    """A quiz has one time per question; rows that differ get the longest, so nobody is rushed."""
    if not seconds:
        return DEFAULT_SECONDS
    longest = max(value for value, _line in seconds)
    if len({value for value, _line in seconds}) > 1:
        log.warn(
            seconds[0][1],
            "rows give different `seconds`; a quiz has one time per question, "
            f"so all get {longest} (the longest)",
        )
    return longest
