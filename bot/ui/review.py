"""/review and /mistakes as members see them: private panels whose buttons carry everything they need.

custom_ids (≤ 100 characters; nothing is kept in memory, so they work after a restart):
  review:<card>:<ratings>:<choice>:<minute>    an answer to a card as it was shown (after <ratings> ratings)
  review:next:<minute>                          the card due next
  mistakes:<p|n>:<page>:<quiz>:<minute>         a page of /mistakes (<quiz> empty: every quiz)
<minute> is when the panel got its content (minutes since the epoch). A panel is updated in place for 15
minutes, the life of the interaction token behind it; a click on an older one is answered (and counted)
with a fresh private message that says so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from bot.domain import limits
from bot.domain.quiz import Question, letter_of
from bot.domain.review import CardQuestion, Graded, GradeOutcome, Mistake, MistakesPage, ReviewCounts, ReviewQueue
from bot.ui.failures import answers_failures, client_of
from bot.ui.live_buttons import answer_label
from bot.ui.live_embeds import with_image
from bot.ui.text import NO_MENTIONS, discord_time, plain, shorten

COLOUR_CARD = discord.Colour.blurple()
COLOUR_RIGHT = discord.Colour.green()
COLOUR_WRONG = discord.Colour.red()
COLOUR_MISTAKES = discord.Colour.dark_red()
# A panel older than this is answered with a fresh message (a minute's margin below the token's 15).
PANEL_LIFETIME = timedelta(minutes=14)
STALE_NOTE = "That panel is more than 15 minutes old, so here is a fresh one."
DESCRIPTION_BUDGET = 4000
PROMPT_WIDTH = 1500
MISTAKE_PROMPT_WIDTH = 300
MISTAKE_CHOICE_WIDTH = 150
MISTAKE_EXPLANATION_WIDTH = 300

ANSWER_TEMPLATE = r"review:(?P<card>\d{1,18}):(?P<n>\d{1,6}):(?P<c>\d):(?P<made>\d{1,10})"
NEXT_TEMPLATE = r"review:next:(?P<made>\d{1,10})"
MISTAKES_TEMPLATE = r"mistakes:(?P<dir>[pn]):(?P<page>\d{1,6}):(?P<quiz>[a-z0-9_-]{0,32}):(?P<made>\d{1,10})"


def minute_of(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def _is_stale(interaction: discord.Interaction[Any], made_minute: int) -> bool:
    return interaction.created_at - datetime.fromtimestamp(made_minute * 60, UTC) >= PANEL_LIFETIME


async def show_panel(
    interaction: discord.Interaction[Any], made_minute: int, embed: discord.Embed, view: discord.ui.View
) -> None:
    """Answer a click on a panel: update it in place, or send a fresh private one if it is too old."""
    if _is_stale(interaction, made_minute):
        await interaction.response.send_message(
            STALE_NOTE, embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
    else:
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)


# --- /review ---------------------------------------------------------------------------------------


def counts_line(counts: ReviewCounts) -> str:
    """How many are due and when the next one is."""
    due = "nothing due now" if counts.due == 0 else f"**{counts.due}** due now"
    later = "" if counts.next_due is None else f" · next {discord_time(counts.next_due, 'R')}"
    return f"{due}{later} · {counts.cards} cards, {counts.mature} mature"


def _choices(question: Question, marks: dict[int, str] | None = None) -> str:
    marks = marks or {}
    return "\n".join(
        f"{marks.get(i, '')}**{letter_of(i)})** {choice}".strip() for i, choice in enumerate(question.choices)
    )


def card_embed(shown: CardQuestion, counts: ReviewCounts) -> discord.Embed:
    question = shown.question
    embed = discord.Embed(
        title=f"Review · {counts.due} due",
        description=(
            f"{shorten(question.prompt, PROMPT_WIDTH)}\n\n{_choices(question)}\n\n{counts_line(counts)}"
        ),
        colour=COLOUR_CARD,
    )
    embed.set_footer(text=shorten(f"{shown.quiz_title} · question {shown.card.question_id}", 200))
    return with_image(embed, question)


def nothing_due_embed(counts: ReviewCounts, note: str = "") -> discord.Embed:
    if counts.cards == 0:
        text = (
            "You have no review cards here yet. Every question you answer wrong in a quiz becomes one, and "
            "/review brings it back when it is due."
        )
    else:
        text = f"All caught up: {counts_line(counts)}."
    return discord.Embed(title="Review · nothing due", description=f"{note}{text}", colour=COLOUR_CARD)


def review_panel(queue: ReviewQueue, made_minute: int, note: str = "") -> tuple[discord.Embed, discord.ui.View]:
    """The card to answer (with its answer buttons), or what comes next when nothing is due."""
    view = discord.ui.View(timeout=None)
    if queue.shown is None:
        return nothing_due_embed(queue.counts, note), view
    card = queue.shown.card
    for choice, text in enumerate(queue.shown.question.choices):
        view.add_item(ReviewAnswerButton(card.id, card.ratings, choice, made_minute, answer_label(choice, text)))
    embed = card_embed(queue.shown, queue.counts)
    if note:
        embed.description = f"{note}{embed.description}"
    return embed, view


def verdict_embed(graded: Graded) -> discord.Embed:
    question, key = graded.shown.question, graded.shown.key
    marks = {key: "✅ "}
    if not graded.correct:
        marks[graded.choice] = "❌ "
    if graded.outcome is GradeOutcome.ALREADY:
        title = "Already answered: this card was answered from another click"
    elif graded.correct:
        title = f"✅ Right: {letter_of(key)}"
    else:
        title = f"❌ Not this time: the answer is {letter_of(key)}"
    embed = discord.Embed(
        title=title,
        description=f"{shorten(question.prompt, PROMPT_WIDTH)}\n\n{_choices(question, marks)}",
        colour=COLOUR_RIGHT if graded.correct else COLOUR_WRONG,
    )
    if question.explanation:
        embed.add_field(name="Explanation", value=shorten(question.explanation, limits.EXPLANATION), inline=False)
    why = question.choice_explanation(graded.choice)
    if why and graded.choice != key:
        embed.add_field(
            name=f"Why not {letter_of(graded.choice)}", value=shorten(why, limits.CHOICE_EXPLANATION), inline=False
        )
    comes_back = ""
    if graded.outcome is GradeOutcome.RECORDED:
        comes_back = f"This card comes back {discord_time(graded.due, 'R')}.\n"
    embed.add_field(name="Next", value=f"{comes_back}{counts_line(graded.counts)}", inline=False)
    embed.set_footer(text=shorten(f"{graded.shown.quiz_title} · question {graded.shown.card.question_id}", 200))
    return embed


def verdict_panel(graded: Graded, made_minute: int) -> tuple[discord.Embed, discord.ui.View]:
    view = discord.ui.View(timeout=None)
    if graded.counts.due > 0:
        view.add_item(ReviewNextButton(made_minute))
    return verdict_embed(graded), view


class ReviewAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_TEMPLATE):
    def __init__(self, card_id: int, ratings: int, choice: int, made_minute: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or letter_of(choice),
                style=discord.ButtonStyle.primary,
                custom_id=f"review:{card_id}:{ratings}:{choice}:{made_minute}",
            )
        )
        self.card_id, self.ratings, self.choice, self.made_minute = card_id, ratings, choice, made_minute

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewAnswerButton:
        return cls(int(match["card"]), int(match["n"]), int(match["c"]), int(match["made"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # Committed before anything is shown: the verdict is what was stored.
        graded = await client_of(interaction).review.grade(
            interaction.guild_id or 0, interaction.user.id, self.card_id, self.ratings, self.choice
        )
        embed, view = verdict_panel(graded, minute_of(interaction.created_at))
        await show_panel(interaction, self.made_minute, embed, view)


class ReviewNextButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NEXT_TEMPLATE):
    def __init__(self, made_minute: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next", emoji="⏭️", style=discord.ButtonStyle.secondary, custom_id=f"review:next:{made_minute}"
            )
        )
        self.made_minute = made_minute

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewNextButton:
        return cls(int(match["made"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        queue = await client_of(interaction).review.queue(interaction.guild_id or 0, interaction.user.id)
        embed, view = review_panel(queue, minute_of(interaction.created_at))
        await show_panel(interaction, self.made_minute, embed, view)


# --- /mistakes -------------------------------------------------------------------------------------


def _choice_text(question: Question, choice: int) -> str:
    text = question.choices[choice] if 0 <= choice < len(question.choices) else "?"
    return f"**{letter_of(choice)})** {shorten(' '.join(text.split()), MISTAKE_CHOICE_WIDTH)}"


def mistake_block(mistake: Mistake, width: int) -> str:
    """One wrong answer: the quiz and when, the question, the member's pick, the right one, the explanation."""
    question = mistake.question
    lines = [
        f"**{plain(shorten(mistake.quiz_title, 100))}** · {discord_time(mistake.answered_at, 'd')}",
        shorten(" ".join(question.prompt.split()), MISTAKE_PROMPT_WIDTH),
        f"❌ you: {_choice_text(question, mistake.choice)}",
        f"✅ answer: {_choice_text(question, mistake.key)}",
    ]
    for why in (question.choice_explanation(mistake.choice), question.explanation):
        if why:
            lines.append("> " + shorten(" ".join(why.split()), MISTAKE_EXPLANATION_WIDTH))
    return shorten("\n".join(lines), width)


