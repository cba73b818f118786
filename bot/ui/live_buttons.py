"""Persistent quiz buttons: every state they need is in the custom_id and the database, none in memory.

custom_ids (all under the `quiz:` namespace, ≤ 100 characters):
  quiz:<run>:<question>:<choice>   an answer (live questions and daily posts alike)
  quiz:start:<run>                 "Start now" on the intro (starter only)
  quiz:next:<run>:<question>       "Next" on a live question (starter or Manage Server)
  quiz:mine:<run>                  "My answers" on the results
Anything else under `quiz:` (an older format, a forged id) gets a clear ephemeral reply.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import Any

import discord
from discord.ext import commands

from bot.domain.quiz import letter_of
from bot.domain.runs import AnswerOutcome
from bot.live.answers import NO_LONGER_ACTIVE, AnswerReply, submit_answer
from bot.live.late_clicks import LateClickLog
from bot.live.manager import LiveQuizManager
from bot.ui.delivery_errors import DELIVERY_ERRORS, describe
from bot.ui.live_embeds import my_answers_embed, shorten

log = logging.getLogger(__name__)
late_clicks = LateClickLog(log)

ID = r"\d{1,18}"  # fits SQLite's 64-bit integers; longer digit runs are forged
ANSWER_TEMPLATE = rf"quiz:(?P<run>{ID}):(?P<q>\d{{1,3}}):(?P<c>\d)"
START_TEMPLATE = rf"quiz:start:(?P<run>{ID})"
NEXT_TEMPLATE = rf"quiz:next:(?P<run>{ID}):(?P<q>\d{{1,3}})"
MINE_TEMPLATE = rf"quiz:mine:(?P<run>{ID})"
_KNOWN = "|".join(t.removeprefix("quiz:") for t in (ANSWER_TEMPLATE, START_TEMPLATE, NEXT_TEMPLATE, MINE_TEMPLATE))
# Named groups may not repeat inside one pattern; the catch-all only needs the shapes.
UNKNOWN_TEMPLATE = "quiz:(?!(?:" + re.sub(r"\?P<\w+>", "", _KNOWN) + ")$).*"

BUTTON_LABEL = 80
NO_MENTIONS = discord.AllowedMentions.none()
# Answer within this long after Discord created the interaction, or defer first (the hard limit is 3 s).
# Not earlier: in a burst, clicks spend most of their age queued, not committing, and a defer doubles
# the requests per click, which made a 5,000-click burst collapse at 1.5 s (docs/performance.md).
# 0.8 s is left for the defer to reach Discord.
ACK_BUDGET_SECONDS = 2.2
# A click that is already that old still gives its commit this long (a group commit takes milliseconds)
# before deferring, as long as the defer goes out by LAST_DEFER_AGE_SECONDS: deferring at once sent two
# requests for every click the bot was late for, exactly when it was behind, and a 5,000-click burst
# snowballed into misses (docs/performance.md).
COMMIT_GRACE_SECONDS = 0.25
LAST_DEFER_AGE_SECONDS = 2.75
LATE_ACK_LOG_SECONDS = 1.0
UNKNOWN_INTERACTION = 10062  # Discord's error code for a response after the 3 s deadline
ALREADY_ACKNOWLEDGED = 40060  # a second response to one interaction: after a lost answer, the first arrived
RECORDING_FAILED = "Your answer could not be recorded because of an error on our side. Please click again."


def manager_of(client: discord.Client) -> LiveQuizManager | None:
    cog = client.get_cog("Quiz") if isinstance(client, commands.Bot) else None
    manager = getattr(cog, "manager", None)
    return manager if isinstance(manager, LiveQuizManager) else None


def _age(interaction: discord.Interaction[Any]) -> float:
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


def _commit_wait(age: float) -> float:
    """How long a click `age` seconds old may wait for its commit before it defers."""
    return max(ACK_BUDGET_SECONDS - age, min(COMMIT_GRACE_SECONDS, LAST_DEFER_AGE_SECONDS - age), 0.0)


async def reply_ephemeral(interaction: discord.Interaction[Any], text: str | None, **kwargs: Any) -> None:
    """Answer the interaction ephemerally, or follow up if it was deferred already."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(text, ephemeral=True, **kwargs)


