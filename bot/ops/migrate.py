"""`quizbot migrate --to TARGET`: copy the whole database into an empty one, SQLite to PostgreSQL or back.

The source is opened read-only: it never changes, so whatever happens the bot can go on with it. A source of
an older schema is read through a migrated scratch copy (SQLite), or refused until the bot has migrated it
(PostgreSQL), because both sides must be at the schema version this quizbot writes. The target is opened the
way the bot opens it, which creates or migrates its schema.

Everything is read in one read transaction, so a SQLite source that the bot keeps writing is still copied
as it was at one moment; but the answers given after that moment would stay behind in the old database.
Stop every bot process first, and point QUIZBOT_DB at the target before starting them again.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.domain.boards import BoardPage, BoardTarget, Scope
from bot.domain.database_target import redacted
from bot.domain.errors import ConfigError, QuizbotError, exit_code
from bot.storage import Storage, StorageError, is_server_url, open_storage
from bot.storage.copy import (
    Table,
    board_subjects,
    copy_plan,
    copy_tables,
    count_rows,
    empty_tables,
    occupied_tables,
    read_tables,
    refuse_occupied,
)

# Rows per read and per insert: memory stays bounded whatever the size of the database.
BATCH_SIZE = 1000
# Members per board page read for the comparison: a big server's board in a few reads.
BOARD_PAGE_SIZE = 5000
# A viewer id no member has: the comparison reads the boards as anybody sees them.
NOBODY = 0

STOP_THE_BOT = "stop every bot process first: answers given during the copy would stay behind in the source"


class VerificationError(StorageError):
    """The copy does not match the source; the target was emptied again."""


@dataclass(frozen=True)
class MigrateReport:
    source: str
    target: str
    tables: int
    rows: int
    servers: int
    seconds: float


def describe(database: str) -> str:
    """A database as messages name it: a path, or a server URL without its password."""
    return redacted(database) if is_server_url(database) else database


def run_migrate(source: str, target: str) -> int:
    try:
        _refuse_same_database(source, target)
        print(f"copying {describe(source)} into {describe(target)}: {STOP_THE_BOT}", flush=True)
        report = asyncio.run(migrate(source, target))
    except QuizbotError as error:
        print(f"quizbot: {error}", file=sys.stderr)
        return exit_code(error)
    print(summary(report))
    return 0


def summary(report: MigrateReport) -> str:
    return (
        f"copied {report.tables} tables, {report.rows:,} rows in {report.seconds:.1f} s\n"
        f"verified: row counts and leaderboards of {report.servers} "
        f"server{'' if report.servers == 1 else 's'} match\n"
        f"next: set QUIZBOT_DB={report.target} and start the bot; keep {report.source} as it was at the move"
    )


def _refuse_same_database(source: str, target: str) -> None:
    same = source == target if is_server_url(source) else Path(source).resolve() == Path(target).resolve()
    if same:
        raise ConfigError(f"--to names the database being copied ({describe(source)}): name an empty one.")


async def migrate(source: str, target: str, *, batch_size: int = BATCH_SIZE) -> MigrateReport:
    """Copy `source` into the empty `target`, then check every table's rows and every server's boards."""
    started = time.perf_counter()
    source_storage = await open_storage(source, read_only=True)
    try:
        target_storage = await _open_empty_target(target)
        try:
            rows, tables, servers = await _copy_and_verify(source_storage, target_storage, batch_size)
            target_where = target_storage.database.where
        finally:
            await target_storage.close()
    finally:
        await source_storage.close()
    return MigrateReport(
        source=describe(source),
        target=target_where,
        tables=tables,
        rows=rows,
        servers=servers,
        seconds=time.perf_counter() - started,
    )


async def _open_empty_target(target: str) -> Storage:
    """The target opened for writing, once it is known to hold no data (a SQLite file is looked at first,
    read-only, so a full one is left exactly as it was)."""
    if not is_server_url(target) and await asyncio.to_thread(_existing_sqlite_file, Path(target)):
        probe = await open_storage(target, read_only=True)
        try:
            tables = await read_tables(probe.database)
            refuse_occupied(await occupied_tables(probe.database, tables.values()), probe.database.where)
        finally:
            await probe.close()
    return await open_storage(target)


def _existing_sqlite_file(path: Path) -> bool:
    if path.is_dir():
        raise ConfigError(f"--to {path} is a folder: name a new SQLite file (or a postgresql:// URL).")
    return path.is_file() and path.stat().st_size > 0


async def _copy_and_verify(source: Storage, target: Storage, batch_size: int) -> tuple[int, int, int]:
    """(rows copied, tables, servers compared)."""
    tables = copy_plan(
        await read_tables(source.database),
        await read_tables(target.database),
        source.database.where,
        target.database.where,
    )
    async with source.database.snapshot() as reader:
        copied = await copy_tables(reader, target.database, tables, batch_size=batch_size)
        try:
            source_counts = await count_rows(reader, tables)
            target_counts = await count_rows(target.database, tables)
            for table in tables:
                if (source_counts[table.name], copied[table.name]) != (target_counts[table.name],) * 2:
                    raise VerificationError(
                        f"table {table.name} has {source_counts[table.name]} rows in the source, "
                        f"{copied[table.name]} copied and {target_counts[table.name]} in the target"
                    )
            # On SQLite the source's boards are read inside the snapshot too (one connection).
            servers = await board_subjects(reader)
            for guild_id, quiz_ids in servers.items():
                for board in [BoardTarget(Scope.ALL, guild_id)] + [
                    BoardTarget(Scope.QUIZ, guild_id, quiz_id=quiz_id) for quiz_id in quiz_ids
                ]:
                    if await _whole_board(source, board) != await _whole_board(target, board):
                        about = "all-time" if board.quiz_id is None else f"quiz {board.quiz_id}"
                        raise VerificationError(f"the {about} leaderboard of server {guild_id} differs")
        except Exception as error:
            await _unusable(target, tables, error)
            raise
    return sum(copied.values()), len(tables), len(servers)


async def _unusable(target: Storage, tables: list[Table], error: Exception) -> None:
    """A copy that is not verified must not be used: empty the target again, and say so."""
    where = target.database.where
    try:
        await empty_tables(target.database, tables)
    except Exception as emptying:  # the error that stopped the check comes first
        raise VerificationError(
            f"the copy in {where} is not verified ({error}), and emptying it failed too ({emptying}): do not use "
            "it; empty that database before trying again."
        ) from error
    if isinstance(error, VerificationError):
        raise VerificationError(
            f"verification failed: {error}; the target {where} was emptied again and is not to be used. "
            "This is a bug in quizbot: please report it."
        ) from None
    if isinstance(error, QuizbotError):
        raise VerificationError(
            f"the copy could not be verified ({error}); the target {where} was emptied again: try again."
        ) from error


async def _whole_board(storage: Storage, target: BoardTarget) -> list[BoardPage]:
    pages = [await storage.boards.board(target, page=0, viewer_id=NOBODY, page_size=BOARD_PAGE_SIZE)]
    while len(pages) < pages[0].page_count:
        pages.append(await storage.boards.board(target, page=len(pages), viewer_id=NOBODY, page_size=BOARD_PAGE_SIZE))
    return pages

