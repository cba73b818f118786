"""/quizzes: the loaded quizzes, a page at a time, with stateless Previous/Next buttons."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.boards import clamp_page, page_count
from bot.domain.quiz import Quiz
from bot.ui.failures import answers_failures, client_of
from bot.ui.text import shorten

PAGE_SIZE = 15
PAGE_TEMPLATE = r"quizzes:page:(?P<page>\d{1,4})"


def quizzes_page(quizzes: list[Quiz], page: int) -> tuple[discord.Embed, discord.ui.View]:
    """Page `page` (0-based, clamped) of the quiz list and its navigation buttons."""
    pages = page_count(len(quizzes), PAGE_SIZE)
    page = clamp_page(page, len(quizzes), PAGE_SIZE)
    shown = quizzes[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [f"`{q.id}` — {shorten(q.title, 150)} ({len(q.questions)} questions)" for q in shown]
    embed = discord.Embed(
        title="Quizzes",
        description="\n".join(lines) or "No quizzes are loaded. Add YAML files to the quiz folder.",
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(text=f"Page {page + 1}/{pages} · start one with /quiz name:<id>")
    view = discord.ui.View(timeout=None)
    if pages > 1:
        view.add_item(QuizzesPageButton(page - 1, "Previous", disabled=page == 0))
        view.add_item(QuizzesPageButton(page + 1, "Next", disabled=page == pages - 1))
    return embed, view


class QuizzesPageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=PAGE_TEMPLATE):
    def __init__(self, page: int, label: str = "Page", *, disabled: bool = False) -> None:
        # The custom_id must be unique per message, and both buttons of a first/last page would point
        # to the same page; clamping keeps them distinct (a disabled one can never be clicked anyway).
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"quizzes:page:{max(page, 0) if label == 'Previous' else page}",
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QuizzesPageButton:
        return cls(int(match["page"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        catalog = client_of(interaction).library.catalog_for(interaction.guild_id)
        embed, view = quizzes_page(catalog.quizzes(), self.page)
        await interaction.response.edit_message(embed=embed, view=view)