def answer_label(index: int, choice: str) -> str:
    return shorten(f"{letter_of(index)}) {' '.join(choice.split())}", BUTTON_LABEL)


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_TEMPLATE):
    def __init__(
        self,
        run_id: int,
        index: int,
        choice: int,
        label: str | None = None,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or letter_of(choice),
                style=style,
                disabled=disabled,
                custom_id=f"quiz:{run_id}:{index}:{choice}",
                row=0,
            )
        )
        self.run_id, self.index, self.choice = run_id, index, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(int(match["run"]), int(match["q"]), int(match["c"]), item.label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await self._answer(interaction)

    async def _answer(self, interaction: discord.Interaction[Any]) -> None:
        """The hot path: commit the answer, then reply; defer first if the commit runs late.

        What Discord does to the reply never changes what was stored, nor claims what was not: the text
        comes from the commit's outcome, and the commit runs to its end even when the reply fails.
        """
        client = interaction.client
        age = _age(interaction)
        if age > LATE_ACK_LOG_SECONDS:
            late_clicks.note(age, self.run_id, self.index)
        work = asyncio.ensure_future(
            submit_answer(
                client.storage,
                client.clock,
                run_id=self.run_id,
                index=self.index,
                choice=self.choice,
                user_id=interaction.user.id,
                user_name=interaction.user.display_name,
            )
        )
        await asyncio.wait({work}, timeout=_commit_wait(age))
        reply: AnswerReply | None = None
        try:
            deferred = not work.done() and await self._defer(interaction)
            reply = await self._outcome(work)
            await self._reply(interaction, reply.text, deferred=deferred)
        except DELIVERY_ERRORS as error:
            if reply is None:
                reply = await self._outcome(work)
            self._undelivered(interaction, error, reply)

    async def _defer(self, interaction: discord.Interaction[Any]) -> bool:
        """Show "thinking…" while a late commit runs; True once Discord has it."""
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as error:
            if error.code != ALREADY_ACKNOWLEDGED:
                raise
            # discord.py sent the defer again after a 5xx, but the first one had arrived.
            log.info("slow answer commit: run=%d question=%d deferred (on an earlier try)", self.run_id, self.index)
            return True
        log.info("slow answer commit: run=%d question=%d deferred", self.run_id, self.index)
        return True

    async def _outcome(self, work: asyncio.Future[AnswerReply]) -> AnswerReply:
        """What to tell the member once the commit ended; a failed commit says the click did not count."""
        try:
            return await work
        except Exception:
            # Never leave the member with "This interaction failed": say the click did not count.
            log.exception("recording an answer failed: run=%d question=%d", self.run_id, self.index)
            return AnswerReply(AnswerOutcome.UNKNOWN, RECORDING_FAILED)

    async def _reply(self, interaction: discord.Interaction[Any], text: str, *, deferred: bool) -> None:
        if deferred:
            # Editing the "thinking…" message is idempotent: a retry after a lost answer changes nothing.
            await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)
            return
        try:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            if error.code != ALREADY_ACKNOWLEDGED:
                raise
            # discord.py sent the reply again after a 5xx, but the first one had arrived: the member has it.
            log.info("answer reply arrived on an earlier try: run=%d question=%d", self.run_id, self.index)

    def _undelivered(self, interaction: discord.Interaction[Any], error: Exception, reply: AnswerReply) -> None:
        """One line, never a traceback: under overload a traceback would cost the next clicks their deadline."""
        if isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION:
            # Discord's 3 s passed before our first response: expected under overload, never retried.
            log.warning(
                "click acknowledged too late for Discord (10062): run=%d question=%d, %.2f s after it was made; "
                "answer %s",
                self.run_id,
                self.index,
                _age(interaction),
                reply.outcome.value,
            )
            return
        log.warning(
            "click reply not delivered: run=%d question=%d: %s; answer %s",
            self.run_id,
            self.index,
            describe(error),
            reply.outcome.value,
        )


