"""Private runs on screen: the member's private message (question, verdict, score, offer) and its buttons,
plus the window's post in the channel.

custom_ids (all under `qp:`, ≤ 100 characters; everything a restart needs is in them and the database):
  qp:a:<run>:<question>:<choice>   an answer (practice or window)
  qp:n:<run>:<question>            Next after a practice verdict
  qp:c:<run>                       Continue an unfinished practice
  qp:o:<run>:<timer seconds>       Start over (0: no timer)
  qp:w:<run>                       Start on a window's post
Every click is a new interaction with its own token, answered within 3 s by updating the message it came
from (or, from the window's post, by a new private message), so an old message works as long as Discord
shows it; a run that is over says how to go on.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from typing import Any

import discord

from bot.domain import limits
from bot.domain.private import Screen, Stage
from bot.domain.quiz import Quiz, letter_of
from bot.domain.runs import Run, RunKind
from bot.live.answers import NO_LONGER_ACTIVE
from bot.ui.failures import answers_failures, client_of, send_private
from bot.ui.live_buttons import answer_label
from bot.ui.live_embeds import COLOUR_CLOSED, COLOUR_OPEN, COLOUR_RESULTS, with_image
from bot.ui.text import NO_MENTIONS, discord_time, plain, shorten

log = logging.getLogger(__name__)

ID = r"\d{1,18}"
ANSWER_TEMPLATE = rf"qp:a:(?P<run>{ID}):(?P<q>\d{{1,3}}):(?P<c>\d)"
NEXT_TEMPLATE = rf"qp:n:(?P<run>{ID}):(?P<q>\d{{1,3}})"
CONTINUE_TEMPLATE = rf"qp:c:(?P<run>{ID})"
OVER_TEMPLATE = rf"qp:o:(?P<run>{ID}):(?P<timer>\d{{1,3}})"
START_TEMPLATE = rf"qp:w:(?P<run>{ID})"
_KNOWN = "|".join(
    t.removeprefix("qp:") for t in (ANSWER_TEMPLATE, NEXT_TEMPLATE, CONTINUE_TEMPLATE, OVER_TEMPLATE, START_TEMPLATE)
)
UNKNOWN_TEMPLATE = "qp:(?!(?:" + re.sub(r"\?P<\w+>", "", _KNOWN) + ")$).*"

# Answer within this long after Discord made the interaction, else show "thinking" first (the limit is 3 s).
ACK_BUDGET_SECONDS = 2.2
COLOUR_RIGHT = discord.Colour.green()
COLOUR_WRONG = discord.Colour.red()
DESCRIPTION_BUDGET = 4000


# --- what the member sees ---------------------------------------------------------------------------


def _title(run: Run, quiz: Quiz, what: str) -> str:
    kind = "Practice" if run.kind is RunKind.PRACTICE else "Quiz"
    return shorten(f"{kind} · {quiz.title} · {what}", limits.EMBED_TITLE)


def _choices(quiz: Quiz, index: int, *, marks: dict[int, str] | None = None) -> str:
    question = quiz.questions[index]
    return "\n".join(
        f"{(marks or {}).get(i, '')}**{letter_of(i)})** {choice}".strip() for i, choice in enumerate(question.choices)
    )


def _so_far(screen: Screen) -> str:
    if screen.run.kind is RunKind.WINDOW:
        return "One answer per question, final once clicked · the key and the results come out when the quiz closes"
    right, answered = screen.score.right, screen.score.answered
    timer = f" · {screen.run.timer_seconds} s per question" if screen.run.timer_seconds else ""
    return f"{right} of {answered} right so far{timer}"


def question_embed(screen: Screen) -> discord.Embed:
    quiz, index = screen.quiz, screen.index
    question = quiz.questions[index]
    lines = [f"**{screen.note}**", ""] if screen.note else []
    lines += [question.prompt, "", _choices(quiz, index)]
    if screen.deadline is not None:
        what = "Time's up" if screen.run.kind is RunKind.PRACTICE else "The quiz closes"
        lines += ["", f"{what} {discord_time(screen.deadline, 'R')}"]
    embed = discord.Embed(
        title=_title(screen.run, quiz, f"Question {index + 1}/{screen.run.question_count}"),
        description=shorten("\n".join(lines), DESCRIPTION_BUDGET),
        colour=COLOUR_OPEN,
    )
    embed.set_footer(text=_so_far(screen))
    return with_image(embed, question)


def verdict_embeds(screen: Screen) -> list[discord.Embed]:
    """Practice: right or wrong, every choice marked, the question's explanation and the chosen choice's."""
    quiz, index, chosen = screen.quiz, screen.index, screen.chosen
    question = quiz.questions[index]
    marks = {question.answer: "✅ "}
    if chosen is None:
        heading, colour = "⏰ Time's up", COLOUR_CLOSED
    elif chosen == question.answer:
        heading, colour = f"✅ Right: {letter_of(chosen)}", COLOUR_RIGHT
    else:
        heading, colour = (
            f"❌ Not quite: you chose {letter_of(chosen)}, the answer is {question.answer_letter}",
            COLOUR_WRONG,
        )
        marks[chosen] = "❌ "
    note = f"**{screen.note}**\n\n" if screen.note and chosen is not None else ""
    first = discord.Embed(
        title=_title(screen.run, quiz, f"Question {index + 1}/{screen.run.question_count}"),
        description=shorten(
            f"{note}**{heading}**\n\n{question.prompt}\n\n{_choices(quiz, index, marks=marks)}", DESCRIPTION_BUDGET
        ),
        colour=colour,
    )
    first.set_footer(text=_so_far(screen))
    why = []
    if question.explanation:
        why.append(f"**Why {question.answer_letter}:** {question.explanation}")
    chosen_why = "" if chosen is None else question.choice_explanation(chosen)
    if chosen is not None and chosen_why:
        why.append(chosen_why if chosen == question.answer else f"**Why not {letter_of(chosen)}:** {chosen_why}")
    embeds = [with_image(first, question)]
    if why:
        embeds.append(discord.Embed(description=shorten("\n\n".join(why), DESCRIPTION_BUDGET), colour=colour))
    return embeds


def done_embed(screen: Screen) -> discord.Embed:
    run, quiz = screen.run, screen.quiz
    note = f"**{screen.note}**\n\n" if screen.note else ""
    if run.kind is RunKind.WINDOW:
        closes = "" if screen.deadline is None else f", {discord_time(screen.deadline, 'R')}"
        text = (
            f"You answered all {run.question_count} questions. The leaderboard, the answers and "
            f"“My answers” come out in <#{run.channel_id}> when the quiz closes{closes}."
        )
        return discord.Embed(title=_title(run, quiz, "all done"), description=note + text, colour=COLOUR_RESULTS)
    score = screen.score
    share = f" ({score.right / run.question_count:.0%})" if run.question_count else ""
    text = (
        f"**{score.right} of {run.question_count} right**{share} · {score.seconds:.0f} s of answering.\n"
        "Your practice answers count in your /stats (not on the server's leaderboards). "
        "Start over to try again."
    )
    return discord.Embed(title=_title(run, quiz, "finished"), description=note + text, colour=COLOUR_RESULTS)


def offer_embed(screen: Screen) -> discord.Embed:
    run, quiz, score = screen.run, screen.quiz, screen.score
    where = (
        f"You are on question {screen.index + 1} of {run.question_count}"
        if screen.index < run.question_count
        else f"You answered all {run.question_count} questions"
    )
    text = (
        f"You have an unfinished practice of **{plain(shorten(quiz.title, 200))}**, started "
        f"{discord_time(run.created_at, 'R')}. {where} ({score.right} of {score.answered} right so far).\n"
        "Continue where you left off, or start over from question 1?"
    )
    return discord.Embed(title=_title(run, quiz, "continue?"), description=text, colour=COLOUR_OPEN)


def screen_message(screen: Screen) -> tuple[list[discord.Embed], discord.ui.View]:
    """The member's private message for `screen`: its embeds and buttons."""
    view = discord.ui.View(timeout=None)
    run, quiz = screen.run, screen.quiz
    if screen.stage is Stage.QUESTION:
        for choice, text in enumerate(quiz.questions[screen.index].choices):
            view.add_item(PrivateAnswerButton(run.id, screen.index, choice, answer_label(choice, text)))
        return [question_embed(screen)], view
    if screen.stage is Stage.VERDICT:
        question = quiz.questions[screen.index]
        for choice, text in enumerate(question.choices):
            style = discord.ButtonStyle.secondary
            if choice == question.answer:
                style = discord.ButtonStyle.success
            elif choice == screen.chosen:
                style = discord.ButtonStyle.danger
            view.add_item(
                PrivateAnswerButton(
                    run.id, screen.index, choice, answer_label(choice, text), style=style, disabled=True
                )
            )
        view.add_item(PrivateNextButton(run.id, screen.index, last=screen.is_last))
        return verdict_embeds(screen), view
    if screen.stage is Stage.OFFER:
        view.add_item(ContinueButton(run.id))
        view.add_item(StartOverButton(run.id, screen.restart_timer))
        return [offer_embed(screen)], view
    if run.kind is RunKind.PRACTICE:
        view.add_item(StartOverButton(run.id, run.timer_seconds))
    return [done_embed(screen)], view


