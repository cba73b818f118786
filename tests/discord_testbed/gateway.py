"""The gateway websocket: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME and dispatches.

Sharded like Discord: IDENTIFY may carry `shard: [shard_id, num_shards]`; a session then hears only the
guilds with `(guild_id >> 22) % num_shards == shard_id` (READY, GUILD_CREATE, every guild event and
interaction), and direct messages only on shard 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.discord_testbed.testbed import TestBed

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0,
    1,
    2,
    6,
    7,
    8,
    9,
    10,
    11,
)
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_PRESENCES_INTENT = 1 << 8
MESSAGE_CONTENT_INTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS_INTENT | GUILD_PRESENCES_INTENT | MESSAGE_CONTENT_INTENT
GUILD_MESSAGES_INTENT = 1 << 9
DIRECT_MESSAGES_INTENT = 1 << 12
# Events that need an intent to be delivered; anything else (INTERACTION_CREATE, READY...) always is.
EVENT_INTENTS = {
    "MESSAGE_CREATE": GUILD_MESSAGES_INTENT,
    "MESSAGE_UPDATE": GUILD_MESSAGES_INTENT,
    "MESSAGE_DELETE": GUILD_MESSAGES_INTENT,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS_INTENT,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS_INTENT,
}


# Close codes Discord documents for sharding (gateway.mdx "Gateway Close Event Codes").
INVALID_SHARD, SHARDING_REQUIRED = 4010, 4011
# "Each shard can only support a maximum of 2,500 guilds" (gateway.mdx "Sharding").
MAX_GUILDS_PER_SHARD = 2500


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's routing formula: the shard a guild's events go to."""
    return (guild_id >> 22) % shard_count


def guild_of(event: str, data: dict[str, Any]) -> int | None:
    """The guild an event is about (None: not a guild's, e.g. a direct message: shard 0 gets it)."""
    if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        return int(data["id"])
    raw = data.get("guild_id")
    return None if raw is None else int(raw)


@dataclass
class GatewaySession:
    """One IDENTIFY: survives a dropped socket so the client can RESUME it."""

    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)  # [shard_id, num_shards] as sent in IDENTIFY
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    outbox: asyncio.Queue[dict[str, Any] | None] | None = None
    heartbeats: int = 0
    resumes: int = 0

    @property
    def live(self) -> bool:
        return self.ws is not None and not self.ws.closed

    @property
    def shard_id(self) -> int:
        return self.shard[0]

    def hears(self, guild_id: int | None) -> bool:
        """Whether Discord routes this guild's events here (None: DMs and the like, shard 0 only)."""
        shard_id, count = self.shard
        return shard_id == 0 if guild_id is None else shard_of(guild_id, count) == shard_id


