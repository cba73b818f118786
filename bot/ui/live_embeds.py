"""How a live quiz looks: intro, question, reveal, results and "my answers" embeds, within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.domain import limits
from bot.domain.quiz import Question, Quiz, letter_of
from bot.domain.runs import Run, RunQuestion, ScoringMode, StoredAnswer, Tally
from bot.domain.scoring import Standing, choice_percentages
from bot.ui.text import credit, discord_time, pack, plain, shorten

COLOUR_OPEN = discord.Colour.blurple()
COLOUR_CLOSED = discord.Colour.dark_grey()
COLOUR_RESULTS = discord.Colour.gold()
BAR_WIDTH = 10
# Room left under Discord's 4096/6000 limits for titles and footers we add around packed text.
DESCRIPTION_BUDGET = 4000
MESSAGE_BUDGET = 5800
LEADERBOARD_MAX_ROWS = 100


def intro_embed(run: Run, quiz: Quiz) -> discord.Embed:
    embed = discord.Embed(title=shorten(quiz.title, limits.EMBED_TITLE), colour=COLOUR_OPEN)
    lines = []
    if quiz.description:
        lines.append(shorten(quiz.description, 1000))
    lines.append(
        f"**{run.question_count}** questions · **{run.seconds_per_question} s** each · "
        f"scoring: **{run.scoring_mode.value}**"
    )
    lines.append(f"Started by <@{run.started_by}>.")
    if run.starts_at is not None:
        lines.append(f"The first question appears {discord_time(run.starts_at, 'R')}.")
    embed.description = "\n".join(lines)
    embed.set_footer(text=f"quiz {quiz.id} · run {run.id}")
    return embed


def _question_header(run: Run, question: RunQuestion) -> str:
    return f"Question {question.index + 1}/{run.question_count}"


def question_embed(run: Run, quiz: Quiz, question: RunQuestion, answered: int) -> discord.Embed:
    content = quiz.questions[question.index]
    choices = "\n".join(f"**{letter_of(i)})** {choice}" for i, choice in enumerate(content.choices))
    closes = f"\n\nCloses {discord_time(question.deadline, 'R')}" if question.deadline else ""
    embed = discord.Embed(
        title=_question_header(run, question),
        description=f"{content.prompt}\n\n{choices}{closes}",
        colour=COLOUR_OPEN,
    )
    embed.set_footer(text=f"{shorten(quiz.title, 200)} · answered: {answered}")
    return with_image(embed, content)


def _bar(percent: int) -> str:
    filled = round(percent * BAR_WIDTH / 100)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def reveal_embed(run: Run, quiz: Quiz, question: RunQuestion, counts: Sequence[int]) -> discord.Embed:
    content = quiz.questions[question.index]
    percents = choice_percentages(counts)
    lines = []
    for i, choice in enumerate(content.choices):
        mark = "✅" if i == content.answer else "▫️"
        lines.append(f"{mark} **{letter_of(i)})** {choice}\n`{_bar(percents[i])}` {counts[i]} ({percents[i]}%)")
    total = sum(counts)
    right = counts[content.answer] if content.answer < len(counts) else 0
    embed = discord.Embed(
        title=f"{_question_header(run, question)} · closed",
        description=f"{content.prompt}\n\n" + "\n".join(lines) + f"\n\n**{right} of {total} right**",
        colour=COLOUR_CLOSED,
    )
    embed.set_footer(text=f"{shorten(quiz.title, 200)} · answered: {total}")
    return with_image(embed, content)


def with_image(embed: discord.Embed, question: Question) -> discord.Embed:
    """The question's image (an https URL the quiz file checked) below the embed's text, if it has one."""
    if question.image:
        embed.set_image(url=question.image)
    return embed


def _points(run: Run, standing: Standing) -> str:
    unit = "pt" if standing.points == 1 else "pts"
    return f"{standing.points} {unit}"


def leaderboard_lines(run: Run, board: Sequence[Standing]) -> list[str]:
    lines = []
    for standing in board[:LEADERBOARD_MAX_ROWS]:
        medal = standing.medal or f"**{standing.rank}.**"
        lines.append(
            f"{medal} {plain(standing.user_name)} — {_points(run, standing)} · "
            f"{standing.correct}/{run.question_count} right · {standing.total_seconds:.1f} s"
        )
    if len(board) > LEADERBOARD_MAX_ROWS:
        lines.append(f"… and {len(board) - LEADERBOARD_MAX_ROWS} more")
    return lines or ["Nobody answered."]


def explanation_block(number: int, question: Question) -> str:
    text = f"**{number}. {shorten(question.prompt, 600)}**\n✅ **{question.answer_letter})** {question.answer_text}"
    if question.explanation:
        text += f"\n{question.explanation}"
    if question.author:
        text += f"\n{credit(question.author)}"
    return shorten(text, DESCRIPTION_BUDGET)


def _embeds_for(title: str, blocks: Sequence[str], colour: discord.Colour, separator: str) -> list[discord.Embed]:
    """As few embeds as the description limit allows; the title is repeated with a part number."""
    groups = pack(blocks, DESCRIPTION_BUDGET, separator)
    embeds = []
    for number, group in enumerate(groups, start=1):
        heading = title if len(groups) == 1 else f"{title} ({number}/{len(groups)})"
        embeds.append(discord.Embed(title=shorten(heading, 200), description=separator.join(group), colour=colour))
    return embeds


def _embed_size(embed: discord.Embed) -> int:
    return len(embed.title or "") + len(embed.description or "") + len(embed.footer.text or "")


def pack_messages(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages: at most 10 each and under the 6000-character total."""
    messages: list[list[discord.Embed]] = [[]]
    size = 0
    for embed in embeds:
        grown = size + _embed_size(embed)
        if messages[-1] and (len(messages[-1]) >= limits.EMBEDS_PER_MESSAGE or grown > MESSAGE_BUDGET):
            messages.append([])
            grown = _embed_size(embed)
        messages[-1].append(embed)
        size = grown
    return [m for m in messages if m]


