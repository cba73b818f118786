"""What members and organisers see of suggestions: the form, the review message and its buttons, the author's DM.

The form (a modal) is answered by its custom_id (`suggest:new:<quiz>`, `suggest:edit:<id>`) from the bot's
interaction listener, not by a Modal object kept in memory: a form sent before a restart, or filled in for
an hour, is still taken. The review buttons are DynamicItems whose custom_id carries the suggestion id; the
state is in the database, and every click checks again who clicks and whether it is still pending.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.domain import limits
from bot.domain.errors import QuizbotError
from bot.domain.quiz import MAX_CHOICES, letter_of
from bot.domain.suggestions import SUGGESTIONS_QUIZ_ID, Suggestion, SuggestionStatus
from bot.library.suggestions import SuggestionForm, SuggestionRefusedError
from bot.ui.access import member_of
from bot.ui.delivery_errors import DELIVERY_ERRORS, describe
from bot.ui.failures import answers_failures, client_of, report_failure
from bot.ui.library import findings
from bot.ui.text import NO_MENTIONS, discord_time, plain, shorten

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

NEW_FORM = re.compile(r"suggest:new:(?P<quiz>[a-z0-9_-]{0,32})")
EDIT_FORM = re.compile(r"suggest:edit:(?P<id>[0-9]{1,19})")
BUTTON_TEMPLATE = r"suggestion:(?P<action>accept|edit|reject):(?P<id>[0-9]{1,19})"
ACTIONS = {
    "accept": ("Accept", discord.ButtonStyle.success),
    "edit": ("Edit", discord.ButtonStyle.secondary),
    "reject": ("Reject", discord.ButtonStyle.danger),
}
COLOURS = {
    SuggestionStatus.PENDING: discord.Colour.blurple(),
    SuggestionStatus.ACCEPTED: discord.Colour.green(),
    SuggestionStatus.REJECTED: discord.Colour.red(),
}
# Prompt, choices and explanation as quiz files allow them; the client refuses longer text before it is sent.
CHOICES_MAX = limits.CHOICE * MAX_CHOICES + MAX_CHOICES - 1


# --- the form --------------------------------------------------------------------------------------


def suggestion_form(custom_id: str, title: str, filled: SuggestionForm | None = None) -> discord.ui.Modal:
    """The form; sent stopped, so discord.py keeps no copy waiting: `answer_suggestion_form` takes the submit."""
    modal = discord.ui.Modal(title=shorten(title, 45), custom_id=custom_id)
    inputs = (
        ("prompt", "Question", None, limits.PROMPT),
        ("choices", "Choices", "2 to 5, one per line, in the order A, B, C…", CHOICES_MAX),
        ("answer", "Correct answer", "The letter of the right choice: A, B, C, D or E", 1),
        ("explanation", "Explanation", "Why it is right, shown after the question (optional)", limits.EXPLANATION),
    )
    for custom_id_, label, description, longest in inputs:
        short = custom_id_ == "answer"
        text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=custom_id_,
            style=discord.TextStyle.short if short else discord.TextStyle.paragraph,
            max_length=longest,
            required=custom_id_ != "explanation",
            default=(getattr(filled, custom_id_) or None) if filled is not None else None,
        )
        modal.add_item(discord.ui.Label(text=label, description=description, component=text_input))
    modal.stop()
    return modal


def new_suggestion_form(quiz_id: str | None) -> discord.ui.Modal:
    title = f"Suggest a question for {quiz_id}" if quiz_id else "Suggest a question"
    return suggestion_form(f"suggest:new:{quiz_id or ''}", title)


def edit_suggestion_form(suggestion: Suggestion) -> discord.ui.Modal:
    filled = SuggestionForm.filled_from(suggestion.question)
    return suggestion_form(f"suggest:edit:{suggestion.id}", f"Edit suggestion #{suggestion.id}", filled)


def _submitted(interaction: discord.Interaction[Any]) -> SuggestionForm:
    values: dict[str, str] = {}

    def walk(components: list[Mapping[str, Any]]) -> None:
        for component in components:
            if component.get("type") == 1:
                walk(component.get("components") or [])
            elif component.get("type") == 18 and component.get("component"):
                walk([component["component"]])
            elif isinstance(component.get("value"), str):
                values[str(component.get("custom_id"))] = component["value"]

    data = cast(Mapping[str, Any], interaction.data or {})
    walk(data.get("components") or [])
    return SuggestionForm(
        values.get("prompt", ""), values.get("choices", ""), values.get("answer", ""), values.get("explanation", "")
    )


async def answer_suggestion_form(interaction: discord.Interaction[Any]) -> None:
    """The bot's interaction listener: take a submitted suggestion form (new or edited); ignore the rest."""
    if interaction.type is not discord.InteractionType.modal_submit or interaction.guild_id is None:
        return
    custom_id = str((cast(Mapping[str, Any], interaction.data or {})).get("custom_id", ""))
    try:
        if (new := NEW_FORM.fullmatch(custom_id)) is not None:
            await _take_new(interaction, new["quiz"] or None)
        elif (edit := EDIT_FORM.fullmatch(custom_id)) is not None:
            await _take_edit(interaction, int(edit["id"]))
    except Exception as error:
        await report_failure(interaction, error, f"form {custom_id:.100}")