class Gateway:
    """Serves the gateway websocket for a TestBed and delivers its events to connected bots."""

    def __init__(self, tb: TestBed) -> None:
        self._tb = tb
        self.sessions: list[GatewaySession] = []
        self.identifies = 0
        self.heartbeat_interval_ms = 41250

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if s.live]

    def sessions_for(self, guild_id: int | None) -> list[GatewaySession]:
        """The live sessions Discord would send this guild's events to: those on its shard."""
        return [s for s in self.live_sessions() if s.hears(guild_id)]

    def dispatch(
        self, event: str, data: dict[str, Any], *, only: GatewaySession | None = None, intent: int | None = None
    ) -> None:
        """Queue an event for every live session on the shard of its guild that asked for it (or only for `only`).

        `intent` overrides the event's usual intent (a message in a DM needs DIRECT_MESSAGES, not GUILD_MESSAGES).
        """
        targets = [only] if only is not None else self.sessions_for(guild_of(event, data))
        needed = EVENT_INTENTS.get(event, 0) if intent is None else intent
        for session in targets:
            if needed and not session.intents & needed:
                continue
            session.seq += 1
            frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
            session.sent.append(frame)
            if session.outbox is not None:
                session.outbox.put_nowait(frame)

    def request_reconnect(self, session: GatewaySession) -> None:
        """Op 7: Discord asks the client to reconnect and RESUME."""
        if session.outbox is not None:
            session.outbox.put_nowait({"op": RECONNECT, "d": None})

    async def close_all(self) -> None:
        for session in self.sessions:
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        writer = asyncio.create_task(self._write(ws, outbox))
        outbox.put_nowait({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        session: GatewaySession | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, data = frame.get("op"), frame.get("d")
                if op == HEARTBEAT:
                    if session is not None:
                        session.heartbeats += 1
                    self._tb.heartbeats += 1
                    outbox.put_nowait({"op": HEARTBEAT_ACK, "d": None})
                elif op == IDENTIFY:
                    session = await self._identify(ws, outbox, data)
                    if session is None:
                        break
                elif op == RESUME:
                    session = self._resume(ws, outbox, data)
                elif op == REQUEST_MEMBERS and session is not None:
                    self._send_members(session, data)
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                session.outbox = None
            outbox.put_nowait(None)
            with contextlib.suppress(Exception):
                await writer
            self._tb.notify()
        return ws

    async def _write(self, ws: web.WebSocketResponse, outbox: asyncio.Queue[dict[str, Any] | None]) -> None:
        # One writer per socket keeps frames in sequence order whatever task queued them.
        while (frame := await outbox.get()) is not None:
            if ws.closed:
                return
            frame.setdefault("s", None)
            frame.setdefault("t", None)
            await ws.send_str(json.dumps(frame))

    async def _identify(
        self, ws: web.WebSocketResponse, outbox: asyncio.Queue[dict[str, Any] | None], data: dict[str, Any]
    ) -> GatewaySession | None:
        tb = self._tb
        if data.get("token") != tb.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~tb.granted_privileged_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = data.get("shard") or [0, 1]
        shard_id, shard_count = int(shard[0]), int(shard[1])
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return None
        on_shard = [g for g in tb.guilds.values() if shard_of(g.id, shard_count) == shard_id]
        if len(on_shard) > MAX_GUILDS_PER_SHARD:
            await ws.close(code=SHARDING_REQUIRED, message=b"Sharding required.")
            return None
        session = GatewaySession(
            id=uuid.uuid4().hex, intents=intents, shard=(shard_id, shard_count), ws=ws, outbox=outbox
        )
        self.sessions.append(session)
        self.identifies += 1
        ready = {
            "v": 10,
            "user": {**tb.bot_user.to_payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in on_shard],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": tb.gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(tb.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
        }
        self.dispatch("READY", ready, only=session)
        for guild in on_shard:
            self.dispatch("GUILD_CREATE", guild.create_payload(), only=session)
        # Sent after the GUILD_CREATEs on the same socket, so the bot has its guilds once it sees this.
        tb.notify()
        return session

    def _resume(
        self, ws: web.WebSocketResponse, outbox: asyncio.Queue[dict[str, Any] | None], data: dict[str, Any]
    ) -> GatewaySession | None:
        session = next((s for s in self.sessions if s.id == data.get("session_id")), None)
        if session is None or data.get("token") != self._tb.token:
            outbox.put_nowait({"op": INVALID_SESSION, "d": False})
            return None
        session.ws, session.outbox = ws, outbox
        session.resumes += 1
        last_seen = int(data.get("seq") or 0)
        for frame in session.sent:
            if frame["s"] > last_seen:
                outbox.put_nowait(frame)
        self.dispatch("RESUMED", {}, only=session)
        self._tb.notify()
        return session

    def _send_members(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self._tb.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in guild.members.values()],
            "chunk_index": 0,
            "chunk_count": 1,
            "nonce": data.get("nonce"),
        }
        self.dispatch("GUILD_MEMBERS_CHUNK", chunk, only=session)
