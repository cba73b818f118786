"""Persistent quiz buttons: every state they need is in the custom_id and the database, none in memory.

custom_ids (all under the `quiz:` namespace, ≤ 100 characters):
  quiz:<run>:<question>:<choice>   an answer (live questions and daily posts alike), routed by
                                   `route_answer_click` instead of a DynamicItem (the hot path)
  quiz:start:<run>                 "Start now" on the intro (starter only)
  quiz:next:<run>:<question>       "Next" on a live question (starter or Manage Server)
  quiz:mine:<run>                  "My answers" on the results
Anything else under `quiz:` (an older format, a forged id) gets a clear ephemeral reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Sequence
from typing import Any

import discord

from bot.domain.errors import UnavailableError
from bot.domain.quiz import letter_of
from bot.domain.runs import AnswerOutcome
from bot.live.answers import NO_LONGER_ACTIVE, AnswerReply, submit_answer
from bot.live.late_clicks import LateClickLog
from bot.ui.access import member_of
from bot.ui.delivery_errors import DELIVERY_ERRORS, describe
from bot.ui.failures import UNKNOWN_INTERACTION, answers_failures, client_of, send_private
from bot.ui.live_embeds import my_answers_messages
from bot.ui.text import NO_MENTIONS, shorten

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
ALREADY_ACKNOWLEDGED = 40060  # a second response to one interaction: after a lost answer, the first arrived
RECORDING_FAILED = "Your answer was not recorded because of a problem on our side. Please click again in a moment."


def _age(interaction: discord.Interaction[Any]) -> float:
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


def _commit_wait(age: float) -> float:
    """How long a click `age` seconds old may wait for its commit before it defers."""
    return max(ACK_BUDGET_SECONDS - age, min(COMMIT_GRACE_SECONDS, LAST_DEFER_AGE_SECONDS - age), 0.0)


def answer_label(index: int, choice: str) -> str:
    return shorten(f"{letter_of(index)}) {' '.join(choice.split())}", BUTTON_LABEL)


class AnswerButton(discord.ui.Button[Any]):
    """An answer button as it is drawn. Its clicks never go through a View: `route_answer_click` reads
    the run, question and choice from the custom_id (see AnswerClick)."""

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
            label=label or letter_of(choice),
            style=style,
            disabled=disabled,
            custom_id=f"quiz:{run_id}:{index}:{choice}",
            row=0,
        )

    def is_dispatchable(self) -> bool:
        # Not for discord.py's ViewStore: a sent question would otherwise be kept there forever, and its
        # clicks dispatched twice. The router answers them, on any message, also after a restart.
        return False


_ANSWER_ID = re.compile(ANSWER_TEMPLATE)


async def route_answer_click(interaction: discord.Interaction[Any]) -> None:
    """The `on_interaction` listener for answer clicks, registered in setup_hook like a persistent button.

    A DynamicItem made discord.py rebuild the message's whole View (every button of the question),
    find the clicked one and build a new item, per click; the custom_id says all the click needs
    (docs/performance.md). Every other interaction is left to discord.py.
    """
    if interaction.type is not discord.InteractionType.component or interaction.data is None:
        return
    custom_id = interaction.data.get("custom_id")
    match = _ANSWER_ID.fullmatch(custom_id) if isinstance(custom_id, str) else None
    if match is None:
        return
    try:
        await AnswerClick(int(match["run"]), int(match["q"]), int(match["c"])).callback(interaction)
    finally:
        release(interaction)


def release(interaction: discord.Interaction[Any]) -> None:
    """Break the cycle between a finished interaction and its cached `response`, so that refcounting frees
    the click (its message, embed, buttons, member) at once instead of the next full garbage collection.

    With GC_THRESHOLDS (bot/runtime.py) a full collection is rare, and every click that waited through a
    young collection during a burst ended up in the oldest generation: after 20 bursts of 1,000 the bot
    held twice the baseline's memory (docs/performance.md). Without the cached response the next use of
    `interaction.response` makes a fresh one (discord.py caches it in this private slot).
    """
    with contextlib.suppress(AttributeError):
        delattr(interaction, "_cs_response")


def _is_on_message(interaction: discord.Interaction[Any], custom_id: str) -> bool:
    """Whether the clicked custom_id is a button of the message the click came from (as a View checks)."""
    message = interaction.message
    if message is None:
        return False
    for row in message.components:
        for child in getattr(row, "children", (row,)):
            if getattr(child, "custom_id", None) == custom_id:
                return True
    return False


class AnswerClick:
    """One answer click, as the custom_id `quiz:<run>:<question>:<choice>` describes it."""

    __slots__ = ("choice", "index", "run_id")

    def __init__(self, run_id: int, index: int, choice: int) -> None:
        self.run_id, self.index, self.choice = run_id, index, choice

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if not _is_on_message(interaction, f"quiz:{self.run_id}:{self.index}:{self.choice}"):
            await send_private(interaction, NO_LONGER_ACTIVE)
            return
        await self._answer(interaction)

    async def _answer(self, interaction: discord.Interaction[Any]) -> None:
        """The hot path: commit the answer, then reply; defer first if the commit runs late.

        What Discord does to the reply never changes what was stored, nor claims what was not: the text
        comes from the commit's outcome, and the commit runs to its end even when the reply fails.
        """
        client = client_of(interaction)
        age = _age(interaction)
        if age > LATE_ACK_LOG_SECONDS:
            late_clicks.note(age, self.run_id, self.index)
        # The commit runs in this task; only a commit still running after the wait starts a defer beside it.
        late = _DeferIfLate(self, interaction, _commit_wait(age))
        try:
            reply = await self._outcome(
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
        finally:
            late.stop_timer()
        try:
            await self._reply(interaction, reply.text, deferred=await late.deferred())
        except DELIVERY_ERRORS as error:
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

    async def _outcome(self, work: Awaitable[AnswerReply]) -> AnswerReply:
        """What to tell the member once the commit ended; a failed commit says the click did not count."""
        try:
            return await work
        except UnavailableError as error:
            # An outage (the database server restarting): one line per click, no traceback to wade through.
            log.warning("answer not recorded: run=%d question=%d: %s", self.run_id, self.index, error)
            return AnswerReply(AnswerOutcome.UNKNOWN, RECORDING_FAILED)
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


class _DeferIfLate:
    """Defers a click ("thinking…") if its commit is still running `after` seconds from now.

    A timer instead of running the commit as a task and waiting on it with a timeout: a click whose
    commit is in time (nearly all) costs one timer handle instead of a task, a waiter and callbacks.
    """

    __slots__ = ("_click", "_interaction", "_task", "_timer")

    def __init__(self, click: AnswerClick, interaction: discord.Interaction[Any], after: float) -> None:
        self._click, self._interaction = click, interaction
        self._task: asyncio.Task[bool] | None = None
        self._timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(after, self._start)

    def _start(self) -> None:
        self._timer = None  # the handle keeps its callback, and so this object, alive: let go of it
        self._task = asyncio.create_task(self._click._defer(self._interaction))

    def stop_timer(self) -> None:
        """The commit ended: a defer that has not started will not."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def deferred(self) -> bool:
        """True once Discord has the defer, False if none was started; raises what the defer raised."""
        return self._task is not None and await self._task


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


class StartNowButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=START_TEMPLATE):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Start now", style=discord.ButtonStyle.success, custom_id=f"quiz:start:{run_id}")
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StartNowButton:
        return cls(int(match["run"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        started = await client_of(interaction).live.start_now(self.run_id, member_of(interaction))
        await send_private(interaction, "Starting now." if started else "This quiz has already started.")


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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NextButton:
        return cls(int(match["run"]), int(match["q"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        closed = await client_of(interaction).live.close_question(self.run_id, self.index, member_of(interaction))
        await send_private(interaction, "Closing this question now." if closed else "This question is closed.")


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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MyAnswersButton:
        return cls(int(match["run"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        quiz, mine = await client_of(interaction).live.answers_of(self.run_id, interaction.user.id)
        # A long quiz with choice explanations may not fit one message: the rest follow, privately too.
        first, *rest = my_answers_messages(quiz, mine)
        await interaction.response.send_message(embeds=first, ephemeral=True, allowed_mentions=NO_MENTIONS)
        for embeds in rest:
            await interaction.followup.send(embeds=embeds, ephemeral=True, allowed_mentions=NO_MENTIONS)


class UnknownQuizButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=UNKNOWN_TEMPLATE):
    """Any other `quiz:` button: say so instead of letting Discord show "This interaction failed"."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(label="?", custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UnknownQuizButton:
        return cls(match.string)

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        log.info("unknown quiz button %r clicked by %d", shorten(self.custom_id, 100), interaction.user.id)
        await send_private(interaction, NO_LONGER_ACTIVE)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    StartNowButton,
    NextButton,
    MyAnswersButton,
    UnknownQuizButton,
)
