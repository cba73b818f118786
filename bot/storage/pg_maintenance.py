"""What `quizbot doctor` reads from a PostgreSQL database: schema version, shards held and recorded, daily channels.

One short read-only connection beside the running bots; it changes nothing (not even the schema: an old
database is reported, and migrated by the next `quizbot run`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.database_target import redacted
from bot.domain.shards import SHARD_STATE_PREFIX, ShardState
from bot.storage.postgres import QUIZBOT_TABLES, connect_alone, connection_errors
from bot.storage.shard_locks import HeldShard, held_shards_on


@dataclass(frozen=True)
class ServerFacts:
    schema_version: int
    is_quizbot: bool
    # What the bot processes last recorded about their gateway shards, by shard id.
    shard_states: list[ShardState]
    # The shard locks live processes hold now (bot/storage/shard_locks.py), by shard id.
    held: list[HeldShard]
    # (guild id, channel id) of every daily schedule.
    daily_channels: list[tuple[int, int]]
    server_version: str


async def inspect_server(url: str) -> ServerFacts:
    connection = await connect_alone(url, application_name="quizbot doctor", read_only=True)
    try:
        async with connection_errors(redacted(url)):
            server_version = str(await connection.fetchval("SHOW server_version"))
            tables = {
                str(row[0])
                for row in await connection.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            }
            is_quizbot = tables >= QUIZBOT_TABLES
            held = await held_shards_on(connection)
            if not is_quizbot:
                return ServerFacts(0, False, [], held, [], server_version)
            version = await connection.fetchval("SELECT value FROM meta WHERE key = 'schema_version'")
            rows = await connection.fetch(
                "SELECT key, value FROM meta WHERE key LIKE $1 ORDER BY key", f"{SHARD_STATE_PREFIX}%"
            )
            states = (ShardState.decode(str(row["key"]), str(row["value"])) for row in rows)
            channels = await connection.fetch(
                "SELECT guild_id, channel_id FROM daily_schedules ORDER BY guild_id, channel_id"
            )
    finally:
        await connection.close()
    return ServerFacts(
        schema_version=0 if version is None else int(version),
        is_quizbot=True,
        shard_states=sorted((s for s in states if s is not None), key=lambda state: state.shard_id),
        held=held,
        daily_channels=[(int(row[0]), int(row[1])) for row in channels],
        server_version=server_version,
    )
