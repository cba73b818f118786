"""What /quiz-upload, /quiz-remove and /quiz-download show, and fetching an uploaded file from Discord."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import discord

from bot.library import LibraryRefusedError, UploadOutcome
from bot.library.service import MAX_UPLOAD_BYTES
from bot.ui.access import member_of
from bot.ui.failures import answers_failures, client_of
from bot.ui.text import NO_MENTIONS, plain, shorten

# Discord's CDN answers in well under a second; a stuck download must not hold the command for 15 minutes.
DOWNLOAD_TIMEOUT_SECONDS = 15.0
# Problems listed in the reply itself; a longer list comes as a text file.
INLINE_PROBLEMS = 10
# The confirmation is ephemeral, so only the organiser who asked can click these.
REMOVE_TEMPLATE = r"library:remove:(?P<quiz>[a-z0-9_-]{1,32})"
KEEP_TEMPLATE = r"library:keep:(?P<quiz>[a-z0-9_-]{1,32})"


async def fetch_upload(attachment: discord.Attachment) -> bytes:
    """The attachment's bytes, refused when it is larger than declared limits or Discord will not hand it over."""
    try:
        data = await asyncio.wait_for(attachment.read(), timeout=DOWNLOAD_TIMEOUT_SECONDS)
    except TimeoutError:
        raise LibraryRefusedError(
            f"Downloading {plain(attachment.filename)} from Discord took over {DOWNLOAD_TIMEOUT_SECONDS:.0f} s; "
            "upload it again."
        ) from None
    except discord.HTTPException as error:
        raise LibraryRefusedError(
            f"Discord did not hand over {plain(attachment.filename)} (HTTP {error.status}); upload it again."
        ) from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise LibraryRefusedError(
            f"That file is {len(data) // 1024} KiB; quiz files are limited to {MAX_UPLOAD_BYTES // 1024} KiB."
        )
    return data


def _problems_file(problems: list[str], name: str) -> discord.File:
    return discord.File(io.BytesIO(("\n".join(problems) + "\n").encode()), filename=name)


def findings(heading: str, lines: list[str], file_name: str) -> tuple[str, list[discord.File]]:
    """A heading and its lines: in the text when few, else the first few and the whole list as a file."""
    if not lines:
        return heading, []
    shown = [f"• {plain(shorten(line, 300))}" for line in lines[:INLINE_PROBLEMS]]
    if len(lines) <= INLINE_PROBLEMS:
        return shorten("\n".join([heading, *shown]), 1900), []
    more = f"… and {len(lines) - INLINE_PROBLEMS} more: every one is in the attached {file_name}."
    return shorten("\n".join([heading, *shown, more]), 1900), [_problems_file(lines, file_name)]


def refusal_reply(refused: LibraryRefusedError) -> tuple[str, list[discord.File]]:
    return findings(str(refused), refused.problems, "problems.txt")


def upload_reply(outcome: UploadOutcome) -> tuple[str, list[discord.File]]:
    quiz = outcome.quiz
    count = len(quiz.questions)
    lines = [
        f"Stored **{plain(shorten(quiz.title, 200))}** as `{quiz.id}` (version {outcome.version}, "
        f"{count} question{'s' if count != 1 else ''}). Play it now with /quiz name:{quiz.id}."
    ]
    if outcome.replaced:
        lines.append(f"It replaces {outcome.replaced}; past results keep the version that was played.")
    text, files = findings(f"{len(outcome.warnings)} warning(s) worth a look:", outcome.warnings, "warnings.txt")
    if outcome.warnings:
        lines.append(text)
    return shorten("\n".join(lines), 1900), files


def download_file(name: str, data: bytes) -> discord.File:
    return discord.File(io.BytesIO(data), filename=name)


def remove_confirmation(quiz_id: str, title: str) -> tuple[str, discord.ui.View]:
    view = discord.ui.View(timeout=None)
    view.add_item(RemoveQuizButton(quiz_id))
    view.add_item(KeepQuizButton(quiz_id))
    text = (
        f"Remove **{plain(shorten(title, 200))}** (`{quiz_id}`) from this server? It can no longer be started; "
        "past results and leaderboards stay."
    )
    return text, view


class RemoveQuizButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=REMOVE_TEMPLATE):
    def __init__(self, quiz_id: str) -> None:
        super().__init__(
            discord.ui.Button(label="Remove", style=discord.ButtonStyle.danger, custom_id=f"library:remove:{quiz_id}")
        )
        self.quiz_id = quiz_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RemoveQuizButton:
        return cls(match["quiz"])

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        quiz = await client_of(interaction).library.remove(member_of(interaction), interaction.guild_id, self.quiz_id)
        await interaction.response.edit_message(
            content=f"Removed `{quiz.id}`. Past results stay; upload it again with /quiz-upload to bring it back.",
            view=None,
            allowed_mentions=NO_MENTIONS,
        )


class KeepQuizButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=KEEP_TEMPLATE):
    def __init__(self, quiz_id: str) -> None:
        super().__init__(
            discord.ui.Button(label="Keep it", style=discord.ButtonStyle.secondary, custom_id=f"library:keep:{quiz_id}")
        )
        self.quiz_id = quiz_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> KeepQuizButton:
        return cls(match["quiz"])

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.edit_message(
            content=f"Kept `{self.quiz_id}`.", view=None, allowed_mentions=NO_MENTIONS
        )
