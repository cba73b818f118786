"""/privacy: a member's own data in this server (hide from public boards, export, forget)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.ui.privacy import panel
from bot.ui.text import NO_MENTIONS

Interaction = discord.Interaction[QuizBot]


class PrivacyCog(commands.Cog, name="Privacy"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="privacy")
    @app_commands.guild_only()
    async def privacy(self, interaction: Interaction) -> None:
        """Your data here: hide from public boards, export it as a file, or have it forgotten."""
        assert interaction.guild_id is not None
        status = await self.bot.privacy.status(interaction.guild_id, interaction.user.id)
        text, view = panel(status)
        await interaction.response.send_message(text, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
