"""The state the test bed keeps like Discord: guilds, channels, roles, members, messages, interactions."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
DM = 1
PUBLIC_THREAD = 11


class Permission:
    """Permission bits used by the checks the test bed makes (names as in Discord's docs)."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38

    ALL = (1 << 51) - 1
    # What @everyone gets in a fresh server: enough to read, talk and use commands.
    MEMBER_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
    # What the bot's managed role gets when it is invited with the usual scopes.
    BOT_DEFAULT = MEMBER_DEFAULT | MANAGE_MESSAGES


class SnowflakeFactory:
    """Time-based snowflakes, so discord.py's `created_at` of an interaction is the real send time."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    id: int
    name: str
    bot: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class Overwrite:
    id: int
    type: int  # 0 = role, 1 = member, as in Discord
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    id: int
    guild_id: int | None  # None for a DM channel
    name: str
    type: int = 0
    position: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    # Threads only: the channel they hang off (their permissions are its) and who started them.
    parent_id: int | None = None
    owner_id: int | None = None
    created_at: str = field(default_factory=iso_now)
    # DM channels only: the member the bot talks to there.
    recipient: User | None = None

    @property
    def is_thread(self) -> bool:
        return self.parent_id is not None

    @property
    def is_dm(self) -> bool:
        return self.type == DM

    def to_payload(self) -> dict[str, Any]:
        if self.is_thread:
            return self._thread_payload()
        if self.recipient is not None:
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.recipient.to_payload()],
            }
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "name": self.name,
            "type": self.type,
            "position": self.position,
            "permission_overwrites": [o.to_payload() for o in self.overwrites],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def _thread_payload(self) -> dict[str, Any]:
        """A thread as Discord sends it: no overwrites or position, but metadata discord.py requires."""
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "parent_id": str(self.parent_id),
            "owner_id": str(self.owner_id),
            "name": self.name,
            "type": self.type,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": self.created_at,
                "locked": False,
                "create_timestamp": self.created_at,
            },
        }


@dataclass
class Member:
    user: User
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def to_payload(self) -> dict[str, Any]:
        return {
            "user": self.user.to_payload(),
            "roles": [str(r) for r in self.role_ids],
            "nick": self.nick,
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "avatar": None,
            "communication_disabled_until": None,
        }


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    # Active threads; kept apart because Discord lists them apart from the channels.
    threads: dict[int, Channel] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def base_permissions(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return Permission.ALL
        member = self.members.get(user_id)
        perms = self.everyone.permissions
        if member is not None:
            for role_id in member.role_ids:
                role = self.roles.get(role_id)
                if role is not None:
                    perms |= role.permissions
        return Permission.ALL if perms & Permission.ADMINISTRATOR else perms

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """Discord's documented algorithm: base, then @everyone, role and member overwrites.

        A thread has no overwrites of its own: it has its parent's permissions (sending in it takes
        SEND_MESSAGES_IN_THREADS instead of SEND_MESSAGES, which the REST checks apply).
        """
        if channel.parent_id is not None:
            channel = self.channels[channel.parent_id]
        perms = self.base_permissions(user_id)
        if perms & Permission.ADMINISTRATOR or user_id == self.owner_id:
            return Permission.ALL
        member = self.members.get(user_id)
        role_ids = set(member.role_ids) if member else set()
        by_id = {(o.type, o.id): o for o in channel.overwrites}
        everyone = by_id.get((0, self.id))
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for o in channel.overwrites:
            if o.type == 0 and o.id in role_ids:
                allow |= o.allow
                deny |= o.deny
        perms = (perms & ~deny) | allow
        own = by_id.get((1, user_id))
        if own:
            perms = (perms & ~own.deny) | own.allow
        return perms

    def member_payload(self, user_id: int, channel: Channel | None = None) -> dict[str, Any]:
        payload = self.members[user_id].to_payload()
        if channel is not None:
            payload["permissions"] = str(self.permissions_in(channel, user_id))
        return payload

    def create_payload(self) -> dict[str, Any]:
        """The GUILD_CREATE body: everything, including all members so discord.py needs no chunking."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "roles": [r.to_payload() for r in self.roles.values()],
            "channels": [c.to_payload() for c in self.channels.values()],
            "members": [m.to_payload() for m in self.members.values()],
            "member_count": len(self.members),
            "large": False,
            "unavailable": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [t.to_payload() for t in self.threads.values()],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "voice_states": [],
            "presences": [],
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "joined_at": iso_now(),
            "afk_timeout": 300,
        }


@dataclass
class Button:
    """A button as a member sees it on a message."""

    label: str | None
    custom_id: str | None
    style: int
    disabled: bool
    url: str | None = None


@dataclass
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    flags: int = 0
    type: int = 0
    # Ephemeral messages are only visible to this user.
    visible_to: int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    nonce: str | int | None = None
    timestamp: str = field(default_factory=iso_now)
    created_clock: float = 0.0  # on the test bed's clock (`TestBed.clock`), for the nonce window
    edited_timestamp: str | None = None
    deleted: bool = False
    edits: int = 0

    EPHEMERAL = 1 << 6
    LOADING = 1 << 7

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & self.EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & self.LOADING)

    @property
    def buttons(self) -> list[Button]:
        found: list[Button] = []
        for row in self.components:
            for comp in row.get("components", []):
                if comp.get("type") == 2:
                    found.append(
                        Button(
                            label=comp.get("label"),
                            custom_id=comp.get("custom_id"),
                            style=comp.get("style", 1),
                            disabled=bool(comp.get("disabled", False)),
                            url=comp.get("url"),
                        )
                    )
        return found

    @property
    def embed(self) -> dict[str, Any] | None:
        return self.embeds[0] if self.embeds else None

    def text(self) -> str:
        """Content plus every embed's visible text, for assertions that don't care where text is."""
        parts = [self.content]
        for e in self.embeds:
            parts += [e.get("title", ""), e.get("description", "")]
            parts += [f"{f.get('name', '')} {f.get('value', '')}" for f in e.get("fields", [])]
            parts.append((e.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.to_payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            payload["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            payload["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            payload["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            payload["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            payload["message_reference"] = self.message_reference
        if self.nonce is not None:
            payload["nonce"] = self.nonce
        return payload


@dataclass
class Interaction:
    """An interaction the test bed sent, and what the bot did with it."""

    id: int
    token: str
    type: int
    user_id: int
    guild_id: int | None
    channel_id: int
    payload: dict[str, Any]
    created_at: float
    # The message the clicked component is on (component interactions only).
    message_id: int | None = None
    response_type: int | None = None
    response_at: float | None = None
    response_data: dict[str, Any] | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
