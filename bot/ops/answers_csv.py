"""The answers CSV of /quiz-report and `quizbot export`: one row per stored answer."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from bot.domain.item_analysis import AnswerRow
from bot.domain.quiz import index_of, letter_of

HEADER = ("run", "question_id", "member_id", "member_name", "choice", "correct", "seconds")


def write_answers_csv(rows: Iterable[AnswerRow], out: TextIO) -> int:
    """Write the header and the rows; returns how many rows were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for row in rows:
        writer.writerow(
            (
                row.run_id,
                row.question_id,
                row.user_id,
                # A name starting with = + - @ would run as a formula in a spreadsheet: keep it text.
                _defuse_formula(row.user_name),
                letter_of(row.choice),
                "yes" if row.correct else "no",
                f"{row.seconds:.3f}",
            )
        )
        count += 1
    return count


def read_answers_csv(source: TextIO) -> list[AnswerRow]:
    """Read a file written by `write_answers_csv` back into rows."""
    reader = csv.reader(source)
    header = next(reader, None)
    if header is None or tuple(header) != HEADER:
        raise ValueError(f"not a quizbot answers CSV: the first line must be {','.join(HEADER)}")
    return [
        AnswerRow(
            run_id=int(run),
            question_id=question_id,
            user_id=int(member_id),
            user_name=_restore_formula(member_name),
            choice=index_of(choice),
            correct=correct == "yes",
            seconds=float(seconds),
        )
        for run, question_id, member_id, member_name, choice, correct, seconds in reader
    ]


def _defuse_formula(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "'") else text


def _restore_formula(text: str) -> str:
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "'") else text
