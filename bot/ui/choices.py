"""Autocomplete choices shared by several commands: quiz ids and time zones."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain.limits import AUTOCOMPLETE_CHOICES
from bot.domain.schedule import timezone_suggestions
from bot.ui.text import shorten

if TYPE_CHECKING:
    from bot.app import QuizBot

CHOICE_NAME = 100  # Discord's limit for a choice's name


async def quiz_choices(interaction: discord.Interaction[QuizBot], current: str) -> list[app_commands.Choice[str]]:
    """Quizzes whose id or title matches what the member has typed so far."""
    return [
        app_commands.Choice(name=shorten(f"{q.id} — {q.title}", CHOICE_NAME), value=q.id)
        for q in interaction.client.library.catalog_for(interaction.guild_id).search(
            current, limit=AUTOCOMPLETE_CHOICES
        )
    ]


async def own_quiz_choices(interaction: discord.Interaction[QuizBot], current: str) -> list[app_commands.Choice[str]]:
    """This server's own quizzes (the ones /quiz-remove can remove) matching what was typed."""
    if interaction.guild_id is None:
        return []
    needle = current.strip().casefold()
    own = interaction.client.library.own_quizzes(interaction.guild_id)
    return [
        app_commands.Choice(name=shorten(f"{q.id} — {q.title}", CHOICE_NAME), value=q.id)
        for q in own
        if needle in q.id or needle in q.title.casefold()
    ][:AUTOCOMPLETE_CHOICES]


async def timezone_choices(interaction: discord.Interaction[QuizBot], current: str) -> list[app_commands.Choice[str]]:
    """IANA time zones matching what the member has typed so far."""
    names = timezone_suggestions(current, limit=AUTOCOMPLETE_CHOICES)
    return [app_commands.Choice(name=name, value=name) for name in names]


async def mistake_quiz_choices(
    interaction: discord.Interaction[QuizBot], current: str
) -> list[app_commands.Choice[str]]:
    """The quizzes the member answered wrong here (removed ones too), matching what they typed."""
    if interaction.guild_id is None:
        return []
    found = await interaction.client.review.mistake_quizzes(
        interaction.guild_id, interaction.user.id, current, AUTOCOMPLETE_CHOICES
    )
    return [
        app_commands.Choice(name=shorten(f"{quiz_id} — {title}", CHOICE_NAME), value=quiz_id)
        for quiz_id, title in found
    ]
