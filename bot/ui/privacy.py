"""/privacy as members see it: a private panel whose buttons hide or show them, export their data, and
forget them after a confirmation.

Every message here is ephemeral, so only the member who ran /privacy sees its buttons, and each button
acts on whoever clicks it. custom_id `privacy:<action>` is a DynamicItem: the buttons work after a restart.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.privacy import MemberExport, PrivacyService, PrivacyStatus
from bot.ui.failures import answers_failures, client_of
from bot.ui.text import NO_MENTIONS

TEMPLATE = r"privacy:(?P<action>hide|show|export|forget|confirm|cancel)"
_BUTTONS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "hide": ("Hide me from public boards", discord.ButtonStyle.secondary),
    "show": ("Show me on public boards", discord.ButtonStyle.secondary),
    "export": ("Export my data", discord.ButtonStyle.primary),
    "forget": ("Forget me", discord.ButtonStyle.danger),
    "confirm": ("Forget me now", discord.ButtonStyle.danger),
    "cancel": ("Cancel", discord.ButtonStyle.secondary),
}


def _view(*actions: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(PrivacyButton(action))
    return view


def panel(status: PrivacyStatus) -> tuple[str, discord.ui.View]:
    """What /privacy shows: where the member stands, what is stored, and the three actions."""
    if status.hidden:
        shown = (
            "You are **hidden from public boards** here: leaderboards, quiz results and daily reveals leave you "
            "out and rank the others without a gap. /leaderboard and /stats show you your own place privately."
        )
    else:
        shown = "You are **shown on public boards** here (leaderboards, quiz results, daily reveals)."
    answers = f"{status.answers} answer{'' if status.answers == 1 else 's'}"
    text = (
        f"**Your data in this server**\n{shown}\n"
        f"Stored about you here: {answers} and what the boards compute from them. **Export my data** sends you "
        "all of it as a JSON file; **Forget me** deletes it (it asks first). What is stored, why and for how "
        "long: the bot's docs/privacy.md."
    )
    return text, _view("show" if status.hidden else "hide", "export", "forget")


def forget_confirmation(answers: int) -> tuple[str, discord.ui.View]:
    text = (
        f"Forget you in this server? This deletes your {answers} answer{'' if answers == 1 else 's'} (and any "
        "questions you suggested; accepted ones stay in their quiz with your name as its author); every "
        "leaderboard, your /stats and your daily streaks are recomputed without them. Quizzes and their runs "
        "stay, without your answers. **This cannot be undone**: export your data first if you want a copy."
    )
    return text, _view("confirm", "cancel")


def export_file(export: MemberExport, size_limit: int) -> discord.File | None:
    """The export as a file Discord takes: JSON, or gzipped JSON when too large; None if even that is."""
    if len(export.data) <= size_limit:
        return discord.File(io.BytesIO(export.data), filename=export.filename)
    packed = gzip.compress(export.data, mtime=0)
    if len(packed) <= size_limit:
        return discord.File(io.BytesIO(packed), filename=export.filename + ".gz")
    return None


Action = Callable[[discord.Interaction[Any], PrivacyService, int], Awaitable[None]]


async def _set_hidden(
    interaction: discord.Interaction[Any], service: PrivacyService, guild_id: int, hidden: bool
) -> None:
    text, view = panel(await service.set_hidden(guild_id, interaction.user.id, hidden))
    await interaction.response.edit_message(content=text, view=view, allowed_mentions=NO_MENTIONS)


async def _hide(interaction: discord.Interaction[Any], service: PrivacyService, guild_id: int) -> None:
    await _set_hidden(interaction, service, guild_id, True)


async def _show(interaction: discord.Interaction[Any], service: PrivacyService, guild_id: int) -> None:
    await _set_hidden(interaction, service, guild_id, False)


async def _export(interaction: discord.Interaction[Any], service: PrivacyService, guild_id: int) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    export = await service.export(guild_id, interaction.user.id)
    file = export_file(export, interaction.filesize_limit)
    if file is None:
        text = (
            f"Your data ({len(export.data) // 1_048_576} MiB) is too large for Discord: ask the bot's admin for "
            "it (docs/privacy.md, Export)."
        )
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    text = f"Everything stored about you in this server: {export.rows} rows. Only you can see this message."
    await interaction.followup.send(text, file=file, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def _ask_to_forget(interaction: discord.Interaction[Any], service: PrivacyService, guild_id: int) -> None:
    text, view = forget_confirmation(await service.forget_preview(guild_id, interaction.user.id))
    await interaction.response.edit_message(content=text, view=view, allowed_mentions=NO_MENTIONS)


async def _forget(interaction: discord.Interaction[Any], service: PrivacyService, guild_id: int) -> None:
    result = await service.forget(guild_id, interaction.user.id)
    text = (
        f"Done: your {result.answers} answer{'' if result.answers == 1 else 's'} in this server are deleted and "
        "every board is recomputed without them."
    )
    suggested = result.deleted.get("suggestions", 0)
    if suggested:
        text += f" So {'is your suggested question' if suggested == 1 else 'are your suggested questions'}."
    await interaction.response.edit_message(content=text, view=None, allowed_mentions=NO_MENTIONS)


async def _back(interaction: discord.Interaction[Any], service: PrivacyService, guild_id: int) -> None:
    text, view = panel(await service.status(guild_id, interaction.user.id))
    await interaction.response.edit_message(content=text, view=view, allowed_mentions=NO_MENTIONS)


_ACTIONS: dict[str, Action] = {
    "hide": _hide,
    "show": _show,
    "export": _export,
    "forget": _ask_to_forget,
    "confirm": _forget,
    "cancel": _back,
}


class PrivacyButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    def __init__(self, action: str) -> None:
        label, style = _BUTTONS[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"privacy:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PrivacyButton:
        return cls(match["action"])

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        await _ACTIONS[self.action](interaction, client_of(interaction).privacy, interaction.guild_id)
