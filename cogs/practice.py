"""/practice: a quiz alone, privately, at your own pace, continued later where you left off."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.domain.quiz import MAX_SECONDS, MIN_SECONDS
from bot.ui.choices import quiz_choices
from bot.ui.private_views import show

Interaction = discord.Interaction[QuizBot]


class PracticeCog(commands.Cog, name="Practice"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="practice")
    @app_commands.guild_only()
    @app_commands.describe(
        name="Which quiz (start typing its id or title)",
        seconds="A timer per question, if you want one (none by default)",
    )
    @app_commands.autocomplete(name=quiz_choices)
    async def practice(
        self,
        interaction: Interaction,
        name: str,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
    ) -> None:
        """Practise a quiz alone and privately, at your own pace; it counts in your /stats, not on leaderboards."""
        assert interaction.guild_id is not None and interaction.channel_id is not None
        quiz = self.bot.live.find_quiz(interaction.guild_id, name)
        work = self.bot.private.practice(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            quiz=quiz,
            user_id=interaction.user.id,
            timer_seconds=seconds,
        )
        await show(interaction, work, update=False)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(PracticeCog(bot))
