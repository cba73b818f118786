"""/quiz-report: per-question difficulty and answer-key warnings for organisers, with an optional CSV."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.ui.access import member_of
from bot.ui.choices import quiz_choices
from bot.ui.reports import answers_csv_file, report_embed
from bot.ui.text import NO_MENTIONS

Interaction = discord.Interaction[QuizBot]


class ReportsCog(commands.Cog, name="Reports"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="quiz-report")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        quiz="The quiz to analyse",
        run="Only this run (its number from the leaderboard)",
        csv="Attach every answer as CSV",
    )
    @app_commands.autocomplete(quiz=quiz_choices)
    async def quiz_report(self, interaction: Interaction, quiz: str, run: int | None = None, csv: bool = False) -> None:
        """Per question: % correct, picks per option, median time, and questions to check (admins)."""
        assert interaction.guild_id is not None
        await self.bot.boards.require_report_access(member_of(interaction), interaction.guild_id)
        # A report of a big quiz reads many answers: take Discord's 15 minutes instead of its 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.boards.quiz_report(interaction.guild_id, quiz, run)
        files = []
        if csv:
            rows = self.bot.boards.answer_rows(interaction.guild_id, quiz, run)
            files.append(await answers_csv_file(rows, report.quiz_id))
        await interaction.followup.send(
            embed=report_embed(report), files=files, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(ReportsCog(bot))
