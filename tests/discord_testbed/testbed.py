"""The test bed: an offline Discord on 127.0.0.1 and the API tests use to act as members and look around."""

# The waiting helpers take `timeout=` like asyncio.wait_for: it is the test-facing API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.discord_testbed.attachments import Cdn, CdnFile, message_attachments
from tests.discord_testbed.gateway import DIRECT_MESSAGES_INTENT, Gateway, GatewaySession, shard_of
from tests.discord_testbed.modals import ModalSubmission
from tests.discord_testbed.model import (
    DM,
    PUBLIC_THREAD,
    Button,
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    Overwrite,
    Permission,
    Role,
    SnowflakeFactory,
    User,
    iso_now,
)
from tests.discord_testbed.openapi import SpecChecker, load_spec_checker, spec_path
from tests.discord_testbed.rest import Fault, RequestRecord, RestApi, RouteLimit, Violation, fault_for

# Obviously not a Discord token; shaped like one (three dot-separated parts) so settings accept it.
FAKE_TOKEN = "TESTBED-FAKE-TOKEN.not-a-real-secret.offline-tests-only"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
OPTION_TYPES = {
    "string": 3,
    "integer": 4,
    "boolean": 5,
    "user": 6,
    "channel": 7,
    "role": 8,
    "number": 10,
    "attachment": 11,
}


class InteractionResult:
    """What the bot did with one interaction the test sent; reads the live state, so edits show up."""

    def __init__(self, tb: TestBed, interaction: Interaction) -> None:
        self._tb = tb
        self.interaction = interaction

    @property
    def response_type(self) -> int | None:
        return self.interaction.response_type

    @property
    def message(self) -> Message | None:
        """The original response message (for a click answered with type 6/7: the clicked message)."""
        return self._tb.messages.get(self.interaction.original_message_id or 0)

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and self.message.ephemeral

    @property
    def followups(self) -> list[Message]:
        return [
            self._tb.messages[i]
            for i in self.interaction.followup_ids
            if i != self.interaction.original_message_id
        ]

    @property
    def choices(self) -> list[dict[str, Any]]:
        """The autocomplete choices (type 8 answers)."""
        return list((self.interaction.response_data or {}).get("choices", []))

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.interaction.response_data if self.interaction.response_type == 9 else None

    async def wait_final(self, timeout: float = 3.0) -> Message:
        """The original message once it is no longer a "thinking…" placeholder."""
        await self._tb.wait_until(
            lambda: self.message is not None and not self.message.loading, timeout=timeout
        )
        assert self.message is not None
        return self.message

    def __repr__(self) -> str:
        return f"<InteractionResult type={self.response_type} message={self.message!r}>"


