"""The Discord side of a live run: posts and edits in the quiz channel, Discord errors turned into run errors."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import discord

from bot.domain.quiz import Quiz
from bot.domain.runs import Run, RunKind, RunQuestion, Tally
from bot.domain.scoring import Standing
from bot.live.runner import MessageGoneError, MissingPermissionsError
from bot.ui.delivery_errors import DELIVERY_ERRORS, delivery_error, describe
from bot.ui.live_buttons import MyAnswersButton, StartNowButton, answer_buttons, question_view
from bot.ui.live_embeds import (
    EXPLANATIONS_TITLE,
    distribution_messages,
    intro_embed,
    question_embed,
    results_messages,
    reveal_embed,
)
from bot.ui.private_views import window_intro_embed, window_intro_view
from bot.ui.results_card import render_results_card
from bot.ui.text import NO_MENTIONS

log = logging.getLogger(__name__)


def missing_permissions(
    permissions: discord.Permissions, *, in_thread: bool = False, attach_files: bool = False
) -> list[str]:
    """The channel permissions a live quiz needs that `permissions` lacks, named as in Discord's UI.

    `attach_files`: also the one a message with a file needs (the results card; optional, so /quiz
    does not ask for it).
    """
    send = (
        ("Send Messages in Threads", permissions.send_messages_in_threads)
        if in_thread
        else (
            "Send Messages",
            permissions.send_messages,
        )
    )
    needed = [("View Channel", permissions.view_channel), send, ("Embed Links", permissions.embed_links)]
    if attach_files:
        needed.append(("Attach Files", permissions.attach_files))
    return [name for name, granted in needed if not granted]


def cannot_run_here(permissions: discord.Permissions, channel: object, channel_id: int | None) -> str | None:
    """Why a live quiz cannot run in this channel (the bot's missing permissions), or None if it can."""
    missing = missing_permissions(permissions, in_thread=isinstance(channel, discord.Thread))
    if not missing:
        return None
    log.warning("cannot start a quiz in channel %s: missing %s", channel_id, ", ".join(missing))
    return (
        f"I can't run a quiz here: I am missing the {', '.join(missing)} permission(s) in this channel. "
        "Ask a server admin to grant them, or use another channel."
    )


@dataclass(frozen=True)
class ResultsPart:
    """One version of one results message (see Presenter.results_parts)."""

    label: str  # "leaderboard", "explanations": what the log calls it
    embeds: list[discord.Embed]
    with_my_answers: bool
    card: bytes | None = None  # the results card PNG, on the leaderboard message only

    def __str__(self) -> str:
        extras = [name for name, present in (("card", self.card), ("My answers", self.with_my_answers)) if present]
        return f"{self.label} with {' and '.join(extras)}" if extras else self.label

    def versions(self) -> list[ResultsPart]:
        """This message as it can be posted, richest first: without the card, then without the button too."""
        found = [self]
        if self.card is not None:
            found.append(dataclasses.replace(self, card=None))
        if self.with_my_answers:
            found.append(dataclasses.replace(self, card=None, with_my_answers=False))
        return found


def results_card(quiz: Quiz, board: Sequence[Standing], tally: Tally) -> bytes:
    """The PNG attached to the leaderboard message; the text leaderboard stays for screen readers."""
    answered = [sum(row) for row in tally.counts]
    shares = [right / total if total else 0.0 for right, total in zip(tally.right(quiz), answered, strict=True)]
    podium = [(standing.user_name, standing.points) for standing in board[:3]]
    return render_results_card(quiz.title, podium, shares)


class DiscordPresenter:
    def __init__(self, client: discord.Client) -> None:
        self._client = client
        # The /quiz interaction of each run started in this process: its followups reach the starter
        # privately for 15 minutes, which is how they learn about a permission problem.
        self._starters: dict[int, discord.Interaction[discord.Client]] = {}

    def remember_starter(self, run_id: int, interaction: discord.Interaction[discord.Client]) -> None:
        self._starters[run_id] = interaction

    def _channel(self, run: Run) -> discord.PartialMessageable:
        return self._client.get_partial_messageable(run.channel_id, guild_id=run.guild_id)

    def _permissions(self, run: Run) -> tuple[discord.Permissions, bool] | None:
        """The bot's permissions in the run's channel and whether it is a thread, if the cache knows them."""
        channel = self._client.get_channel(run.channel_id)
        if isinstance(channel, discord.abc.GuildChannel | discord.Thread) and channel.guild.me is not None:
            return channel.permissions_for(channel.guild.me), isinstance(channel, discord.Thread)
        return None

    def _missing(self, run: Run, *, attach_files: bool = False) -> list[str]:
        known = self._permissions(run)
        if known is None:
            return []
        permissions, in_thread = known
        return missing_permissions(permissions, in_thread=in_thread, attach_files=attach_files)

    @contextlib.asynccontextmanager
    async def _discord_errors(self, run: Run, what: str, *, attach_files: bool = False) -> AsyncIterator[None]:
        try:
            yield
        except discord.Forbidden as error:
            missing = self._missing(run, attach_files=attach_files)
            raise MissingPermissionsError(missing, f"{what}: {describe(error)}") from error
        except discord.NotFound as error:
            raise MessageGoneError(
                f"{what}: {error.text or 'not found'} (code {error.code})", code=error.code
            ) from error
        except DELIVERY_ERRORS as error:
            raise delivery_error(error, what) from error

    async def post_intro(self, run: Run, quiz: Quiz, *, nonce: str) -> int:
        if run.kind is RunKind.WINDOW:
            # An open window's post: its Start button takes each member through it privately.
            embed, view = window_intro_embed(run, quiz), window_intro_view(run)
        else:
            embed, view = intro_embed(run, quiz), discord.ui.View(timeout=None)
            view.add_item(StartNowButton(run.id))
        async with self._discord_errors(run, "posting the intro"):
            message = await self._channel(run).send(embed=embed, view=view, nonce=nonce, allowed_mentions=NO_MENTIONS)
        return message.id

    async def post_question(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int, *, nonce: str) -> int:
        choices = quiz.questions[question.index].choices
        async with self._discord_errors(run, f"posting question {question.index + 1}"):
            message = await self._channel(run).send(
                embed=question_embed(run, quiz, question, answered),
                view=question_view(run.id, question.index, choices),
                nonce=nonce,
                allowed_mentions=NO_MENTIONS,
            )
        return message.id

    async def refresh_counter(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int) -> None:
        assert question.message_id is not None
        choices = quiz.questions[question.index].choices
        async with self._discord_errors(run, f"updating question {question.index + 1}"):
            await (
                self._channel(run)
                .get_partial_message(question.message_id)
                .edit(
                    embed=question_embed(run, quiz, question, answered),
                    view=question_view(run.id, question.index, choices),
                    allowed_mentions=NO_MENTIONS,
                )
            )

    async def reveal(self, run: Run, quiz: Quiz, question: RunQuestion, counts: list[int]) -> None:
        assert question.message_id is not None
        content = quiz.questions[question.index]
        async with self._discord_errors(run, f"revealing question {question.index + 1}"):
            await (
                self._channel(run)
                .get_partial_message(question.message_id)
                .edit(
                    embed=reveal_embed(run, quiz, question, counts),
                    view=answer_buttons(run.id, question.index, content.choices, revealed_answer=content.answer),
                    allowed_mentions=NO_MENTIONS,
                )
            )

    def _may_attach(self, run: Run) -> bool:
        """False when the cache says the bot may not attach files here; unknown counts as allowed."""
        known = self._permissions(run)
        return known is None or known[0].attach_files

    def results_parts(
        self, run: Run, quiz: Quiz, board: list[Standing], tally: Tally
    ) -> Sequence[Sequence[ResultsPart]]:
        messages = results_messages(run, quiz, board)
        card: bytes | None = None
        if self._may_attach(run):
            card = results_card(quiz, board, tally)
        else:
            log.info(
                "quiz run %d: no Attach Files permission in channel %d; results without the card",
                run.id,
                run.channel_id,
            )
        parts = [ResultsPart("leaderboard", messages[0], with_my_answers=tally.total > 0, card=card)]
        # A window's members never saw a question's counts (a live run reveals them one by one): they come
        # after the leaderboard, before the explanations.
        distribution = (
            [
                ResultsPart("distribution", embeds, with_my_answers=False)
                for embeds in distribution_messages(quiz, tally)
            ]
            if run.kind is RunKind.WINDOW
            else []
        )
        for embeds in messages[1:]:
            explains = (embeds[0].title or "").startswith(EXPLANATIONS_TITLE)
            if explains:
                parts += distribution
                distribution = []
            parts.append(
                ResultsPart("explanations" if explains else "leaderboard (continued)", embeds, with_my_answers=False)
            )
        return [part.versions() for part in parts + distribution]

    async def post_results_part(self, run: Run, part: ResultsPart, *, nonce: str) -> int:
        view = discord.ui.View(timeout=None)
        if part.with_my_answers:
            view.add_item(MyAnswersButton(run.id))
        async with self._discord_errors(run, "posting the results", attach_files=part.card is not None):
            files = [] if part.card is None else [discord.File(io.BytesIO(part.card), filename="results.png")]
            message = await self._channel(run).send(
                embeds=part.embeds, view=view, files=files, nonce=nonce, allowed_mentions=NO_MENTIONS
            )
        return message.id

    async def report_problem(self, run: Run, text: str) -> None:
        """Tell the starter privately while their /quiz interaction lives, else post a plain notice.

        The interaction's followups work for 15 minutes and only in the process that received it; after
        that (or a restart) a short text in the channel is the next best thing — plain, because the
        lost permission is often Embed Links. If that fails too, the log line is all that is left.
        """
        interaction = self._starters.pop(run.id, None)
        if interaction is not None and not interaction.is_expired():
            try:
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
                return
            except DELIVERY_ERRORS as error:
                log.info("quiz run %d: the starter's /quiz interaction is unusable (%s)", run.id, describe(error))
        try:
            await self._channel(run).send(text, allowed_mentions=NO_MENTIONS)
        except DELIVERY_ERRORS as error:
            log.warning(
                "quiz run %d: could not tell the starter %d (%s): %s", run.id, run.started_by, describe(error), text
            )
