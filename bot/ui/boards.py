"""A leaderboard page: its embed, and Previous/Next buttons that carry the whole request.

custom_id: lb:<p|n>:<scope>:<run id or quiz id>:<page>:<owner>:<minute made> (at most 79 characters),
so paging works after a restart; the board service decides what the request means and when it expired.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.boards import BoardRequest, ShownBoard
from bot.domain import limits
from bot.domain.boards import BoardEntry, Scope
from bot.domain.scoring import MEDALS
from bot.ui.failures import answers_failures, client_of
from bot.ui.text import NO_MENTIONS, plain, shorten

NAME_WIDTH = 32
PAGE_TEMPLATE = (
    r"lb:(?P<dir>[pn]):(?P<scope>[a-z]{2,6}):(?P<ref>[a-z0-9_-]{0,32}):(?P<page>\d{1,6}):"
    r"(?P<owner>\d{1,20}):(?P<made>\d{1,10})"
)
EXPIRED = "This board is more than 15 minutes old: run /leaderboard again for fresh numbers."


def entry_line(entry: BoardEntry) -> str:
    badge = MEDALS[entry.rank - 1] if entry.rank <= len(MEDALS) else f"`#{entry.rank}`"
    name = plain(shorten(entry.user_name or "(unknown member)", NAME_WIDTH))
    practice = f" ({entry.practice} in practice)" if entry.practice else ""
    return f"{badge} **{name}** · {entry.correct}/{entry.answered} correct{practice} · {entry.seconds:.1f} s"


def board_embed(shown: ShownBoard, *, public: bool) -> discord.Embed:
    """The board; `public` when everybody in the channel sees the message.

    A viewer hidden from public boards (/privacy) gets their own line only where nobody else looks.
    """
    page = shown.page
    embed = discord.Embed(
        title=shorten(f"Leaderboard · {shown.title}", limits.EMBED_TITLE),
        description="\n".join(entry_line(entry) for entry in page.entries) or "Nobody has answered on this board yet.",
        colour=discord.Colour.gold(),
    )
    # A board posted publicly before its viewer hid shows no "You" line when paged from then on.
    if not (shown.private and public):
        you = "You (hidden from public boards: only you see this)" if shown.private else "You"
        if page.own is not None:
            embed.add_field(name=you, value=entry_line(page.own), inline=False)
        elif page.entries or shown.private:
            embed.add_field(name=you, value="You have no answers on this board yet.", inline=False)
    embed.set_footer(
        text=f"Page {page.page + 1}/{page.page_count} · {page.member_count} members · "
        "score = correct answers, ties by total answer time"
    )
    return embed


def board_view(shown: ShownBoard, *, expired: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    page, request = shown.page, shown.request
    if page.page_count > 1:
        previous = max(page.page - 1, 0)
        following = min(page.page + 1, page.page_count - 1)
        view.add_item(
            LeaderboardPageButton("p", _at_page(request, previous), disabled=expired or not page.has_previous)
        )
        view.add_item(LeaderboardPageButton("n", _at_page(request, following), disabled=expired or not page.has_next))
    return view


def _at_page(request: BoardRequest, page: int) -> BoardRequest:
    return BoardRequest(request.guild_id, request.scope, request.ref, page, request.viewer_id, request.made_minute)


class LeaderboardPageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=PAGE_TEMPLATE):
    def __init__(self, direction: str, request: BoardRequest, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"lb:{direction}:{request.scope.value}:{request.ref}:{request.page}:"
                f"{request.viewer_id}:{request.made_minute}",
            )
        )
        self.direction, self.request = direction, request

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> LeaderboardPageButton:
        try:
            scope = Scope(match["scope"])
        except ValueError:
            scope = Scope.ALL
        guild_id = interaction.guild_id or 0
        request = BoardRequest(
            guild_id, scope, match["ref"], int(match["page"]), int(match["owner"]), int(match["made"])
        )
        return cls(match["dir"], request)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        owner = self.request.viewer_id
        if interaction.user.id == owner:
            return True
        await interaction.response.send_message(
            f"Only <@{owner}> can page this board. Run /leaderboard to get your own.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.request.is_expired(interaction.created_at):
            expired = discord.ui.View(timeout=None)
            for direction in "pn":
                expired.add_item(LeaderboardPageButton(direction, _at_page(self.request, 0), disabled=True))
            await interaction.response.edit_message(view=expired)
            await interaction.followup.send(EXPIRED, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        shown = await client_of(interaction).boards.show(self.request)
        public = interaction.message is None or not interaction.message.flags.ephemeral
        await interaction.response.edit_message(
            embed=board_embed(shown, public=public), view=board_view(shown), allowed_mentions=NO_MENTIONS
        )
