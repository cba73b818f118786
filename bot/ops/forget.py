"""`quizbot forget USER_ID [--guild ID]`: what /privacy's Forget me does, from the shell.

It uses the same storage code as the bot, on the same database (a SQLite file or a PostgreSQL URL): both let
it run while the bot does (the bot holds no member data in memory that this would leave stale).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.domain.errors import EXIT_CONFIG, QuizbotError, exit_code
from bot.storage import open_storage
from bot.storage.privacy import ForgetResult

# Discord ids (snowflakes) are positive 64-bit integers.
MAX_SNOWFLAKE = 2**63 - 1


def _error(text: str, code: int) -> int:
    print(f"quizbot: {text}", file=sys.stderr)
    return code


def run_forget(database: Path | str, user_id: int, guild_id: int | None) -> int:
    for name, value in (("USER_ID", user_id), ("--guild", guild_id)):
        if value is not None and not 0 < value <= MAX_SNOWFLAKE:
            return _error(
                f"{name} must be a Discord id (a positive number like 123456789012345678), got {value}", EXIT_CONFIG
            )
    if isinstance(database, Path) and not database.is_file():
        return _error(f"no database at {database}: check QUIZBOT_DB (or pass --db)", EXIT_CONFIG)
    try:
        result = asyncio.run(_forget(database, user_id, guild_id))
    except QuizbotError as error:
        return _error(str(error), exit_code(error))
    print(summary(user_id, guild_id, result))
    return 0


def summary(user_id: int, guild_id: int | None, result: ForgetResult) -> str:
    """The one line `quizbot forget` prints."""
    where = f"in server {guild_id}" if guild_id is not None else "in every server"
    if not result.servers:
        return f"nothing stored for member {user_id} {where}: no answers to forget"
    if guild_id is None:
        where += f" ({_count(len(result.servers), 'server')})"
    return (
        f"forgot member {user_id} {where}: deleted {_count(result.answers, 'answer')}, leaderboards and stats "
        "recomputed; runs and quizzes stay"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


async def _forget(database: Path | str, user_id: int, guild_id: int | None) -> ForgetResult:
    # Opened like the bot opens it (forget writes), which refuses another program's file untouched.
    storage = await open_storage(database)
    try:
        return await storage.privacy.forget(user_id, guild_id)
    finally:
        await storage.close()
