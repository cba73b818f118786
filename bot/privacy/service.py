"""What /privacy does, without Discord: hide a member, hand them their data, forget them (docs/privacy.md).

Everything is per server: a member hidden in one server is shown in another, and /privacy exports and
forgets what is stored from this server only (`quizbot forget USER_ID` without --guild covers all).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.domain.clock import Clock
from bot.domain.errors import QuizbotError
from bot.storage import Storage
from bot.storage.privacy import MEMBER_TABLES, Forget, ForgetResult

log = logging.getLogger(__name__)

EXPORT_FORMAT = "quizbot member export, version 1"
EXPLAINED_IN = "docs/privacy.md in the quizbot repository"


class PrivacyRefusedError(QuizbotError):
    """A /privacy action that cannot be done; the message says why."""


@dataclass(frozen=True)
class PrivacyStatus:
    hidden: bool
    answers: int  # answers stored for the member in this server


@dataclass(frozen=True)
class MemberExport:
    filename: str
    data: bytes  # UTF-8 JSON
    rows: int


def export_document(user_id: int, guild_id: int | None, data: dict[str, list[dict[str, Any]]], now: str) -> bytes:
    """The member's rows as one JSON document: each table with what it is and what Forget me does to it."""
    tables: dict[str, Any] = {}
    for table in MEMBER_TABLES:
        forget = table.forget.value if table.forget is not Forget.KEEP else f"kept: {table.why_kept}"
        rows = [{key: _text_id(key, value) for key, value in row.items()} for row in data.get(table.key, [])]
        tables[table.key] = {"what": table.what, "forget_me": forget, "rows": rows}
    document = {
        "format": EXPORT_FORMAT,
        "member_id": str(user_id),
        "server_id": None if guild_id is None else str(guild_id),
        "exported_at": now,
        "explained_in": EXPLAINED_IN,
        "tables": tables,
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode()


def _text_id(key: str, value: Any) -> Any:
    """Ids as text: a JSON reader that parses numbers as doubles would round a snowflake."""
    return str(value) if key.endswith("_id") and isinstance(value, int) else value


class PrivacyService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def status(self, guild_id: int, user_id: int) -> PrivacyStatus:
        privacy = self._storage.privacy
        return PrivacyStatus(
            await privacy.is_hidden(guild_id, user_id), await privacy.answer_count(user_id, guild_id)
        )

    async def set_hidden(self, guild_id: int, user_id: int, hidden: bool) -> PrivacyStatus:
        await self._storage.privacy.set_hidden(guild_id, user_id, hidden, now=self._clock.now())
        log.info("member %d %s public boards in guild %d", user_id, "left" if hidden else "rejoined", guild_id)
        return await self.status(guild_id, user_id)

    async def export(self, guild_id: int, user_id: int) -> MemberExport:
        data = await self._storage.privacy.member_data(user_id, guild_id)
        now = self._clock.now()
        body = export_document(user_id, guild_id, data, now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        log.info("member %d exported their data in guild %d", user_id, guild_id)
        return MemberExport(
            f"quizbot-{guild_id}-{user_id}-{now:%Y%m%d}.json", body, sum(len(rows) for rows in data.values())
        )

    async def forget_preview(self, guild_id: int, user_id: int) -> int:
        """How many answers Forget me would delete; PrivacyRefusedError when there is nothing to forget."""
        answers = await self._storage.privacy.answer_count(user_id, guild_id)
        if answers == 0 and await self._storage.suggestions.count_by_author(guild_id, user_id) == 0:
            raise PrivacyRefusedError(
                "There is nothing to forget: no answers of yours are stored in this server. "
                "Quizzes you started or uploaded stay with the server (see Export my data)."
            )
        return answers

    async def forget(self, guild_id: int, user_id: int) -> ForgetResult:
        result = await self._storage.privacy.forget(user_id, guild_id)
        log.info("forgot member %d in guild %d: %d answers deleted", user_id, guild_id, result.answers)
        return result
