"""SQL for per-guild settings and the bot's own key/value bookkeeping (e.g. the command tree hash)."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from bot.domain.guild_settings import GuildSettings
from bot.domain.runs import ScoringMode
from bot.storage.database import Database

_COLUMNS = [f.name for f in fields(GuildSettings)]


class SettingsStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        row = await self._db.fetch_one(
            f"SELECT {', '.join(_COLUMNS)} FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        if row is None:
            return GuildSettings(guild_id=guild_id)
        values: dict[str, Any] = dict(zip(_COLUMNS, row, strict=True))
        values["scoring_mode"] = ScoringMode(values["scoring_mode"])
        values["practice_on_series"] = bool(values["practice_on_series"])
        return GuildSettings(**values)

    async def update_guild_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Apply the given changes (field=value) and return the stored settings."""
        updated = replace(await self.guild_settings(guild_id), **changes)
        values = [getattr(updated, name) for name in _COLUMNS]
        placeholders = ", ".join("?" for _ in _COLUMNS)
        assignments = ", ".join(f"{name} = excluded.{name}" for name in _COLUMNS[1:])
        await self._db.execute(
            f"INSERT INTO guild_settings ({', '.join(_COLUMNS)}) VALUES ({placeholders}) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {assignments}",
            [v.value if isinstance(v, ScoringMode) else v for v in values],
        )
        return updated

    async def get_meta(self, key: str) -> str | None:
        row = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