def window_intro_embed(run: Run, quiz: Quiz) -> discord.Embed:
    """The window's post: the quiz's intro, until when it is open, and how to take it."""
    lines = [shorten(quiz.description, 1000)] if quiz.description else []
    closes = run.closes_at or run.created_at
    lines += [
        f"**{run.question_count}** questions · open until {discord_time(closes, 'f')} ({discord_time(closes, 'R')})",
        f"Opened by <@{run.started_by}>.",
        "Press **Start** to take it privately, one question at a time at your own pace, one answer per "
        "question. Nobody sees the answers or the counts until it closes; then the leaderboard, every "
        "question's answers and explanation, and “My answers” are posted here.",
    ]
    embed = discord.Embed(
        title=shorten(quiz.title, limits.EMBED_TITLE), description="\n".join(lines), colour=COLOUR_OPEN
    )
    embed.set_footer(text=f"quiz {quiz.id} · run {run.id} · press Start again to continue where you are")
    return embed


def window_intro_view(run: Run) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(WindowStartButton(run.id))
    return view


# --- answering a click in time ----------------------------------------------------------------------


def _age(interaction: discord.Interaction[Any]) -> float:
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


async def show(interaction: discord.Interaction[Any], work: Awaitable[Screen], *, update: bool) -> None:
    """Reply to a click with the screen `work` produces: in place of the clicked message when `update`, else
    as a new private message. The work (an answer's commit) runs to its end first; if it takes longer than
    Discord's 3 s allow, the member sees "thinking" until it is done. A refusal raises (answers_failures
    replies privately with its text)."""
    task = asyncio.ensure_future(work)
    await asyncio.wait({task}, timeout=max(ACK_BUDGET_SECONDS - _age(interaction), 0.0))
    if not task.done():
        log.info(
            "slow private-run screen: deferring (%s)", interaction.data.get("custom_id") if interaction.data else ""
        )
        if update:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
        embeds, view = screen_message(await task)
        await interaction.edit_original_response(embeds=embeds, view=view, allowed_mentions=NO_MENTIONS)
        return
    embeds, view = screen_message(task.result())
    if update:
        await interaction.response.edit_message(embeds=embeds, view=view, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(embeds=embeds, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)


# --- buttons ----------------------------------------------------------------------------------------


class PrivateAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_TEMPLATE):
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
                custom_id=f"qp:a:{run_id}:{index}:{choice}",
                row=0,
            )
        )
        self.run_id, self.index, self.choice = run_id, index, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PrivateAnswerButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["run"]), int(match["q"]), int(match["c"]), label)

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        user = interaction.user
        work = client_of(interaction).private.answer(self.run_id, self.index, self.choice, user.id, user.display_name)
        await show(interaction, work, update=True)


class PrivateNextButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NEXT_TEMPLATE):
    def __init__(self, run_id: int, index: int, *, last: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="See my score" if last else "Next",
                emoji="🏁" if last else "⏭️",
                style=discord.ButtonStyle.success,
                custom_id=f"qp:n:{run_id}:{index}",
                row=1,
            )
        )
        self.run_id, self.index = run_id, index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PrivateNextButton:
        return cls(int(match["run"]), int(match["q"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        work = client_of(interaction).private.next_question(self.run_id, self.index, interaction.user.id)
        await show(interaction, work, update=True)


class ContinueButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CONTINUE_TEMPLATE):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Continue", style=discord.ButtonStyle.success, custom_id=f"qp:c:{run_id}")
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ContinueButton:
        return cls(int(match["run"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await show(interaction, client_of(interaction).private.resume(self.run_id, interaction.user.id), update=True)


class StartOverButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=OVER_TEMPLATE):
    def __init__(self, run_id: int, timer_seconds: int | None) -> None:
        super().__init__(
            discord.ui.Button(
                label="Start over",
                emoji="🔁",
                style=discord.ButtonStyle.secondary,
                custom_id=f"qp:o:{run_id}:{timer_seconds or 0}",
            )
        )
        self.run_id, self.timer_seconds = run_id, timer_seconds

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StartOverButton:
        return cls(int(match["run"]), int(match["timer"]) or None)

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        work = client_of(interaction).private.start_over(self.run_id, interaction.user.id, self.timer_seconds)
        await show(interaction, work, update=True)


class WindowStartButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=START_TEMPLATE):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Start", emoji="▶️", style=discord.ButtonStyle.success, custom_id=f"qp:w:{run_id}")
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> WindowStartButton:
        return cls(int(match["run"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # A click on the channel's post: the member's own run goes on in a new private message.
        await show(
            interaction, client_of(interaction).private.join_window(self.run_id, interaction.user.id), update=False
        )


class UnknownPrivateButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=UNKNOWN_TEMPLATE):
    """Any other `qp:` button: say so instead of letting Discord show "This interaction failed"."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(label="?", custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UnknownPrivateButton:
        return cls(match.string)

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        log.info("unknown private-run button %r clicked by %d", shorten(self.custom_id, 100), interaction.user.id)
        await send_private(interaction, NO_LONGER_ACTIVE)


PRIVATE_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    PrivateAnswerButton,
    PrivateNextButton,
    ContinueButton,
    StartOverButton,
    WindowStartButton,
    UnknownPrivateButton,
)