class TestBed:
    """A Discord-compatible server plus the state it keeps; tests talk to it, the bot connects to it."""

    __test__ = False  # not a pytest test class

    def __init__(self, *, spec: Path | bool = True) -> None:
        self._ids = SnowflakeFactory()
        self.token = FAKE_TOKEN
        self.owner = User(self._ids(), "server-owner")
        self.bot_user = User(self._ids(), "QuizBot", bot=True)
        self.application_id = self.bot_user.id
        self.users: dict[int, User] = {u.id: u for u in (self.owner, self.bot_user)}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.dm_channels: dict[int, Channel] = {}  # by the member's user id, opened by POST /users/@me/channels
        # Members who turned off direct messages from server members: the bot's DMs to them get 403 50007.
        self.dms_closed: set[int] = set()
        self.messages: dict[int, Message] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.submitted_modals: set[int] = set()  # ids of the interactions whose modal was submitted
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.sync_calls: list[tuple[str, int | None]] = []
        self.requests: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.route_limits: dict[str, RouteLimit] = {}
        self.forced_429s: dict[str, list[float]] = {}
        self.faults: list[Fault] = []
        # Interactions whose answer was taken but lost on the way back (an `after` fault).
        self.lost_replies: set[int] = set()
        self.heartbeats = 0
        # Discord's timings; tests may shrink them (or move `clock`) instead of sleeping.
        self.interaction_deadline = 3.0
        self.token_ttl = 15 * 60.0
        # enforce_nonce: a nonce is unique per author "in the past few minutes" (Discord gives no number).
        self.nonce_ttl = 3 * 60.0
        self.response_timeout = 5.0
        # Sent in every interaction; uploads over it are refused (413), members cannot attach bigger files.
        self.attachment_size_limit = ATTACHMENT_SIZE_LIMIT
        self._clock_offset = 0.0
        self.granted_privileged_intents = 0
        # What GET /gateway/bot recommends as `shards` (an AutoShardedClient without a count uses it).
        self.recommended_shards = 1
        self.session_start_total = 1000
        # Opt-in project rule: any text without allowed_mentions {"parse": []} is a violation.
        self.forbid_pings = False
        self.spec: SpecChecker | None = self._load_spec(spec)
        self.gateway = Gateway(self)
        self.cdn = Cdn(lambda: f"http://127.0.0.1:{self.port}", self._still_attached)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # Bots started against this test bed; each is stopped with it, so none outlives its test.
        self.on_stop: list[Callable[[], Awaitable[None]]] = []
        self.port = 0
        self.guild = self.add_guild("Test Guild")
        self.general = next(iter(self.guild.channels.values()))

    @staticmethod
    def _load_spec(spec: Any) -> SpecChecker | None:
        if spec is False or spec is None:
            return None
        return load_spec_checker(spec_path() if spec is True else spec)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        RestApi(self).install(app)
        self.cdn.install(app)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        while self.on_stop:
            await self.on_stop.pop()()
        await self.gateway.close_all()
        self.cdn.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> TestBed:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def clock(self) -> float:
        return time.monotonic() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move Discord's clock forward (interaction deadlines, token lifetimes) without sleeping."""
        self._clock_offset += seconds

    # -- waiting --------------------------------------------------------------------------------

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 3.0, what: str = "") -> Any:
        """Wait until `predicate()` is truthy (re-checked on every state change) and return its value."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.02))
        return value

    async def wait_connected(self, identifies: int = 1, timeout: float = 10.0) -> GatewaySession:
        """Wait until the `identifies`-th IDENTIFY got READY and its GUILD_CREATEs (not `on_ready`)."""
        await self.wait_until(
            lambda: self.gateway.identifies >= identifies and self.gateway.live_sessions(),
            timeout,
            what=f"IDENTIFY #{identifies}",
        )
        return self.gateway.live_sessions()[-1]

    async def wait_for_message(
        self,
        channel: Channel,
        predicate: Callable[[Message], bool] = lambda m: True,
        *,
        user: User | None = None,
        timeout: float = 3.0,
    ) -> Message:
        def find() -> Message | None:
            return next((m for m in self.visible_messages(channel, user=user) if predicate(m)), None)

        return await self.wait_until(find, timeout, what=f"a matching message in #{channel.name}")

    # -- building the world ---------------------------------------------------------------------

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        channels: Iterable[str] = ("general",),
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A new guild; `shard=(shard_id, num_shards)` picks its id so Discord's formula puts it on that shard."""
        guild = Guild(self._guild_id(shard), name, owner_id=self.owner.id)
        guild.roles[guild.id] = Role(guild.id, "@everyone", Permission.MEMBER_DEFAULT)
        bot_role = Role(self._ids(), self.bot_user.name, Permission.BOT_DEFAULT, position=1)
        guild.roles[bot_role.id] = bot_role
        guild.members[self.owner.id] = Member(self.owner)
        guild.members[self.bot_user.id] = Member(self.bot_user, [bot_role.id])
        self.guilds[guild.id] = guild
        for channel_name in channels:
            self._new_channel(guild, channel_name)
        self.gateway.dispatch("GUILD_CREATE", guild.create_payload())
        return guild

    def _guild_id(self, shard: tuple[int, int] | None) -> int:
        snowflake = self._ids()
        if shard is None:
            return snowflake
        shard_id, count = shard
        if not 0 <= shard_id < count:
            raise AssertionError(f"shard {shard_id} does not exist among {count}")
        # Move the timestamp part forward by under `count` ms; the increment bits keep it unique.
        timestamp = snowflake >> 22
        return ((timestamp + (shard_id - timestamp) % count) << 22) | (snowflake & 0x3FFFFF)

    def shard_of(self, guild: Guild, shard_count: int = 2) -> int:
        """The shard Discord routes this guild to, out of `shard_count` ((guild_id >> 22) % shard_count)."""
        return shard_of(guild.id, shard_count)

    def _new_channel(self, guild: Guild, name: str) -> Channel:
        channel = Channel(self._ids(), guild.id, name, position=len(guild.channels))
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_channel(self, guild: Guild | None = None, name: str = "quiz") -> Channel:
        guild = guild or self.guild
        channel = self._new_channel(guild, name)
        self.gateway.dispatch("CHANNEL_CREATE", channel.to_payload())
        return channel

    def add_thread(self, parent: Channel, name: str = "thread", *, owner: User | None = None) -> Channel:
        """A public thread in `parent`: in GUILD_CREATE's `threads` if the bot connects later, else THREAD_CREATE."""
        guild = self.guilds[parent.guild_id]
        thread = Channel(
            self._ids(),
            guild.id,
            name,
            type=PUBLIC_THREAD,
            parent_id=parent.id,
            owner_id=(owner or self.owner).id,
        )
        guild.threads[thread.id] = thread
        self.channels[thread.id] = thread
        self.gateway.dispatch("THREAD_CREATE", {**thread.to_payload(), "newly_created": True})
        return thread

    def delete_channel(self, channel: Channel) -> None:
        """An admin deletes the channel (with its threads and messages); REST on it is then 10003."""
        guild = self.guilds[channel.guild_id]
        doomed = [channel, *(t for t in guild.threads.values() if t.parent_id == channel.id)]
        for gone in doomed:
            guild.channels.pop(gone.id, None)
            guild.threads.pop(gone.id, None)
            del self.channels[gone.id]
            for message in self.messages.values():
                if message.channel_id == gone.id:
                    message.deleted = True
        if channel.is_thread:
            self.gateway.dispatch(
                "THREAD_DELETE",
                {
                    "id": str(channel.id),
                    "guild_id": str(guild.id),
                    "parent_id": str(channel.parent_id),
                    "type": channel.type,
                },
            )
        else:
            # discord.py drops the channel's threads itself on CHANNEL_DELETE, as Discord expects.
            self.gateway.dispatch("CHANNEL_DELETE", channel.to_payload())
        self.notify()

    def add_role(self, guild: Guild | None = None, name: str = "role", permissions: int = 0) -> Role:
        guild = guild or self.guild
        role = Role(self._ids(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        self.gateway.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_payload()})
        return role

    def add_member(
        self,
        guild: Guild | None = None,
        name: str = "member",
        *,
        permissions: int | None = None,
        roles: Iterable[Role] = (),
    ) -> User:
        """A new member; `permissions` gives them a role with exactly those extra permission bits."""
        guild = guild or self.guild
        user = User(self._ids(), name)
        self.users[user.id] = user
        role_ids = [r.id for r in roles]
        if permissions is not None:
            role_ids.append(self.add_role(guild, f"{name}-perms", permissions).id)
        guild.members[user.id] = Member(user, role_ids)
        self.gateway.dispatch(
            "GUILD_MEMBER_ADD", {**guild.members[user.id].to_payload(), "guild_id": str(guild.id)}
        )
        return user

    def deny(self, channel: Channel, permissions: int, *, target: User | Role | None = None) -> None:
        """Deny permission bits in a channel (to the bot unless `target` says otherwise)."""
        self._overwrite(channel, target, deny=permissions)

    def allow(self, channel: Channel, permissions: int, *, target: User | Role | None = None) -> None:
        self._overwrite(channel, target, allow=permissions)

    def _overwrite(self, channel: Channel, target: User | Role | None, allow: int = 0, deny: int = 0) -> None:
        if channel.is_thread:
            raise AssertionError(f"thread {channel.name!r} has no overwrites of its own; set them on its parent")
        target = target or self.bot_user
        otype = 1 if isinstance(target, User) else 0
        current = next((o for o in channel.overwrites if (o.type, o.id) == (otype, target.id)), None)
        if current is None:
            current = Overwrite(target.id, otype)
            channel.overwrites.append(current)
        current.allow = (current.allow | allow) & ~deny
        current.deny = (current.deny | deny) & ~allow
        self.gateway.dispatch("CHANNEL_UPDATE", channel.to_payload())

    def close_dms(self, user: User) -> None:
        """The member turns off "Allow direct messages from server members": a DM to them gets 403 50007."""
        self.dms_closed.add(user.id)

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with `user` (Discord has one per pair and hands the same one out again)."""
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = Channel(self._ids(), None, f"dm-{user.name}", type=DM, recipient=user)
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def may_dm(self, user: User) -> bool:
        """Discord delivers a bot's DM only to a member who shares a server with it and has DMs open."""
        shared = any(user.id in g.members and self.bot_user.id in g.members for g in self.guilds.values())
        return shared and user.id not in self.dms_closed

    def dms(self, user: User) -> list[Message]:
        """What the bot sent `user` in DMs, oldest first."""
        channel = self.dm_channels.get(user.id)
        return [] if channel is None else self.visible_messages(channel)

    def _intent(self, message: Message) -> int | None:
        """The intent a session needs to hear about `message` (None: the event's usual one)."""
        return DIRECT_MESSAGES_INTENT if message.guild_id is None else None

    def moderator_delete(self, message: Message) -> None:
        """A moderator deletes the message (the bot learns it only through MESSAGE_DELETE / 404s)."""
        self.delete_message(message)

    def limit_route(self, method: str, route: str, *, limit: int, per: float) -> None:
        """Rate-limit a route per channel, guild or token; routes as in `tb.requests`."""
        self.route_limits[f"{method} {route}"] = RouteLimit(limit, per)

    def force_429(self, method: str, route: str, *, retry_after: float = 0.2, times: int = 1) -> None:
        """Answer the next `times` calls of this route with 429 (with `Via`, so discord.py retries)."""
        self.forced_429s.setdefault(f"{method} {route}", []).extend([retry_after] * times)

    def fail(
        self,
        method: str,
        route: str,
        *,
        status: int,
        code: int | None = None,
        message: str | None = None,
        times: int = 1,
        files: bool | None = None,
        after: bool = False,
    ) -> Fault:
        """Answer the next `times` matching requests with a Discord error instead of handling them.

        Routes as in `tb.requests`; `code`/`message` default to Discord's for the status (400 50035,
        403 50013, 413 40005, ...). `files=True` matches only requests carrying attachments, `False`
        only those without. `after=True`: the request takes effect, only the answer is the error.
        """
        fault = fault_for(
            method, route, status=status, code=code, message=message, times=times, files=files, after=after
        )
        self.faults.append(fault)
        return fault

    def drop_connection(
        self, method: str, route: str, *, times: int = 1, files: bool | None = None, after: bool = False
    ) -> Fault:
        """Close the connection instead of answering the next `times` matching requests (a network error)."""
        fault = fault_for(method, route, status=None, times=times, files=files, after=after)
        self.faults.append(fault)
        return fault

    def take_fault(self, record: RequestRecord) -> Fault | None:
        """The first unspent fault matching this request, now counting it as hit."""
        fault = next((f for f in self.faults if f.matches(record.method, record.route, record.files)), None)
        if fault is not None:
            fault.hits.append(record)
            record.fault = fault
        return fault

    def preload_commands(self, payloads: list[dict[str, Any]], guild: Guild | None = None) -> None:
        """Commands registered earlier (e.g. by a previous deploy); does not count as a sync call."""
        self.store_commands(guild.id if guild else None, payloads)

    # -- state changes the REST API makes -------------------------------------------------------

    def store_commands(self, scope: int | None, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self.commands.get(scope, [])}
        stored = []
        for cmd in payloads:
            key = (cmd["name"], cmd.get("type", 1))
            stored.append(
                {
                    "type": 1,
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    "contexts": None,
                    "integration_types": [0],
                    **cmd,
                    "id": previous.get(key) or str(self._ids()),
                    "application_id": str(self.application_id),
                    "version": str(self._ids()),
                    **({"guild_id": str(scope)} if scope is not None else {}),
                }
            )
        self.commands[scope] = stored
        return stored

    def new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: dict[str, bytes],
        *,
        interaction: Interaction | None = None,
    ) -> Message:
        channel = self.channels[channel_id]
        flags = int(body.get("flags") or 0)
        message = Message(
            id=self._ids(),
            channel_id=channel_id,
            guild_id=channel.guild_id,
            author=self.bot_user,
            content=body.get("content") or "",
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            flags=flags,
            nonce=body.get("nonce"),
            created_clock=self.clock(),
        )
        self._set_attachments(message, self._attachments_for(message, body, files))
        if body.get("message_reference"):
            message.message_reference = body["message_reference"]
            message.type = 19
        if interaction is not None:
            message.webhook_id = message.application_id = self.application_id
            message.type = 20 if interaction.type == 2 else 19 if interaction.type == 3 else 0
            message.interaction_metadata = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self.users[interaction.user_id].to_payload(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id)},
            }
            if flags & Message.EPHEMERAL:
                message.visible_to = interaction.user_id
        self.messages[message.id] = message
        if message.visible_to is None:
            self.gateway.dispatch("MESSAGE_CREATE", message.to_payload(), intent=self._intent(message))
        self.notify()
        return message

    def _attachments_for(
        self, message: Message, body: dict[str, Any], files: dict[str, bytes]
    ) -> list[CdnFile] | None:
        """The files `message` has after this request (None: untouched); refuses what Discord refuses."""
        return message_attachments(
            self.cdn, self._ids, message, body, files, size_limit=self.attachment_size_limit
        )

    @staticmethod
    def _set_attachments(message: Message, found: list[CdnFile] | None) -> None:
        if found is not None:
            message.attachments = [f.to_payload() for f in found]
            message.files = {f.filename: f.data for f in found}

    def _still_attached(self, file: CdnFile) -> bool:
        """Whether the CDN still serves `file` (a member's upload, or one on a message that keeps it)."""
        if file.message_id is None:
            return True
        message = self.messages.get(file.message_id)
        return (
            message is not None
            and not message.deleted
            and any(a["id"] == str(file.id) for a in message.attachments)
        )

    def edit_message(self, message: Message, body: dict[str, Any], files: dict[str, bytes]) -> Message:
        attachments = self._attachments_for(message, body, files)  # may refuse: before any change
        for key in ("content", "embeds", "components"):
            if key in body:
                setattr(
                    message, key, body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can change on an existing message; EPHEMERAL never can.
            message.flags = (message.flags & ~(1 << 2)) | (int(body["flags"]) & (1 << 2))
        self._set_attachments(message, attachments)
        message.flags &= ~Message.LOADING
        message.edited_timestamp = iso_now()
        message.edits += 1
        if message.visible_to is None:
            self.gateway.dispatch("MESSAGE_UPDATE", message.to_payload(), intent=self._intent(message))
        self.notify()
        return message

    def delete_message(self, message: Message) -> None:
        message.deleted = True
        if message.visible_to is None:
            deleted = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                deleted["guild_id"] = str(message.guild_id)
            self.gateway.dispatch("MESSAGE_DELETE", deleted, intent=self._intent(message))
        self.notify()

    def message_with_nonce(self, channel_id: int, nonce: Any) -> Message | None:
        """The bot's message in this channel with this nonce from the last `nonce_ttl` seconds (enforce_nonce)."""
        since = self.clock() - self.nonce_ttl
        return next(
            (
                m
                for m in self.messages.values()
                if m.channel_id == channel_id
                and m.nonce == nonce
                and m.author.id == self.bot_user.id
                and m.created_clock >= since
                and not m.deleted
            ),
            None,
        )

    # -- what members see -----------------------------------------------------------------------

    def visible_messages(self, channel: Channel, user: User | None = None) -> list[Message]:
        """Messages in the channel that `user` sees (all public ones plus their ephemerals), oldest first."""
        uid = user.id if user else None
        return sorted(
            (
                m
                for m in self.messages.values()
                if m.channel_id == channel.id
                and not m.deleted
                and (m.visible_to is None or m.visible_to == uid)
            ),
            key=lambda m: m.id,
        )

    def ephemerals(self, user: User) -> list[Message]:
        return sorted(
            (m for m in self.messages.values() if m.visible_to == user.id and not m.deleted),
            key=lambda m: m.id,
        )

    def last_ephemeral(self, user: User) -> Message | None:
        found = self.ephemerals(user)
        return found[-1] if found else None

    def take_violations(self, kind: str | None = None) -> list[Violation]:
        """Remove and return violations a test expects (all of them, or one kind)."""
        taken = [v for v in self.violations if kind is None or v.kind == kind]
        self.violations = [v for v in self.violations if v not in taken]
        return taken

    @property
    def rate_limited(self) -> list[RequestRecord]:
        """Requests answered with 429 (forced or by a route limit)."""
        return [r for r in self.requests if r.status == 429]

    def calls(self, method: str | None = None, route: str | None = None) -> list[RequestRecord]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (route is None or r.route == route)
        ]

    # -- acting as a member ---------------------------------------------------------------------

    def _find_command(self, name: str, guild_id: int | None) -> dict[str, Any]:
        for scope in (guild_id, None):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        known = sorted(c["name"] for scope in self.commands.values() for c in scope)
        raise AssertionError(f"no registered slash command /{name} (registered: {known})")

    async def slash(
        self,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        user: User,
        channel: Channel | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> InteractionResult:
        """Invoke `/command` ("daily set" for a subcommand) as `user`; waits for the initial response."""
        channel = channel or self.general
        data = self._command_data(command, options or {}, channel, focused=None, user=user)
        return await self._interact(2, data, user, channel, wait=wait, timeout=timeout)

    async def autocomplete(
        self,
        command: str,
        options: dict[str, Any],
        *,
        focused: str,
        user: User,
        channel: Channel | None = None,
        timeout: float | None = None,
    ) -> list[dict[str, Any]]:
        """Type-4 interaction while `user` types `options[focused]`; returns the choices the bot offered."""
        channel = channel or self.general
        data = self._command_data(command, options, channel, focused=focused, user=user)
        result = await self._interact(4, data, user, channel, wait=True, timeout=timeout)
        return result.choices

    async def click(
        self,
        message: Message,
        label: str | None = None,
        *,
        user: User,
        custom_id: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> InteractionResult:
        """Click a button on `message` by label (or its leading letter, e.g. "B") or by custom_id."""
        message = self.messages[message.id]
        if message.deleted:
            raise AssertionError(f"message {message.id} was deleted; nobody can click it")
        if message.visible_to not in (None, user.id):
            raise AssertionError(f"{user.name} cannot see ephemeral message {message.id}")
        button = self._find_button(message, label, custom_id)
        if button.disabled:
            raise AssertionError(f"button {button.label!r} is disabled; Discord clients cannot click it")
        data = {"custom_id": button.custom_id, "component_type": 2}
        channel = self.channels[message.channel_id]
        return await self._interact(3, data, user, channel, message=message, wait=wait, timeout=timeout)

    def attachment(
        self,
        filename: str,
        data: bytes | str,
        *,
        content_type: str | None = None,
        size: int | None = None,
        status: int = 200,
        delay: float = 0.0,
    ) -> CdnFile:
        """A file a member attaches to a command option or a modal's file upload (served by the CDN).

        `size` is the size Discord reports (default: the real one); `status` and `delay` are what the
        CDN URL does when the bot downloads it (e.g. 404, or `delay=30` to hang). All can change later.
        """
        raw = data.encode() if isinstance(data, str) else data
        declared = len(raw) if size is None else size
        if declared > self.attachment_size_limit:
            raise AssertionError(
                f"{filename} is {declared} bytes; Discord's client refuses files over "
                f"attachment_size_limit ({self.attachment_size_limit})"
            )
        file = self.cdn.publish(
            self._ids(), filename, raw, scope=self.application_id, ephemeral=True, content_type=content_type
        )
        file.size, file.status, file.delay = declared, status, delay
        return file

    async def submit_modal(
        self,
        modal: InteractionResult | dict[str, Any],
        values: dict[str, Any] | None = None,
        *,
        user: User | None = None,
        channel: Channel | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> InteractionResult:
        """Fill in and submit a modal the bot showed (type 9), as a MODAL_SUBMIT interaction.

        `values` maps each input (by custom_id, or by the label the member reads: discord.py makes up
        custom_ids) to what the member enters: a string (text input), option value(s)
        (select, radio, checkbox group), a bool (checkbox), `attachment(...)` file(s) (file upload);
        inputs left out keep their pre-filled value. Values the client would not submit (required but
        empty, too short/long, not an option, ...) raise AssertionError. Only the member it was shown
        to can submit it, once; for a modal opened from a button, the submit carries that message.
        """
        message: Message | None = None
        origin_id: int | None = None
        if isinstance(modal, InteractionResult):
            origin = modal.interaction
            if modal.modal is None:
                raise AssertionError(f"the bot answered with type {modal.response_type}, not a modal (9)")
            if origin.id in self.submitted_modals:
                raise AssertionError("this modal was already submitted; Discord closed it")
            shown_to = self.users[origin.user_id]
            if user is not None and user.id != shown_to.id:
                raise AssertionError(f"only {shown_to.name} sees this modal, not {user.name}")
            user, data = shown_to, modal.modal
            channel = channel or self.channels[origin.channel_id]
            if origin.message_id is not None:
                message = self.messages[origin.message_id]
            origin_id = origin.id
        else:
            if user is None:
                raise AssertionError("submit_modal(<modal dict>, ...) needs user=")
            data = modal
        submission = ModalSubmission(data, values or {}, size_limit=self.attachment_size_limit).data()
        if origin_id is not None:
            self.submitted_modals.add(origin_id)
        channel = channel or self.general
        return await self._interact(5, submission, user, channel, message=message, wait=wait, timeout=timeout)

    @staticmethod
    def _find_button(message: Message, label: str | None, custom_id: str | None) -> Button:
        buttons = [b for b in message.buttons if b.custom_id is not None]
        if custom_id is not None:
            found = [b for b in buttons if b.custom_id == custom_id]
        else:
            found = [b for b in buttons if b.label == label] or [
                b for b in buttons if b.label and label and b.label.split()[0].rstrip(").:") == label
            ]
        if len(found) != 1:
            shown = [(b.label, b.custom_id) for b in message.buttons]
            raise AssertionError(
                f"expected one button {label or custom_id!r} on message {message.id}, have {shown}"
            )
        return found[0]

    def _command_data(
        self, command: str, given: dict[str, Any], channel: Channel, focused: str | None, user: User
    ) -> dict[str, Any]:
        guild = self.guilds[channel.guild_id]
        root_name, *path = command.split()
        cmd = self._find_command(root_name, guild.id)
        declared = cmd.get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        leaf: list[dict[str, Any]] = []
        nesting: list[dict[str, Any]] = []
        for part in path:
            sub = next((o for o in declared if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                raise AssertionError(f"/{command}: {part!r} is not a subcommand of /{root_name}")
            nesting.append({"name": part, "type": sub["type"], "options": []})
            declared = sub.get("options") or []
        if any(o["type"] in (1, 2) for o in declared):
            raise AssertionError(f"/{command} needs a subcommand: {[o['name'] for o in declared]}")
        by_name = {o["name"]: o for o in declared}
        unknown = set(given) - set(by_name)
        if unknown:
            raise AssertionError(
                f"/{command} declares no option(s) {sorted(unknown)}; it has {sorted(by_name)}"
            )
        if focused is None:
            missing = [o["name"] for o in declared if o.get("required") and o["name"] not in given]
            if missing:
                raise AssertionError(f"/{command} requires {missing}; Discord would not send it")
        for opt in declared:
            if opt["name"] not in given:
                continue
            value = self._option_value(opt, given[opt["name"]], guild, user, resolved)
            entry: dict[str, Any] = {"name": opt["name"], "type": opt["type"], "value": value}
            if focused == opt["name"]:
                entry["focused"] = True
            leaf.append(entry)
        options = leaf
        for level in reversed(nesting):
            level["options"] = options
            options = [level]
        data: dict[str, Any] = {"id": cmd["id"], "name": root_name, "type": 1, "options": options}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(
        self,
        opt: dict[str, Any],
        value: Any,
        guild: Guild,
        invoker: User,
        resolved: dict[str, dict[str, Any]],
    ) -> Any:
        otype = opt["type"]
        if otype == 6:
            user = value if isinstance(value, User) else self.users[int(value)]
            resolved.setdefault("users", {})[str(user.id)] = user.to_payload()
            if user.id in guild.members:
                member = guild.member_payload(user.id)
                member.pop("user")
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        if otype == 7:
            target = value if isinstance(value, Channel) else self.channels[int(value)]
            payload = target.to_payload()
            payload["permissions"] = str(guild.permissions_in(target, invoker.id))
            resolved.setdefault("channels", {})[str(target.id)] = payload
            return str(target.id)
        if otype == 8:
            role = value if isinstance(value, Role) else guild.roles[int(value)]
            resolved.setdefault("roles", {})[str(role.id)] = role.to_payload()
            return str(role.id)
        if otype == 11:
            if not isinstance(value, CdnFile):
                raise AssertionError(f"option {opt['name']!r} takes a file: testbed.attachment(...), got {value!r}")
            resolved.setdefault("attachments", {})[str(value.id)] = value.to_payload()
            return str(value.id)
        if otype == 4 and not isinstance(value, int):
            raise AssertionError(f"option {opt['name']!r} is an integer, got {value!r}")
        if otype == 10 and not isinstance(value, int | float):
            raise AssertionError(f"option {opt['name']!r} is a number, got {value!r}")
        if otype == 5 and not isinstance(value, bool):
            raise AssertionError(f"option {opt['name']!r} is a boolean, got {value!r}")
        if otype == 3 and not isinstance(value, str):
            raise AssertionError(f"option {opt['name']!r} is a string, got {value!r}")
        return value

    async def _interact(
        self,
        itype: int,
        data: dict[str, Any],
        user: User,
        channel: Channel,
        *,
        message: Message | None = None,
        wait: bool,
        timeout: float | None,
    ) -> InteractionResult:
        guild = self.guilds[channel.guild_id]
        if channel.id not in self.channels:
            raise AssertionError(f"#{channel.name} was deleted; nobody can use commands in it")
        if user.id not in guild.members:
            raise AssertionError(f"{user.name} is not a member of {guild.name}")
        interaction_id = self._ids()
        token = f"testbed-interaction-token-{secrets.token_hex(16)}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": channel.to_payload(),
            "member": guild.member_payload(user.id, channel),
            "token": token,
            "version": 1,
            "app_permissions": str(guild.permissions_in(channel, self.bot_user.id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": self.attachment_size_limit,
        }
        if message is not None:
            payload["message"] = message.to_payload()
        inter = Interaction(
            id=interaction_id,
            token=token,
            type=itype,
            user_id=user.id,
            guild_id=guild.id,
            channel_id=channel.id,
            payload=payload,
            created_at=self.clock(),
            message_id=message.id if message else None,
        )
        # Discord sends it on the gateway session of the guild's shard (the newest one, if several hold it).
        session = next(reversed(self.gateway.sessions_for(guild.id)), None)
        if session is None:
            if self.gateway.live_sessions():
                held = sorted({s.shard for s in self.gateway.live_sessions()})
                raise AssertionError(
                    f"no connected session holds the shard of {guild.name} (connected [shard_id, num_shards]: {held})"
                )
            raise AssertionError("no bot is connected to the test bed's gateway")
        self.interactions[interaction_id] = inter
        self.interactions_by_token[token] = inter
        self.gateway.dispatch("INTERACTION_CREATE", payload, only=session)
        result = InteractionResult(self, inter)
        if wait:
            limit = self.response_timeout if timeout is None else timeout
            await self.wait_until(
                lambda: inter.response_type is not None,
                limit,
                what=f"the bot's response to interaction {interaction_id} ({data})",
            )
        return result