def mistakes_embed(page: MistakesPage) -> discord.Embed:
    title = "Your mistakes" + (f" · {page.quiz_id}" if page.quiz_id else "")
    if not page.mistakes:
        where = f" in `{page.quiz_id}`" if page.quiz_id else " here"
        return discord.Embed(
            title=title, description=f"No wrong answers{where} yet (or none revealed yet).", colour=COLOUR_MISTAKES
        )
    width = DESCRIPTION_BUDGET // max(len(page.mistakes), 1) - 2
    embed = discord.Embed(
        title=title,
        description="\n\n".join(mistake_block(m, width) for m in page.mistakes),
        colour=COLOUR_MISTAKES,
    )
    embed.set_footer(
        text=f"Page {page.page + 1}/{page.page_count} · {page.total} wrong answers, newest first · /review to practise"
    )
    return embed


def mistakes_panel(page: MistakesPage, made_minute: int) -> tuple[discord.Embed, discord.ui.View]:
    view = discord.ui.View(timeout=None)
    if page.page_count > 1:
        view.add_item(
            MistakesPageButton("p", max(page.page - 1, 0), page.quiz_id, made_minute, disabled=page.page == 0)
        )
        view.add_item(
            MistakesPageButton(
                "n",
                min(page.page + 1, page.page_count - 1),
                page.quiz_id,
                made_minute,
                disabled=page.page >= page.page_count - 1,
            )
        )
    return mistakes_embed(page), view


class MistakesPageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=MISTAKES_TEMPLATE):
    def __init__(self, direction: str, page: int, quiz_id: str, made_minute: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"mistakes:{direction}:{page}:{quiz_id}:{made_minute}",
            )
        )
        self.page, self.quiz_id, self.made_minute = page, quiz_id, made_minute

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MistakesPageButton:
        return cls(match["dir"], int(match["page"]), match["quiz"], int(match["made"]))

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # The panel is private, so whoever clicks is its owner: the page is always of their own answers.
        page = await client_of(interaction).review.mistakes(
            interaction.guild_id or 0, interaction.user.id, self.quiz_id, self.page
        )
        embed, view = mistakes_panel(page, minute_of(interaction.created_at))
        await show_panel(interaction, self.made_minute, embed, view)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ReviewAnswerButton,
    ReviewNextButton,
    MistakesPageButton,
)