def answer_buttons(
    run_id: int,
    index: int,
    choices: Sequence[str],
    *,
    revealed_answer: int | None = None,
) -> discord.ui.View:
    """The answer buttons of one question (reusable for daily posts); after the reveal, disabled with the
    correct one green."""
    view = discord.ui.View(timeout=None)
    for choice, text in enumerate(choices):
        style = discord.ButtonStyle.primary
        if revealed_answer is not None:
            style = discord.ButtonStyle.success if choice == revealed_answer else discord.ButtonStyle.secondary
        view.add_item(
            AnswerButton(
                run_id, index, choice, answer_label(choice, text), style=style, disabled=revealed_answer is not None
            )
        )
    return view


def question_view(run_id: int, index: int, choices: Sequence[str]) -> discord.ui.View:
    view = answer_buttons(run_id, index, choices)
    view.add_item(NextButton(run_id, index))
    return view


async def _controlling_manager(interaction: discord.Interaction[Any], run_id: int) -> LiveQuizManager | None:
    """The manager, if this member may control the run; otherwise None after telling them why not."""
    run = await interaction.client.storage.runs.get_run(run_id)
    if run is not None and interaction.user.id != run.started_by and not interaction.permissions.manage_guild:
        await reply_ephemeral(
            interaction, f"Only <@{run.started_by}> (who started this quiz) or members with Manage Server can do that."
        )
        return None
    manager = manager_of(interaction.client)
    if run is None or manager is None:
        await reply_ephemeral(interaction, NO_LONGER_ACTIVE)
        return None
    return manager


class StartNowButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=START_TEMPLATE):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Start now", style=discord.ButtonStyle.success, custom_id=f"quiz:start:{run_id}")
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> StartNowButton:
        return cls(int(match["run"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        manager = await _controlling_manager(interaction, self.run_id)
        if manager is None:
            return
        started = await manager.start_now(self.run_id)
        await reply_ephemeral(interaction, "Starting now." if started else "This quiz has already started.")


class NextButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NEXT_TEMPLATE):
    def __init__(self, run_id: int, index: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next",
                emoji="⏭️",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"quiz:next:{run_id}:{index}",
                row=1,
            )
        )
        self.run_id, self.index = run_id, index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> NextButton:
        return cls(int(match["run"]), int(match["q"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        manager = await _controlling_manager(interaction, self.run_id)
        if manager is None:
            return
        closed = await manager.close_question(self.run_id, self.index)
        await reply_ephemeral(interaction, "Closing this question now." if closed else "This question is closed.")


class MyAnswersButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=MINE_TEMPLATE):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="My answers", emoji="📝", style=discord.ButtonStyle.secondary, custom_id=f"quiz:mine:{run_id}"
            )
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> MyAnswersButton:
        return cls(int(match["run"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        runs = interaction.client.storage.runs
        quiz = await runs.run_quiz(self.run_id)
        if quiz is None:
            await reply_ephemeral(interaction, NO_LONGER_ACTIVE)
            return
        # Filtered in SQL: after a big quiz many members click this, and each would load every answer.
        mine = await runs.answers(self.run_id, user_id=interaction.user.id)
        if not mine:
            await reply_ephemeral(interaction, "You did not answer any question of this quiz.")
            return
        await reply_ephemeral(interaction, None, embed=my_answers_embed(quiz, mine))


class UnknownQuizButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=UNKNOWN_TEMPLATE):
    """Any other `quiz:` button: say so instead of letting Discord show "This interaction failed"."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(label="?", custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> UnknownQuizButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        log.info("unknown quiz button %r clicked by %d", shorten(self.custom_id, 100), interaction.user.id)
        await reply_ephemeral(interaction, NO_LONGER_ACTIVE)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    AnswerButton,
    StartNowButton,
    NextButton,
    MyAnswersButton,
    UnknownQuizButton,
)
