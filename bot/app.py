"""The QuizBot: the discord.py client that wires settings, storage, quizzes, services and the cogs together.

The services (live runs, daily posts, boards, privacy, review, suggestions) are built here in setup_hook
and reached as attributes of the typed client (`bot.live`, `bot.daily`, `bot.boards`, `bot.privacy`,
`bot.review`, `bot.suggestions`); cogs only parse, call one, and render.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord.ext import commands

from bot.boards import BoardService
from bot.daily import DailyScheduler
from bot.daily.admin import DailyAdmin
from bot.discord_endpoints import point_discord_at
from bot.domain.clock import Clock, SystemClock
from bot.domain.shards import ShardSet, ShardState
from bot.library import QuizLibrary
from bot.library.suggestions import SuggestionDesk
from bot.live.manager import LiveQuizManager
from bot.live.private import PrivateRuns
from bot.live.settings import QuizSettings
from bot.privacy import PrivacyService
from bot.quizfiles import QuizCatalog
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.storage import Storage, open_storage
from bot.ui.buttons import INTERACTION_ROUTERS, PERSISTENT_BUTTONS
from bot.ui.daily_presenter import DiscordDailyPresenter
from bot.ui.failures import QuizCommandTree
from bot.ui.live_presenter import DiscordPresenter, ResultsPart

log = logging.getLogger(__name__)

# Loaded by name so that nothing in bot/ imports cogs/ (dependencies point one way).
EXTENSIONS: tuple[str, ...] = (
    "cogs.quiz",
    "cogs.practice",
    "cogs.settings",
    "cogs.daily",
    "cogs.leaderboard",
    "cogs.reports",
    "cogs.library",
    "cogs.privacy",
    "cogs.review",
)
COMMAND_HASH_KEY = "command_tree_hash"


@dataclass(frozen=True)
class Services:
    """What the commands and buttons call; they exist from setup_hook (after login) on."""

    live: LiveQuizManager[ResultsPart]
    presenter: DiscordPresenter
    scheduler: DailyScheduler
    daily: DailyAdmin
    boards: BoardService
    quiz_settings: QuizSettings
    suggestions: SuggestionDesk
    privacy: PrivacyService
    review: ReviewService
    private: PrivateRuns


class QuizBot(commands.Bot):
    """A slash-command and button bot: no privileged intents, no member or message caches."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        sync_on_start: bool = True,
        **client_options: Any,
    ) -> None:
        super().__init__(
            **client_options,
            # Prefix commands are never used (no message content intent); Bot needs a prefix anyway.
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=QuizCommandTree,
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
        self._shutting_down = False
        self._storage: Storage | None = None
        self._services: Services | None = None
        self._resume_task: asyncio.Task[None] | None = None
        self._library: QuizLibrary | None = None

    @property
    def shard_set(self) -> ShardSet:
        """The gateway shards this process holds (an unsharded bot holds the one shard, every server)."""
        return self.settings.shards or ShardSet.unsharded()

    def owns(self, guild_id: int) -> bool:
        """Whether this process drives the server's runs and schedules: its shard is one of ours."""
        return self.shard_set.contains(guild_id)

    @property
    def syncs_commands(self) -> bool:
        """Only the process holding shard 0 registers slash commands (they are the application's, not a shard's)."""
        return self.shard_set.holds(0)

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            raise RuntimeError("storage is opened in setup_hook; it is not available before login")
        return self._storage

    @property
    def library(self) -> QuizLibrary:
        """Every server's quizzes: the shared folder plus what the server uploaded."""
        if self._library is None:
            raise RuntimeError("the quiz library is loaded in setup_hook; it is not available before login")
        return self._library

    @property
    def catalog(self) -> QuizCatalog:
        """The shared quiz folder (what every server can play)."""
        return self.library.shared

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are built in setup_hook; they are not available before login")
        return self._services

    @property
    def live(self) -> LiveQuizManager[ResultsPart]:
        return self.services.live

    @property
    def private(self) -> PrivateRuns:
        """Practice alone and members' runs through open windows."""
        return self.services.private

    @property
    def daily(self) -> DailyAdmin:
        return self.services.daily

    @property
    def scheduler(self) -> DailyScheduler:
        return self.services.scheduler

    @property
    def boards(self) -> BoardService:
        return self.services.boards

    @property
    def quiz_settings(self) -> QuizSettings:
        return self.services.quiz_settings

    @property
    def privacy(self) -> PrivacyService:
        return self.services.privacy

    @property
    def review(self) -> ReviewService:
        return self.services.review

    @property
    def suggestions(self) -> SuggestionDesk:
        return self.services.suggestions

    @property
    def shutting_down(self) -> bool:
        """Set on SIGTERM (bot/runtime.py): new quiz runs are refused while in-flight work finishes."""
        return self._shutting_down

    @shutting_down.setter
    def shutting_down(self, value: bool) -> None:
        self._shutting_down = value
        if self._services is not None:
            self._services.live.accepting = not value

    def _build_services(self, storage: Storage) -> Services:
        catalog = self.library.catalog_for
        presenter = DiscordPresenter(self)
        live = LiveQuizManager(storage, self.clock, presenter, catalog, owns=self.owns)
        scheduler = DailyScheduler(
            storage, self.clock, DiscordDailyPresenter(self), catalog, ready=self.wait_until_ready, owns=self.owns
        )
        daily = DailyAdmin(storage, self.clock, catalog, scheduler)
        review = ReviewService(storage, self.clock)
        return Services(
            live,
            presenter,
            scheduler,
            daily,
            BoardService(storage, catalog, review),
            QuizSettings(storage),
            SuggestionDesk(storage, self.clock, self.library),
            PrivacyService(storage, self.clock),
            review,
            PrivateRuns(storage, self.clock, catalog),
        )

    async def setup_hook(self) -> None:
        # Runs after login and before the gateway connects: persistent buttons registered here answer
        # clicks on old messages from the very first event.
        self._storage = await open_storage(self.settings.database)
        self._library = QuizLibrary(self._storage, self.clock, self.settings.quizzes_dir)
        await self._library.load()
        self._services = self._build_services(self._storage)
        self.add_dynamic_items(*PERSISTENT_BUTTONS)
        # Answer clicks and suggestion forms are answered by their custom_id, not by an item or Modal kept
        # in memory, so a click or a form submitted after a restart (or hours later) is still taken.
        for router in INTERACTION_ROUTERS:
            self.add_listener(router, "on_interaction")
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        # Not waiting for on_ready (which comes seconds after the guilds): posting and editing need only
        # REST, and an overdue question should close as soon as possible.
        self._resume_task = asyncio.create_task(self._resume_runs(), name="quiz-resume")
        self._services.scheduler.start()
        if self.settings.shards is not None:
            log.info("holding gateway shards %s", self.shard_set.describe())
        if self.sync_on_start and self.syncs_commands:
            await self.sync_commands_if_changed()
        # Everything loaded so far lives as long as the process: move it out of the garbage collector's
        # sight, so a full collection during a click burst walks only what the burst allocated.
        gc.collect()
        gc.freeze()

    async def _resume_runs(self) -> None:
        resumed = await self.live.resume_all()
        if resumed:
            log.info("resumed %d live quiz run(s) and open window(s)", resumed)

    async def reload_quizzes(self) -> QuizCatalog:
        """Re-read the shared quiz folder (SIGHUP); a file that stopped validating keeps its last good version."""
        catalog = await self.library.reload_shared()
        log.info("loaded %d quizzes from %s", len(catalog.ids()), self.settings.quizzes_dir)
        return catalog

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
        if self._resume_task is not None:
            self._resume_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resume_task
            self._resume_task = None
        if self._services is not None:
            await self._services.scheduler.stop()
            await self._services.live.close()
        await super().close()
        if self._storage is not None:
            await self._storage.close()
            self._storage = None


class ShardedQuizBot(QuizBot, commands.AutoShardedBot):
    """The same bot on explicit gateway shards (`settings.shards`): one connection per shard, one process.

    Each shard's connection state goes to the database's meta table as it changes, so `quizbot doctor`
    (another process) can say which shards are up.
    """

    def __init__(self, settings: Settings, *, clock: Clock | None = None, sync_on_start: bool = True) -> None:
        shards = settings.shards
        if shards is None:
            raise ValueError("ShardedQuizBot needs settings.shards; use QuizBot for an unsharded bot")
        super().__init__(
            settings, clock=clock, sync_on_start=sync_on_start, shard_ids=list(shards.ids), shard_count=shards.count
        )

    async def on_shard_ready(self, shard_id: int) -> None:
        await _record_shard(self, shard_id, up=True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        await _record_shard(self, shard_id, up=True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        await _record_shard(self, shard_id, up=False)


async def _record_shard(bot: QuizBot, shard_id: int, *, up: bool) -> None:
    count = bot.shard_count or 1
    state = ShardState(shard_id, count, up, bot.clock.now())
    try:
        await bot.storage.settings.set_meta(state.key, state.encode())
    except Exception as error:  # a status line for the doctor must never disturb the gateway
        log.warning("could not record shard %d as %s: %s", shard_id, "up" if up else "down", error)


def create_bot(settings: Settings, *, clock: Clock | None = None, sync_on_start: bool = True) -> QuizBot:
    """Build the bot for these settings, pointed at Discord (or a Discord-compatible server).

    Unsharded unless the settings name shards (QUIZBOT_SHARDS / QUIZBOT_SHARD_COUNT, `run --shards`).
    """
    point_discord_at(settings.api_base, settings.gateway_url)
    if settings.shards is not None:
        return ShardedQuizBot(settings, clock=clock, sync_on_start=sync_on_start)
    return QuizBot(settings, clock=clock, sync_on_start=sync_on_start)
