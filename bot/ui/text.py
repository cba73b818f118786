"""Text every screen shares: shortening to Discord's limits, showing user text literally, packing blocks
into messages, timestamps, and the no-pings policy. One of each, so a fix reaches every screen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

# Quiz text and member names are user content: nothing the bot sends may ping anyone.
NO_MENTIONS = discord.AllowedMentions.none()


def shorten(text: str, limit: int) -> str:
    """`text`, cut to at most `limit` characters with an ellipsis when it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str) -> str:
    """User text (a member's name, a quiz id) shown literally: no markdown, no mention syntax.

    Pings are blocked by NO_MENTIONS anyway; this keeps `**`, `@everyone` and `<@id>` from changing how
    a board or a reply looks.
    """
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def credit(author: str) -> str:
    """The line crediting a question's author (a member whose suggestion was accepted), shown literally."""
    return f"✍️ Question by {plain(shorten(author, 100))}"


def discord_time(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp tag: every reader sees it in their own time zone (R = relative, F = full…)."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def pack(blocks: Sequence[str], limit: int, separator: str = "\n") -> list[list[str]]:
    """Group blocks in order so that each group, joined by `separator`, fits in `limit` characters.

    A block longer than `limit` is shortened; a block is never split across groups.
    """
    groups: list[list[str]] = [[]]
    size = 0
    for block in (shorten(b, limit) for b in blocks):
        if groups[-1] and size + len(separator) + len(block) > limit:
            groups.append([])
            size = 0
        size += (len(separator) if groups[-1] else 0) + len(block)
        groups[-1].append(block)
    return [group for group in groups if group]


def pack_texts(blocks: Sequence[str], limit: int, separator: str = "\n\n") -> list[str]:
    """`pack`, with each group joined into one text (e.g. one message per text)."""
    return [separator.join(group) for group in pack(blocks, limit, separator)]
