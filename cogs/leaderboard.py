"""/leaderboard and /stats: the server's boards and a member's statistics."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.boards import BoardRequest
from bot.boards.service import minute_of
from bot.domain.boards import Scope
from bot.ui.boards import board_embed, board_view
from bot.ui.choices import quiz_choices
from bot.ui.reports import stats_embed
from bot.ui.text import NO_MENTIONS

Interaction = discord.Interaction[QuizBot]


class LeaderboardCog(commands.Cog, name="Leaderboard"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="leaderboard")
    @app_commands.guild_only()
    @app_commands.describe(
        scope="Which answers count (default: all time)",
        quiz="For scope run, quiz or series: which quiz (default: the latest one played here)",
    )
    @app_commands.autocomplete(quiz=quiz_choices)
    async def leaderboard(
        self,
        interaction: Interaction,
        scope: Literal["run", "quiz", "series", "daily", "week", "month", "all"] = "all",
        quiz: str | None = None,
    ) -> None:
        """Show this server's leaderboard, 10 members a page, with your own rank at the bottom."""
        assert interaction.guild_id is not None
        made = minute_of(interaction.created_at)
        request = BoardRequest(interaction.guild_id, Scope(scope), quiz or "", 0, interaction.user.id, made)
        shown = await self.bot.boards.show(request)
        # A member hidden from public boards (/privacy) gets the board privately, with their own line.
        await interaction.response.send_message(
            embed=board_embed(shown, public=not shown.private),
            view=board_view(shown),
            ephemeral=shown.private,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="stats")
    @app_commands.guild_only()
    @app_commands.describe(member="Whose statistics (default: yours)")
    async def stats(self, interaction: Interaction, member: discord.User | None = None) -> None:
        """Show quizzes taken, accuracy, answer time, best quiz, daily streak and accuracy per tag."""
        assert interaction.guild_id is not None
        who = member or interaction.user
        shown = await self.bot.boards.member_stats(interaction.guild_id, who.id, interaction.user.id)
        await interaction.response.send_message(
            embed=stats_embed(shown.stats, who.display_name), ephemeral=shown.private, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(LeaderboardCog(bot))
