"""The QuizBot: the discord.py client that wires settings, storage, quizzes and the cogs together."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.discord_endpoints import point_discord_at
from bot.domain.clock import Clock, SystemClock
from bot.quizfiles import QuizCatalog
from bot.settings import Settings
from bot.storage import Storage, open_storage

log = logging.getLogger(__name__)

# Loaded by name so that nothing in bot/ imports cogs/ (dependencies point one way).
EXTENSIONS: tuple[str, ...] = ("cogs.quiz", "cogs.daily", "cogs.leaderboard")
COMMAND_HASH_KEY = "command_tree_hash"


class QuizBot(commands.Bot):
    """A slash-command and button bot: no privileged intents, no member or message caches."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, sync_on_start: bool = True) -> None:
        super().__init__(
            # Prefix commands are never used (no message content intent); Bot needs a prefix anyway.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),
            # Quiz text and member names are user content: nothing the bot sends may ping anyone.
            allowed_mentions=discord.AllowedMentions.none(),
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.sync_on_start = sync_on_start
        # Set on SIGTERM: cogs refuse to start new quiz runs while in-flight work finishes (bot/runtime.py).
        self.shutting_down = False
        self._storage: Storage | None = None
        self.catalog = QuizCatalog(folder=settings.quizzes_dir)

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            raise RuntimeError("storage is opened in setup_hook; it is not available before login")
        return self._storage

    async def setup_hook(self) -> None:
        # Runs after login and before the gateway connects: persistent buttons registered here answer
        # clicks on old messages from the very first event.
        self._storage = await open_storage(self.settings.db_path)
        await self.reload_quizzes()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.sync_on_start:
            await self.sync_commands_if_changed()
        # Everything loaded so far lives as long as the process: move it out of the garbage collector's
        # sight, so a full collection during a click burst walks only what the burst allocated.
        gc.collect()
        gc.freeze()

    async def reload_quizzes(self) -> QuizCatalog:
        # YAML parsing is CPU work; keep it off the event loop.
        self.catalog = await asyncio.to_thread(QuizCatalog.load, self.settings.quizzes_dir)
        log.info("loaded %d quizzes from %s", len(self.catalog.ids()), self.settings.quizzes_dir)
        return self.catalog

    def _sync_target(self) -> discord.Object | None:
        guild_id = self.settings.dev_guild_id
        return None if guild_id is None else discord.Object(guild_id)

    def command_tree_hash(self) -> str:
        """A fingerprint of what a sync would register, so unchanged restarts sync nothing."""
        target = self._sync_target()
        if target is not None:
            self.tree.copy_global_to(guild=target)
        payload: dict[str, Any] = {
            "scope": None if target is None else target.id,
            "commands": sorted(
                (command.to_dict(self.tree) for command in self.tree.get_commands(guild=target)),
                key=lambda c: c["name"],
            ),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def sync_commands(self) -> int:
        """Register the slash commands (globally, or to the dev guild for instant updates)."""
        target = self._sync_target()
        digest = self.command_tree_hash()
        synced = await self.tree.sync(guild=target)
        await self.storage.settings.set_meta(COMMAND_HASH_KEY, digest)
        where = "globally" if target is None else f"to dev guild {target.id}"
        log.info("synced %d slash commands %s", len(synced), where)
        return len(synced)

    async def sync_commands_if_changed(self) -> bool:
        # Discord allows 200 command creates per day per guild: never sync on every start or on_ready.
        if await self.storage.settings.get_meta(COMMAND_HASH_KEY) == self.command_tree_hash():
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        await self.sync_commands()
        return True

    async def close(self) -> None:
        await super().close()
        if self._storage is not None:
            await self._storage.close()
            self._storage = None


def create_bot(settings: Settings, *, clock: Clock | None = None, sync_on_start: bool = True) -> QuizBot:
    """Build the bot for these settings, pointed at Discord (or a Discord-compatible server)."""
    point_discord_at(settings.api_base, settings.gateway_url)
    return QuizBot(settings, clock=clock, sync_on_start=sync_on_start)
