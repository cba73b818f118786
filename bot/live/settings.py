"""/quiz-settings: how live quizzes run in a server, shown to anyone who asks, changed by Manage Server."""

from __future__ import annotations

import logging

from bot.domain.errors import InvalidOptionError
from bot.domain.guild_settings import GuildSettings, SettingsChange
from bot.domain.permissions import Member, require_may_change_settings
from bot.domain.schedule import canonical_timezone
from bot.storage import Storage

log = logging.getLogger(__name__)


def timezone_named(text: str) -> str:
    """The canonical IANA name for what the member typed; InvalidOptionError says what is valid."""
    try:
        return canonical_timezone(text)
    except ValueError as problem:
        raise InvalidOptionError(str(problem)) from None


class QuizSettings:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def apply(self, member: Member, guild_id: int, change: SettingsChange) -> tuple[GuildSettings, bool]:
        """The server's settings after `change`, and whether anything changed (an empty change only reads)."""
        require_may_change_settings(member)
        fields = change.fields()
        if not fields:
            return await self._storage.settings.guild_settings(guild_id), False
        settings = await self._storage.settings.update_guild_settings(guild_id, **fields)
        log.info("quiz settings changed in guild %d by %d: %s", guild_id, member.user_id, fields)
        return settings, True