async def _take_new(interaction: discord.Interaction[Any], quiz_id: str | None) -> None:
    assert interaction.guild_id is not None
    bot = client_of(interaction)
    form = _submitted(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        suggestion = await bot.suggestions.submit(
            member_of(interaction), interaction.guild_id, interaction.user.display_name, quiz_id, form
        )
    except QuizbotError as refused:  # checked like a quiz file, or the quiz went away meanwhile
        await _refused(interaction, refused, form)
        return
    posted = await _post_for_review(bot, suggestion)
    if posted is None:
        await bot.suggestions.withdraw(suggestion)
        await _refused(interaction, SuggestionRefusedError(_unreachable(suggestion)), form)
        return
    await bot.suggestions.review_posted(suggestion, posted.id)
    await interaction.followup.send(
        f"Thanks! Your question went to the quiz masters for review (suggestion #{suggestion.id}). "
        "If your DMs are open, the bot tells you their decision.",
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )


async def _post_for_review(bot: QuizBot, suggestion: Suggestion) -> discord.Message | None:
    """The review message in the server's review channel, or None when the bot cannot post there."""
    channel_id = suggestion.review_channel_id
    try:
        channel = bot.get_channel(channel_id) or await bot.fetch_channel(channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread) or channel.guild.id != suggestion.guild_id:
            log.warning("review channel %d is not a text channel of guild %d", channel_id, suggestion.guild_id)
            return None
        return await channel.send(
            embed=review_embed(suggestion, bot.suggestions.destination(suggestion)),
            view=review_view(suggestion.id),
            allowed_mentions=NO_MENTIONS,
        )
    except DELIVERY_ERRORS as error:  # 403 without access, 404 for a deleted channel, or Discord unreachable
        log.warning("review channel %d refused suggestion %d: %s", channel_id, suggestion.id, describe(error))
        return None


def _unreachable(suggestion: Suggestion) -> str:
    return (
        f"The suggestion was not sent: the bot cannot post in the review channel <#{suggestion.review_channel_id}>. "
        "Ask an admin to let it View Channel, Send Messages and Embed Links there, or to choose another one "
        "with /quiz-settings review_channel:."
    )


async def _take_edit(interaction: discord.Interaction[Any], suggestion_id: int) -> None:
    assert interaction.guild_id is not None
    bot = client_of(interaction)
    form = _submitted(interaction)
    await interaction.response.defer()
    try:
        suggestion = await bot.suggestions.edit(member_of(interaction), interaction.guild_id, suggestion_id, form)
    except QuizbotError as refused:  # not an organiser any more, decided meanwhile, or breaking a rule
        await _refused(interaction, refused, form)
        return
    await interaction.edit_original_response(
        embed=review_embed(suggestion, bot.suggestions.destination(suggestion)),
        view=review_view(suggestion.id),
        allowed_mentions=NO_MENTIONS,
    )


async def _refused(
    interaction: discord.Interaction[Any], refused: QuizbotError, form: SuggestionForm
) -> None:
    """The refusal, every problem, and what the member typed as a file: nothing they wrote is lost."""
    problems = refused.problems if isinstance(refused, SuggestionRefusedError) else []
    text, files = findings(str(refused), problems, "problems.txt")
    files.append(discord.File(io.BytesIO(_typed(form).encode()), filename="your-suggestion.txt"))
    await interaction.followup.send(
        f"{text}\nWhat you typed is attached, to copy into the form again.",
        files=files,
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )


def _typed(form: SuggestionForm) -> str:
    return (
        f"Question:\n{form.prompt}\n\nChoices:\n{form.choices}\n\nCorrect answer: {form.answer}\n\n"
        f"Explanation:\n{form.explanation}\n"
    )


# --- the review message ----------------------------------------------------------------------------


def review_embed(suggestion: Suggestion, destination: str, notes: list[str] | None = None) -> discord.Embed:
    """The suggestion as the organisers review it: the question with its answer, who wrote it, and its status."""
    question = suggestion.question
    lines = [shorten(question.prompt, limits.PROMPT), ""]
    lines += [
        f"{'✅' if i == question.answer else '▫️'} **{letter_of(i)})** {shorten(choice, limits.CHOICE)}"
        for i, choice in enumerate(question.choices)
    ]
    target = f"`{suggestion.quiz_id}`" if suggestion.quiz_id else f"the `{SUGGESTIONS_QUIZ_ID}` quiz"
    embed = discord.Embed(
        title=f"Suggestion #{suggestion.id} for {target}",
        description=shorten("\n".join(lines), limits.EMBED_DESCRIPTION),
        colour=COLOURS[suggestion.status],
    )
    explanation = shorten(question.explanation or "none", limits.EMBED_FIELD_VALUE)
    embed.add_field(name="Explanation", value=explanation, inline=False)
    author = f"<@{suggestion.author_id}> ({plain(shorten(suggestion.author_name, 100))})"
    embed.add_field(name="Suggested by", value=author, inline=True)
    if suggestion.edited_by is not None:
        embed.add_field(name="Edited by", value=f"<@{suggestion.edited_by}>", inline=True)
    embed.add_field(name="Status", value=shorten(_status(suggestion, destination, notes or []), 1000), inline=False)
    if suggestion.pending:
        embed.set_footer(text="Accept, Edit and Reject are for members with Manage Server or the quiz-master role.")
    return embed


def _status(suggestion: Suggestion, destination: str, notes: list[str]) -> str:
    decided = f"by <@{suggestion.decided_by}> " if suggestion.decided_by is not None else ""
    when = discord_time(suggestion.decided_at, "R") if suggestion.decided_at is not None else ""
    if suggestion.status is SuggestionStatus.ACCEPTED:
        where = f"into `{suggestion.accepted_quiz_id}` as question `{suggestion.accepted_question_id}`"
        return "\n".join([f"✅ Accepted {decided}{when}, {where}.", *notes])
    if suggestion.status is SuggestionStatus.REJECTED:
        return f"❌ Rejected {decided}{when}."
    return f"Waiting for a quiz master. {destination}"


def review_view(suggestion_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(SuggestionButton(suggestion_id, action))
    return view


async def tell_author(interaction: discord.Interaction[Any], suggestion: Suggestion, text: str) -> bool:
    """DM the author the outcome, after the click is answered; a member with DMs closed is told nothing."""
    try:
        channel = await interaction.client.create_dm(discord.Object(suggestion.author_id))
        await channel.send(text, allowed_mentions=NO_MENTIONS)
    except DELIVERY_ERRORS as error:  # 403 50007: DMs closed, or no server shared with the bot any more
        log.info("no DM to member %d about suggestion %d: %s", suggestion.author_id, suggestion.id, describe(error))
        return False
    return True


def outcome_text(suggestion: Suggestion, server: str, quiz_title: str | None = None) -> str:
    """The author's DM: the decision on their question, in which server."""
    prompt = plain(shorten(" ".join(suggestion.question.prompt.split()), 200))
    where = plain(shorten(server, 100))
    if quiz_title is None:
        return f"Your suggested question “{prompt}” was not accepted in {where} this time. Thank you for suggesting it!"
    quiz = plain(shorten(quiz_title, 200))
    return f"Your suggested question “{prompt}” was accepted into **{quiz}** in {where}, credited to you. Thank you!"


class SuggestionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """Accept, Edit or Reject on a review message: the suggestion's id is in the custom_id, its state in the DB."""

    def __init__(self, suggestion_id: int, action: str) -> None:
        label, style = ACTIONS[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"suggestion:{action}:{suggestion_id}"))
        self.suggestion_id = suggestion_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SuggestionButton:
        return cls(int(match["id"]), match["action"])

    @answers_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        if self.action == "edit":
            desk = client_of(interaction).suggestions
            suggestion = await desk.for_edit(member_of(interaction), interaction.guild_id, self.suggestion_id)
            await interaction.response.send_modal(edit_suggestion_form(suggestion))
        elif self.action == "accept":
            await _accept(interaction, self.suggestion_id)
        else:
            await _reject(interaction, self.suggestion_id)


async def _accept(interaction: discord.Interaction[Any], suggestion_id: int) -> None:
    assert interaction.guild_id is not None
    desk = client_of(interaction).suggestions
    await interaction.response.defer()
    acceptance = await desk.accept(member_of(interaction), interaction.guild_id, suggestion_id)
    suggestion = acceptance.suggestion
    embed = review_embed(suggestion, desk.destination(suggestion), acceptance.notes)
    await interaction.edit_original_response(embed=embed, view=None, allowed_mentions=NO_MENTIONS)
    await tell_author(interaction, suggestion, outcome_text(suggestion, _server(interaction), acceptance.quiz.title))


async def _reject(interaction: discord.Interaction[Any], suggestion_id: int) -> None:
    assert interaction.guild_id is not None
    desk = client_of(interaction).suggestions
    await interaction.response.defer()
    suggestion = await desk.reject(member_of(interaction), interaction.guild_id, suggestion_id)
    embed = review_embed(suggestion, desk.destination(suggestion))
    await interaction.edit_original_response(embed=embed, view=None, allowed_mentions=NO_MENTIONS)
    await tell_author(interaction, suggestion, outcome_text(suggestion, _server(interaction)))


def _server(interaction: discord.Interaction[Any]) -> str:
    return interaction.guild.name if interaction.guild is not None else "the server"
