"""Nothing a member does is left unanswered: every failed command or button gets a private reply.

A QuizbotError is a refusal written for the member, so its text is the reply. Anything else is a bug:
the member gets a short apology with an error id, and the log gets the same id with the traceback, so
an admin can find the one from the other.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from bot.domain.errors import QuizbotError
from bot.ui.text import NO_MENTIONS

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062  # Discord's code for a response after the 3 s deadline
SelfT = TypeVar("SelfT")


def new_error_id() -> str:
    return secrets.token_hex(4)


def apology(error_id: str) -> str:
    return (
        f"Something went wrong on our side (error `{error_id}`). Please try again; if it keeps happening, "
        "give this error id to a server admin."
    )


async def send_private(interaction: discord.Interaction[Any], text: str) -> None:
    """Send `text` to the member only, whether or not the interaction was answered (or deferred) already."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def reply_privately(interaction: discord.Interaction[Any], text: str) -> None:
    """`send_private`, for a last word: a failure to send is logged, not raised."""
    try:
        await send_private(interaction, text)
    except discord.HTTPException as error:
        # Expired (10062 after 3 s, or the 15-minute token) or Discord is failing: the log is all that is left.
        log.warning("could not tell member %d about a failure: %s", interaction.user.id, error)


async def report_failure(interaction: discord.Interaction[Any], error: BaseException, where: str) -> None:
    """Answer the member for a handler that raised `error`, and log what an admin needs."""
    if isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION:
        log.warning("%s: answered too late for Discord (10062); the member saw 'interaction failed'", where)
        return
    if isinstance(error, QuizbotError):
        await reply_privately(interaction, str(error))
        return
    error_id = new_error_id()
    log.error("%s failed [error %s] (member %d)", where, error_id, interaction.user.id, exc_info=error)
    await reply_privately(interaction, apology(error_id))


class QuizCommandTree(app_commands.CommandTree["QuizBot"]):
    """The command tree, with one answer for every command that fails."""

    async def on_error(self, interaction: discord.Interaction[QuizBot], error: app_commands.AppCommandError, /) -> None:
        command = interaction.command.qualified_name if interaction.command else "an unknown command"
        if isinstance(error, app_commands.CommandInvokeError):
            await report_failure(interaction, error.original, f"/{command}")
        elif isinstance(error, app_commands.CheckFailure | app_commands.TransformerError):
            # discord.py's own refusals (a server-only command in DMs, a value it could not convert).
            await reply_privately(interaction, str(error))
        else:
            await report_failure(interaction, error, f"/{command}")


def client_of(interaction: discord.Interaction[Any]) -> QuizBot:
    """The bot that received a button click, typed.

    A DynamicItem's callback must accept any client's interaction (discord.py types it generically), so
    it cannot declare Interaction[QuizBot]; every interaction this process receives is the QuizBot's.
    """
    return cast("QuizBot", interaction.client)


ButtonCallback = Callable[[SelfT, discord.Interaction[Any]], Coroutine[Any, Any, None]]
# The callbacks wrapped below; the architecture test checks every persistent button is among them.
GUARDED_CALLBACKS: set[Callable[..., object]] = set()


def answers_failures(callback: ButtonCallback[SelfT]) -> ButtonCallback[SelfT]:
    """Wrap a button callback so that a failure is answered like a failed command.

    discord.py only logs an exception from a DynamicItem's callback, which leaves the member with
    Discord's "This interaction failed".
    """

    @functools.wraps(callback)
    async def guarded(self: SelfT, interaction: discord.Interaction[Any]) -> None:
        try:
            await callback(self, interaction)
        except Exception as error:
            custom_id = interaction.data.get("custom_id", "?") if interaction.data else "?"
            await report_failure(interaction, error, f"button {custom_id!s:.100}")

    GUARDED_CALLBACKS.add(guarded)
    return guarded
