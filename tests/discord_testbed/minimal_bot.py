"""The smallest bot the test bed must run: a slash command that replies, a button that answers ephemerally.

Stands in for `bot.app.create_bot` until it exists, and runs as a process with
`python -m tests.discord_testbed.minimal_bot` (same environment variables as `quizbot run`).
"""

from __future__ import annotations

import asyncio
import re
import sys

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_endpoints import point_discord_at
from bot.settings import Settings, load_settings

NO_PINGS = discord.AllowedMentions.none()


class PressButton(discord.ui.DynamicItem[discord.ui.Button], template=r"minimal:press:(?P<count>\d+)"):
    """A persistent button whose state (how many presses so far) lives in its custom_id."""

    def __init__(self, count: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Press me", style=discord.ButtonStyle.primary, custom_id=f"minimal:press:{count}"
            )
        )
        self.count = count

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> PressButton:
        return cls(int(match["count"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"You pressed it, {interaction.user.display_name}.", ephemeral=True, allowed_mentions=NO_PINGS
        )


class MinimalCog(commands.Cog):
    @app_commands.command(name="hello", description="Say hello, with a button to press.")
    @app_commands.describe(name="Who to greet")
    async def hello(self, interaction: discord.Interaction, name: str = "world") -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(PressButton(0))
        await interaction.response.send_message(f"Hello, {name}!", view=view, allowed_mentions=NO_PINGS)


async def _set_up(bot: commands.Bot, sync_commands: bool) -> None:
    bot.add_dynamic_items(PressButton)
    await bot.add_cog(MinimalCog())
    if not sync_commands:
        return
    # Sync only when the registered commands differ, so restarts make no sync calls.
    registered = {c.name for c in await bot.tree.fetch_commands()}
    if registered != {c.name for c in bot.tree.get_commands()}:
        await bot.tree.sync()


class MinimalBot(commands.Bot):
    def __init__(self, settings: Settings, *, sync_commands: bool = True) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents(guilds=True))
        self.settings = settings
        self.sync_commands = sync_commands

    async def setup_hook(self) -> None:
        await _set_up(self, self.sync_commands)


class ShardedMinimalBot(commands.AutoShardedBot):
    """The minimal bot on several shards: explicit `shard_ids` of `shard_count`, or those /gateway/bot says."""

    def __init__(
        self, settings: Settings, *, shard_ids: list[int] | None = None, shard_count: int | None = None
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            shard_ids=shard_ids,
            shard_count=shard_count,
        )
        self.settings = settings

    async def setup_hook(self) -> None:
        await _set_up(self, sync_commands=True)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s between two shards' IDENTIFYs for Discord's limit (max_concurrency 1);
        # the test bed does not rate-limit IDENTIFY, so its tests need not wait.
        return None


def create_minimal_bot(settings: Settings) -> commands.Bot:
    return MinimalBot(settings)


def create_never_syncing_bot(settings: Settings) -> commands.Bot:
    return MinimalBot(settings, sync_commands=False)


async def _run(sync_commands: bool) -> None:
    settings = load_settings()
    point_discord_at(settings.api_base, settings.gateway_url)
    async with MinimalBot(settings, sync_commands=sync_commands) as bot:
        await bot.start(settings.require_token())


if __name__ == "__main__":
    try:
        asyncio.run(_run(sync_commands="--no-sync" not in sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(0)
