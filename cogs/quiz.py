"""Live quiz commands: /quiz, /quiz-stop and /quizzes."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.domain.durations import describe, parse_window
from bot.domain.errors import InvalidOptionError
from bot.domain.quiz import MAX_SECONDS, MIN_SECONDS, Quiz
from bot.ui.access import member_of
from bot.ui.choices import quiz_choices
from bot.ui.live_presenter import cannot_run_here
from bot.ui.quiz_list import quizzes_page
from bot.ui.text import NO_MENTIONS, discord_time, shorten

Interaction = discord.Interaction[QuizBot]


class QuizCog(commands.Cog, name="Quiz"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="quiz")
    @app_commands.guild_only()
    @app_commands.describe(
        name="Which quiz (start typing its id or title)",
        seconds="Seconds per question",
        window="Keep it open this long instead (30m, 24h, 2d; up to 7 days): each member takes it privately",
    )
    @app_commands.autocomplete(name=quiz_choices)
    async def quiz(
        self,
        interaction: Interaction,
        name: str,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
        window: str | None = None,
    ) -> None:
        """Start a live quiz in this channel, or open one for a while that members take at their own pace."""
        assert interaction.guild_id is not None and interaction.channel_id is not None
        quiz = self.bot.live.find_quiz(interaction.guild_id, name)
        problem = cannot_run_here(interaction.app_permissions, interaction.channel, interaction.channel_id)
        if problem:
            await interaction.response.send_message(problem, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if window is not None:
            await self._open_window(interaction, quiz, window, seconds)
            return
        run = await self.bot.live.start(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            quiz=quiz,
            member=member_of(interaction),
            seconds=seconds,
        )
        self.bot.services.presenter.remember_starter(run.id, interaction)
        await interaction.response.send_message(
            f"Starting **{shorten(quiz.title, 200)}**: {run.question_count} questions, "
            f"{run.seconds_per_question} s each. Press “Start now” on the intro to skip the wait.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    async def _open_window(self, interaction: Interaction, quiz: Quiz, window: str, seconds: int | None) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        if seconds is not None:
            raise InvalidOptionError("An open window has no timer: leave out seconds (or window, for a live quiz).")
        run = await self.bot.live.open_window(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            quiz=quiz,
            member=member_of(interaction),
            duration=parse_window(window),
        )
        closes = run.closes_at or interaction.created_at
        how_long = describe(closes - run.created_at)
        await interaction.response.send_message(
            f"Opened **{shorten(quiz.title, 200)}** here until {discord_time(closes)} ({how_long}): "
            "members press Start on its post to take it privately. The results are posted when it closes; "
            "/quiz-stop closes it early.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="quiz-stop")
    @app_commands.guild_only()
    async def quiz_stop(self, interaction: Interaction) -> None:
        """End the live quiz (or close the open window) in this channel early; results so far are still published."""
        assert interaction.channel_id is not None
        stopped = await self.bot.live.stop_in_channel(interaction.channel_id, member_of(interaction))
        text = "Quiz stopped; the results are being posted." if stopped else "The quiz has already ended."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="quizzes")
    async def quizzes(self, interaction: Interaction) -> None:
        """List the quizzes you can start with /quiz."""
        embed, view = quizzes_page(self.bot.library.catalog_for(interaction.guild_id).quizzes(), 0)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(QuizCog(bot))
