"""`quizbot export` and `quizbot rescore`: the stored answers as CSV, and re-marking them after a key fix."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.domain.errors import EXIT_CONFIG, QuizbotError, exit_code
from bot.domain.quiz import Quiz, is_valid_quiz_id
from bot.ops.answers_csv import write_answers_csv
from bot.quizfiles import QuizCatalog
from bot.storage import open_storage
from bot.storage.boards import RescoreResult


def parse_since(text: str) -> datetime:
    """A date (YYYY-MM-DD, midnight UTC) or an ISO date-time; naive times are read as UTC."""
    try:
        moment = datetime.fromisoformat(text) if "T" in text or " " in text else None
        if moment is None:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        raise ValueError(f"--since must be a date like 2026-11-01 (or 2026-11-01T18:00), got {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def run_export(database: Path | str, guild_id: int, output: Path, *, quiz_id: str | None, since: str | None) -> int:
    try:
        since_at = None if since is None else parse_since(since)
    except ValueError as error:
        print(f"quizbot: {error}", file=sys.stderr)
        return 2
    if quiz_id is not None and not is_valid_quiz_id(quiz_id):
        print(f"quizbot: --quiz {quiz_id!r} is not a quiz id (lowercase letters, digits, - and _)", file=sys.stderr)
        return 2
    try:
        count = asyncio.run(_export(database, guild_id, output, quiz_id, since_at))
    except QuizbotError as error:
        print(f"quizbot: {error}", file=sys.stderr)
        return exit_code(error)
    except OSError as error:
        print(f"quizbot: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {count} answers to {output}")
    return 0


async def _export(
    database: Path | str, guild_id: int, output: Path, quiz_id: str | None, since: datetime | None
) -> int:
    # Read-only: exporting from the live database or a backup file changes neither, not even its journal mode.
    storage = await open_storage(database, read_only=True)
    try:
        rows = [row async for row in storage.boards.answer_rows(guild_id, quiz_id=quiz_id, since=since)]
    finally:
        await storage.close()
    with output.open("w", encoding="utf-8", newline="") as out:
        return write_answers_csv(rows, out)


def run_rescore(database: Path | str, quizzes_dir: Path, quiz_id: str) -> int:
    catalog = QuizCatalog.load(quizzes_dir)
    quiz = catalog.get(quiz_id)
    if quiz is None:
        print(
            f"quizbot: no valid quiz {quiz_id!r} in {quizzes_dir}: check the id with `quizbot validate`",
            file=sys.stderr,
        )
        return 1
    if isinstance(database, Path) and not database.is_file():
        print(f"quizbot: no database at {database}: check QUIZBOT_DB (or pass --db)", file=sys.stderr)
        return EXIT_CONFIG
    try:
        # Opened like the bot opens it (rescore writes), which refuses another program's file untouched.
        result = asyncio.run(_rescore(database, quiz))
    except QuizbotError as error:
        print(f"quizbot: {error}", file=sys.stderr)
        return exit_code(error)
    print(f"rescored {quiz_id}: {result.answers_changed} answers changed ({result.keys_changed} stored keys corrected)")
    if result.skipped:
        print(
            "left alone (their number of choices changed, so they are different questions now): "
            + ", ".join(result.skipped)
        )
    return 0


async def _rescore(database: Path | str, quiz: Quiz) -> RescoreResult:
    storage = await open_storage(database)
    try:
        return await storage.boards.rescore(quiz)
    finally:
        await storage.close()
