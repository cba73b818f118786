"""/review and /mistakes: a member's own review cards and wrong answers, privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.ui.choices import mistake_quiz_choices
from bot.ui.review import minute_of, mistakes_panel, review_panel
from bot.ui.text import NO_MENTIONS

Interaction = discord.Interaction[QuizBot]
EVERY_ANSWER_ON = "From now on every question you answer here becomes a card, right or wrong.\n\n"
EVERY_ANSWER_OFF = "From now on only questions you answer wrong become cards.\n\n"


class ReviewCog(commands.Cog, name="Review"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="review")
    @app_commands.guild_only()
    @app_commands.describe(every_answer="Also make cards of the questions you answer right (kept for this server)")
    async def review(self, interaction: Interaction, every_answer: bool | None = None) -> None:
        """Answer your due review cards, one by one: every question you got wrong comes back."""
        assert interaction.guild_id is not None
        # Catching up a long history of answers can take a moment: take Discord's 15 minutes.
        await interaction.response.defer(ephemeral=True, thinking=True)
        queue = await self.bot.review.queue(interaction.guild_id, interaction.user.id, every_answer=every_answer)
        note = "" if every_answer is None else EVERY_ANSWER_ON if every_answer else EVERY_ANSWER_OFF
        embed, view = review_panel(queue, minute_of(interaction.created_at), note)
        await interaction.followup.send(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="mistakes")
    @app_commands.guild_only()
    @app_commands.describe(quiz="Only this quiz's (default: every quiz)")
    @app_commands.autocomplete(quiz=mistake_quiz_choices)
    async def mistakes(self, interaction: Interaction, quiz: str | None = None) -> None:
        """Your wrong answers, newest first: the question, your pick, the right one and why."""
        assert interaction.guild_id is not None
        page = await self.bot.review.mistakes(interaction.guild_id, interaction.user.id, quiz or "", 0)
        embed, view = mistakes_panel(page, minute_of(interaction.created_at))
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(ReviewCog(bot))
