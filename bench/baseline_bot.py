"""The floor for this stack: the least a discord.py + aiosqlite bot can do per answer click.

Two ways to be restart-safe, both writing one row with aiosqlite (the same PRAGMAs as quizbot: WAL,
synchronous=FULL, busy_timeout, autocommit) and then acking ephemerally:

- a persistent `DynamicItem` button (`bench:<question>:<choice>`): the question is in the custom_id,
  and discord.py rebuilds the message's View to dispatch each click;
- `--view`: one persistent `discord.ui.View` with four fixed custom_ids (`bench-view:<choice>`),
  registered once; the question is the message the button is on. discord.py finds the item in a dict.

The benchmarks run it as a process, like `quizbot run`, with the same environment variables:

    python -m bench.baseline_bot           # DynamicItem: write one row per click, then ack
    python -m bench.baseline_bot --view    # fixed persistent View: write one row per click, then ack
    python -m bench.baseline_bot --no-db   # ack only: what the test bed and discord.py cost on their own

`/bench-question question:<n>` posts a question message with four answer buttons.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time

import aiosqlite
import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_endpoints import point_discord_at
from bot.settings import Settings, load_settings

NO_PINGS = discord.AllowedMentions.none()
CHOICES = "ABCD"
SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    question INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    choice INTEGER NOT NULL,
    answered_at REAL NOT NULL,
    PRIMARY KEY (question, user_id)
)
"""
RECORD = (
    "INSERT INTO answers (question, user_id, choice, answered_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (question, user_id) DO NOTHING"
)


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"bench:(?P<question>\d+):(?P<choice>\d)"):
    """One answer button; question and choice live in the custom_id, so any old message still works."""

    def __init__(self, question: int, choice: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=CHOICES[choice], style=discord.ButtonStyle.primary, custom_id=f"bench:{question}:{choice}"
            )
        )
        self.question = question
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> AnswerButton:
        return cls(int(match["question"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await record_and_ack(interaction, self.question, self.choice)


async def record_and_ack(interaction: discord.Interaction, question: int, choice: int) -> None:
    bot = interaction.client
    assert isinstance(bot, BaselineBot)
    if bot.db is not None:
        await bot.db.execute(RECORD, (question, interaction.user.id, choice, time.time()))
    await interaction.response.send_message(f"Locked in: {CHOICES[choice]}", ephemeral=True, allowed_mentions=NO_PINGS)


class FixedAnswerButton(discord.ui.Button["FixedAnswers"]):
    def __init__(self, choice: int) -> None:
        super().__init__(label=CHOICES[choice], style=discord.ButtonStyle.primary, custom_id=f"bench-view:{choice}")
        self.choice = choice

    async def callback(self, interaction: discord.Interaction) -> None:
        assert interaction.message is not None
        await record_and_ack(interaction, interaction.message.id, self.choice)


class FixedAnswers(discord.ui.View):
    """Four answer buttons with fixed custom_ids, one persistent View for every question message."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        for choice in range(len(CHOICES)):
            self.add_item(FixedAnswerButton(choice))


class QuestionCog(commands.Cog):
    def __init__(self, fixed_view: bool) -> None:
        self.fixed_view = fixed_view

    @app_commands.command(name="bench-question", description="Post a benchmark question with four answer buttons.")
    @app_commands.describe(question="Question number, part of each button's custom_id")
    async def bench_question(self, interaction: discord.Interaction, question: int) -> None:
        if self.fixed_view:
            view: discord.ui.View = FixedAnswers()
        else:
            view = discord.ui.View(timeout=None)
            for choice in range(len(CHOICES)):
                view.add_item(AnswerButton(question, choice))
        await interaction.response.send_message(
            f"Benchmark question {question}: pick one.", view=view, allowed_mentions=NO_PINGS
        )


class BaselineBot(commands.Bot):
    """Built like QuizBot (guilds intent only, no caches) so the comparison is about per-click work."""

    def __init__(self, settings: Settings, *, use_db: bool = True, fixed_view: bool = False) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),
            allowed_mentions=NO_PINGS,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
        )
        self.settings = settings
        self.use_db = use_db
        self.fixed_view = fixed_view
        self.db: aiosqlite.Connection | None = None

    async def setup_hook(self) -> None:
        if self.use_db:
            self.db = await aiosqlite.connect(self.settings.db_path, isolation_level=None)
            await self.db.execute("PRAGMA busy_timeout = 5000")
            await self.db.execute("PRAGMA journal_mode = WAL")
            await self.db.execute("PRAGMA synchronous = FULL")
            await self.db.execute(SCHEMA)
        if self.fixed_view:
            self.add_view(FixedAnswers())
        else:
            self.add_dynamic_items(AnswerButton)
        await self.add_cog(QuestionCog(self.fixed_view))

    async def close(self) -> None:
        await super().close()
        if self.db is not None:
            await self.db.close()


def create_baseline_bot(settings: Settings) -> commands.Bot:
    """The factory the harness uses to preload this bot's commands (the process never syncs)."""
    return BaselineBot(settings)


async def _run(use_db: bool, fixed_view: bool) -> None:
    settings = load_settings()
    point_discord_at(settings.api_base, settings.gateway_url)
    async with BaselineBot(settings, use_db=use_db, fixed_view=fixed_view) as bot:
        await bot.start(settings.require_token())


if __name__ == "__main__":
    try:
        asyncio.run(_run(use_db="--no-db" not in sys.argv[1:], fixed_view="--view" in sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(0)
