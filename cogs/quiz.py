"""Live quiz commands: /quiz, /quiz-stop, /quizzes and /quiz-settings. Validation and replies only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.domain.guild_settings import MAX_LEAD_SECONDS, MAX_REVEAL_SECONDS, GuildSettings
from bot.domain.quiz import MAX_SECONDS, MIN_SECONDS
from bot.domain.runs import Run, ScoringMode
from bot.domain.schedule import canonical_timezone, timezone_suggestions
from bot.live.manager import LiveQuizManager
from bot.storage import ChannelBusyError
from bot.ui.live_buttons import DYNAMIC_ITEMS, reply_ephemeral
from bot.ui.live_embeds import shorten
from bot.ui.live_presenter import DiscordPresenter, missing_permissions
from bot.ui.quiz_list import QuizzesPageButton, quizzes_page

log = logging.getLogger(__name__)


def message_link(run: Run) -> str:
    target = run.intro_message_id or ""
    return f"https://discord.com/channels/{run.guild_id}/{run.channel_id}/{target}".rstrip("/")


def _may_manage(interaction: discord.Interaction[Any]) -> bool:
    return interaction.permissions.manage_guild


def _has_role(interaction: discord.Interaction[Any], role_id: int) -> bool:
    user = interaction.user
    return isinstance(user, discord.Member) and any(role.id == role_id for role in user.roles)


def settings_text(settings: GuildSettings) -> str:
    master = f"<@&{settings.quiz_master_role_id}>" if settings.quiz_master_role_id else "anyone"
    seconds = f"{settings.default_seconds} s" if settings.default_seconds else "as set in each quiz file"
    return (
        f"Who may start quizzes: {master} (and members with Manage Server)\n"
        f"Seconds per question: {seconds}\n"
        f"Lead before the first question: {settings.lead_seconds} s\n"
        f"Pause after each reveal: {settings.reveal_seconds} s\n"
        f"Scoring: {settings.scoring_mode.value}\n"
        f"Time zone (week and month leaderboards): {settings.timezone}"
    )


class QuizCog(commands.Cog, name="Quiz"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.presenter = DiscordPresenter(bot)
        self.manager = LiveQuizManager(bot.storage, bot.clock, self.presenter)
        self._resume_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._resume_task = asyncio.create_task(self._resume(), name="quiz-resume")

    async def _resume(self) -> None:
        # Not waiting for on_ready (which comes seconds after the guilds): posting and editing need only
        # REST, and an overdue question should close as soon as possible.
        resumed = await self.manager.resume_all()
        if resumed:
            log.info("resumed %d live quiz run(s)", resumed)

    async def cog_unload(self) -> None:
        if self._resume_task is not None:
            self._resume_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resume_task
        await self.manager.close()

    @app_commands.command(name="quiz")
    @app_commands.guild_only()
    @app_commands.describe(name="Which quiz (start typing its id or title)", seconds="Seconds per question")
    async def quiz(
        self,
        interaction: discord.Interaction[Any],
        name: str,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
    ) -> None:
        """Start a live quiz in this channel."""
        assert interaction.guild_id is not None and interaction.channel_id is not None
        if self.bot.shutting_down:
            await reply_ephemeral(interaction, "The bot is restarting; start the quiz again in a minute.")
            return
        settings = await self.bot.storage.settings.guild_settings(interaction.guild_id)
        role_id = settings.quiz_master_role_id
        if role_id and not _has_role(interaction, role_id) and not _may_manage(interaction):
            await reply_ephemeral(
                interaction, f"Only members with the <@&{role_id}> role (or Manage Server) can start quizzes here."
            )
            return
        quiz = self.bot.catalog.get(name.strip().lower())
        if quiz is None:
            await reply_ephemeral(interaction, self._unknown_quiz_text(name))
            return
        missing = missing_permissions(
            interaction.app_permissions, in_thread=isinstance(interaction.channel, discord.Thread)
        )
        if missing:
            log.warning("cannot start a quiz in channel %d: missing %s", interaction.channel_id, ", ".join(missing))
            await reply_ephemeral(
                interaction,
                f"I can't run a quiz here: I am missing the {', '.join(missing)} permission(s) in this channel. "
                "Ask a server admin to grant them, or use another channel.",
            )
            return
        try:
            run = await self.manager.start(
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                quiz=quiz,
                started_by=interaction.user.id,
                seconds=seconds,
            )
        except ChannelBusyError as busy:
            await reply_ephemeral(
                interaction,
                f"A quiz is already running here: {message_link(busy.run)} — wait for it to end or stop it with "
                "/quiz-stop.",
            )
            return
        self.presenter.remember_starter(run.id, interaction)
        await reply_ephemeral(
            interaction,
            f"Starting **{shorten(quiz.title, 200)}**: {run.question_count} questions, "
            f"{run.seconds_per_question} s each. Press “Start now” on the intro to skip the wait.",
        )

    def _unknown_quiz_text(self, name: str) -> str:
        shown = discord.utils.escape_markdown(shorten(name.strip(), 40))
        closest = self.bot.catalog.closest(name)
        hint = f"Did you mean {', '.join(f'`{c}`' for c in closest)}?" if closest else "Use /quizzes to list them."
        return f"There is no quiz called “{shown}”. {hint}"

    @quiz.autocomplete("name")
    async def quiz_name_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=shorten(f"{q.id} — {q.title}", 100), value=q.id)
            for q in self.bot.catalog.search(current, limit=25)
        ]

    @app_commands.command(name="quiz-stop")
    @app_commands.guild_only()
    async def quiz_stop(self, interaction: discord.Interaction[Any]) -> None:
        """End the live quiz in this channel early; results so far are still published."""
        assert interaction.channel_id is not None
        run = await self.bot.storage.runs.active_live_run(interaction.channel_id)
        if run is None:
            await reply_ephemeral(interaction, "No live quiz is running in this channel.")
            return
        if interaction.user.id != run.started_by and not _may_manage(interaction):
            await reply_ephemeral(
                interaction, f"Only <@{run.started_by}> (who started it) or members with Manage Server can stop it."
            )
            return
        stopped = await self.manager.stop(run.id)
        await reply_ephemeral(
            interaction, "Quiz stopped; the results are being posted." if stopped else "The quiz has already ended."
        )

    @app_commands.command(name="quizzes")
    async def quizzes(self, interaction: discord.Interaction[Any]) -> None:
        """List the quizzes you can start with /quiz."""
        embed, view = quizzes_page(self.bot.catalog.quizzes(), 0)
        await reply_ephemeral(interaction, None, embed=embed, view=view)

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
    )
    async def quiz_settings(
        self,
        interaction: discord.Interaction[Any],
        quiz_master_role: discord.Role | None = None,
        anyone_can_start: bool | None = None,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
        lead_seconds: app_commands.Range[int, 0, MAX_LEAD_SECONDS] | None = None,
        reveal_seconds: app_commands.Range[int, 0, MAX_REVEAL_SECONDS] | None = None,
        scoring: Literal["accuracy", "speed"] | None = None,
        timezone: str | None = None,
    ) -> None:
        """Show or change how live quizzes run in this server (Manage Server)."""
        assert interaction.guild_id is not None
        # default_permissions is only a hint that server admins can override: check for real.
        if not _may_manage(interaction):
            await reply_ephemeral(
                interaction, "Only members with the Manage Server permission can change quiz settings."
            )
            return
        changes: dict[str, Any] = {}
        if quiz_master_role is not None:
            changes["quiz_master_role_id"] = quiz_master_role.id
        if anyone_can_start:
            changes["quiz_master_role_id"] = None
        if seconds is not None:
            changes["default_seconds"] = seconds
        if lead_seconds is not None:
            changes["lead_seconds"] = lead_seconds
        if reveal_seconds is not None:
            changes["reveal_seconds"] = reveal_seconds
        if scoring is not None:
            changes["scoring_mode"] = ScoringMode(scoring)
        if timezone is not None:
            try:
                changes["timezone"] = canonical_timezone(timezone)
            except ValueError as problem:
                await reply_ephemeral(interaction, str(problem))
                return
        store = self.bot.storage.settings
        if changes:
            settings = await store.update_guild_settings(interaction.guild_id, **changes)
            log.info("quiz settings changed in guild %d by %d: %s", interaction.guild_id, interaction.user.id, changes)
            heading = "Quiz settings updated (running quizzes keep their timing and scoring):"
        else:
            settings = await store.guild_settings(interaction.guild_id)
            heading = "Quiz settings:"
        await reply_ephemeral(interaction, f"{heading}\n{settings_text(settings)}")

    @quiz_settings.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in timezone_suggestions(current)]


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, QuizBot)
    # Registered here, inside setup_hook: clicks on old messages are handled from the first event on.
    bot.add_dynamic_items(*DYNAMIC_ITEMS, QuizzesPageButton)
    await bot.add_cog(QuizCog(bot))
