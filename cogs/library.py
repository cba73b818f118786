"""/quiz-upload, /quiz-remove and /quiz-download: each server manages its own quizzes from Discord; and
/quiz-suggest, where any member offers a question for the quiz masters to accept."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.library import LibraryRefusedError
from bot.ui.access import member_of
from bot.ui.choices import own_quiz_choices, quiz_choices
from bot.ui.library import download_file, fetch_upload, refusal_reply, remove_confirmation, upload_reply
from bot.ui.suggestions import new_suggestion_form
from bot.ui.text import NO_MENTIONS

Interaction = discord.Interaction[QuizBot]


class LibraryCog(commands.Cog, name="Library"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="quiz-upload")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        file="A quiz file: YAML, markdown, Aiken or CSV (as quizbot import reads them)",
        name="The quiz id (default: from the file name, e.g. Day49.md becomes day49)",
        replace="Replace this server's quiz with the same id (or play yours instead of a shared one)",
    )
    async def quiz_upload(
        self, interaction: Interaction, file: discord.Attachment, name: str | None = None, replace: bool = False
    ) -> None:
        """Add a quiz to this server from a file (Manage Server or quiz master)."""
        assert interaction.guild_id is not None
        member = member_of(interaction)
        # Refused from the declared size, before anything is downloaded.
        await self.bot.library.check_upload(member, interaction.guild_id, file.size)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await fetch_upload(file)
            outcome = await self.bot.library.upload(
                member, interaction.guild_id, file.filename, data, name=name, replace=replace
            )
            text, files = upload_reply(outcome)
        except LibraryRefusedError as refused:
            text, files = refusal_reply(refused)
        await interaction.followup.send(text, files=files, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="quiz-remove")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(name="One of this server's own quizzes")
    @app_commands.autocomplete(name=own_quiz_choices)
    async def quiz_remove(self, interaction: Interaction, name: str) -> None:
        """Remove one of this server's quizzes (asks first; past results stay)."""
        assert interaction.guild_id is not None
        quiz = await self.bot.library.removable(member_of(interaction), interaction.guild_id, name)
        text, view = remove_confirmation(quiz.id, quiz.title)
        await interaction.response.send_message(text, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="quiz-download")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(name="The quiz to download as YAML, to edit and upload again")
    @app_commands.autocomplete(name=quiz_choices)
    async def quiz_download(self, interaction: Interaction, name: str) -> None:
        """Get a quiz as a YAML file to edit and upload again (Manage Server or quiz master)."""
        assert interaction.guild_id is not None
        filename, data = await self.bot.library.download(member_of(interaction), interaction.guild_id, name)
        await interaction.response.send_message(
            f"`{filename}`: edit it and upload it again with /quiz-upload replace:true.",
            file=download_file(filename, data),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="quiz-suggest")
    @app_commands.guild_only()
    @app_commands.describe(quiz="The quiz your question is for (default: this server's suggestions quiz)")
    @app_commands.autocomplete(quiz=quiz_choices)
    async def quiz_suggest(self, interaction: Interaction, quiz: str | None = None) -> None:
        """Suggest a question for this server's quizzes; the quiz masters accept, edit or reject it."""
        assert interaction.guild_id is not None
        target = await self.bot.suggestions.open_form(interaction.guild_id, quiz)
        await interaction.response.send_modal(new_suggestion_form(target))


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(LibraryCog(bot))
