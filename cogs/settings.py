"""/quiz-settings: show or change how live quizzes run in this server."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.domain.guild_settings import MAX_LEAD_SECONDS, MAX_REVEAL_SECONDS, SettingsChange
from bot.domain.quiz import MAX_SECONDS, MIN_SECONDS
from bot.domain.runs import ScoringMode
from bot.live.settings import timezone_named
from bot.ui.access import member_of
from bot.ui.choices import timezone_choices
from bot.ui.settings_text import settings_text
from bot.ui.text import NO_MENTIONS

Interaction = discord.Interaction[QuizBot]


class SettingsCog(commands.Cog, name="Settings"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="quiz-settings")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        quiz_master_role="Only this role (and Manage Server) may start quizzes",
        anyone_can_start="Remove the quiz master role restriction",
        seconds="Default seconds per question (overrides the quiz files)",
        lead_seconds="Seconds between the intro and the first question",
        reveal_seconds="Seconds between a reveal and the next question",
        scoring="accuracy: 1 point per right answer; speed: up to 1000 points, faster is more",
        timezone="IANA time zone for week and month leaderboards, e.g. Europe/Berlin",
        review_channel="Where members' /quiz-suggest questions go for quiz masters to accept (turns suggestions on)",
        suggestions_off="Stop taking suggestions (clears the review channel)",
        practice_on_series="Count /practice answers on series leaderboards too (marked as practice)",
    )
    @app_commands.autocomplete(timezone=timezone_choices)
    async def quiz_settings(
        self,
        interaction: Interaction,
        quiz_master_role: discord.Role | None = None,
        anyone_can_start: bool | None = None,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
        lead_seconds: app_commands.Range[int, 0, MAX_LEAD_SECONDS] | None = None,
        reveal_seconds: app_commands.Range[int, 0, MAX_REVEAL_SECONDS] | None = None,
        scoring: Literal["accuracy", "speed"] | None = None,
        timezone: str | None = None,
        review_channel: discord.TextChannel | None = None,
        suggestions_off: bool | None = None,
        practice_on_series: bool | None = None,
    ) -> None:
        """Show or change how live quizzes run in this server (Manage Server)."""
        assert interaction.guild_id is not None
        change = SettingsChange(
            quiz_master_role_id=quiz_master_role.id if quiz_master_role else None,
            anyone_can_start=bool(anyone_can_start),
            default_seconds=seconds,
            lead_seconds=lead_seconds,
            reveal_seconds=reveal_seconds,
            scoring_mode=ScoringMode(scoring) if scoring else None,
            timezone=timezone_named(timezone) if timezone is not None else None,
            review_channel_id=review_channel.id if review_channel else None,
            suggestions_off=bool(suggestions_off),
            practice_on_series=practice_on_series,
        )
        settings, changed = await self.bot.quiz_settings.apply(member_of(interaction), interaction.guild_id, change)
        heading = (
            "Quiz settings updated (running quizzes keep their timing and scoring):" if changed else "Quiz settings:"
        )
        await interaction.response.send_message(
            f"{heading}\n{settings_text(settings)}", ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(SettingsCog(bot))