EXPLANATIONS_TITLE = "Answers and explanations"


def results_messages(run: Run, quiz: Quiz, board: Sequence[Standing]) -> list[list[discord.Embed]]:
    """The leaderboard, then every question's correct answer and explanation, as message-sized groups."""
    mode = " (speed scoring)" if run.scoring_mode is ScoringMode.SPEED else ""
    leaderboard = _embeds_for(
        f"🏆 Results: {shorten(quiz.title, 150)}{mode}", leaderboard_lines(run, board), COLOUR_RESULTS, "\n"
    )
    explanations = _embeds_for(
        EXPLANATIONS_TITLE,
        [explanation_block(i + 1, q) for i, q in enumerate(quiz.questions)],
        COLOUR_CLOSED,
        "\n\n",
    )
    leaderboard[-1].set_footer(text="Ties are broken by total answer time. Press “My answers” to see yours.")
    return pack_messages(leaderboard) + pack_messages(explanations)


# "My answers" names each question, shortened so that even a long quiz packs into a few messages.
MY_ANSWER_PROMPT = 150


DISTRIBUTION_TITLE = "Answers per question"


def distribution_block(number: int, question: Question, counts: Sequence[int]) -> str:
    """One question's picks, as a live run's reveal shows them: a bar per choice and how many were right."""
    percents = choice_percentages(counts)
    lines = [f"**{number}. {shorten(question.prompt, 200)}**"]
    for i, count in enumerate(counts):
        mark = "✅" if i == question.answer else "▫️"
        lines.append(f"{mark} **{letter_of(i)})** `{_bar(percents[i])}` {count} ({percents[i]}%)")
    lines.append(f"{counts[question.answer] if question.answer < len(counts) else 0} of {sum(counts)} right")
    return "\n".join(lines)


def distribution_messages(quiz: Quiz, tally: Tally) -> list[list[discord.Embed]]:
    """Every question's distribution of answers (an open window shows none before it closes)."""
    pairs = zip(quiz.questions, tally.counts, strict=True)
    blocks = [distribution_block(i + 1, question, counts) for i, (question, counts) in enumerate(pairs)]
    return pack_messages(_embeds_for(DISTRIBUTION_TITLE, blocks, COLOUR_CLOSED, "\n\n"))


def my_answer_block(number: int, question: Question, answer: StoredAnswer | None) -> str:
    """One question in "My answers": its text (shortened), the member's letter and the correct one, as their
    run showed them, and the file's explanation of the choice they picked, if it has one."""
    heading = f"**{number}.** {shorten(' '.join(question.prompt.split()), MY_ANSWER_PROMPT)}"
    if answer is None:
        line = f"{heading}\nno answer · correct: **{question.answer_letter}**"
    else:
        mark = "✅" if answer.correct else "❌"
        line = (
            f"{heading}\n{mark} you: **{letter_of(answer.choice)}** · correct: **{question.answer_letter}**"
            f" · {answer.seconds:.1f} s"
        )
        why = question.choice_explanation(answer.choice)
        if why:
            line += "\n" + "\n".join(f"> {text}" for text in why.splitlines())
    if question.author:
        line += f"\n{credit(question.author)}"
    return line


def my_answers_messages(quiz: Quiz, mine: Sequence[StoredAnswer]) -> list[list[discord.Embed]]:
    """ "My answers" as message-sized groups of embeds: every question, whatever the quiz's size."""
    by_index = {a.index: a for a in mine}
    blocks = [my_answer_block(i + 1, question, by_index.get(i)) for i, question in enumerate(quiz.questions)]
    embeds = _embeds_for(shorten(f"Your answers: {quiz.title}", 180), blocks, COLOUR_RESULTS, "\n")
    right = sum(1 for a in mine if a.correct)
    embeds[-1].set_footer(text=f"{right} of {len(quiz.questions)} right")
    return pack_messages(embeds)
