"""/stats and /quiz-report as embeds (and the report's CSV attachment)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Sequence

import discord

from bot.domain import limits
from bot.domain.item_analysis import AnswerRow, QuestionReport, QuizReport
from bot.domain.member_stats import MemberStats
from bot.domain.quiz import letter_of
from bot.domain.review import LEECH_FAILS, LEECH_MEMBERS, Leech
from bot.ops.answers_csv import write_answers_csv
from bot.ui.text import pack, plain, shorten

NAME_WIDTH = 32


def stats_embed(stats: MemberStats, fallback_name: str) -> discord.Embed:
    name = plain(shorten(stats.user_name or fallback_name, NAME_WIDTH))
    embed = discord.Embed(
        title=shorten(f"Stats · {stats.user_name or fallback_name}", limits.EMBED_TITLE),
        colour=discord.Colour.blurple(),
    )
    if stats.questions_answered == 0:
        embed.description = f"{name} has not answered any question here yet."
        _add_authored(embed, stats)
        return embed
    average = stats.average_seconds or 0.0
    embed.add_field(name="Quizzes taken", value=str(stats.quizzes_taken))
    practice = f" ({stats.practice_answered} in practice)" if stats.practice_answered else ""
    embed.add_field(name="Questions answered", value=f"{stats.questions_answered}{practice}")
    embed.add_field(name="Accuracy", value=f"{stats.accuracy:.0%} ({stats.correct} correct)")
    embed.add_field(name="Average answer time", value=f"{average:.1f} s")
    best = stats.best_quiz
    embed.add_field(
        name="Best quiz",
        value="none yet"
        if best is None
        else plain(shorten(f"{best.quiz_title}: {best.correct}/{best.question_count}", 200)),
    )
    streak = stats.daily_streak
    embed.add_field(name="Daily streak", value=f"{streak.current} now · best {streak.best}")
    if stats.review is not None:
        review = stats.review
        embed.add_field(name="Review", value=f"{review.due} due · {review.mature} mature ({review.cards} cards)")
    if stats.tags:
        tags = ", ".join(f"{t.tag} {t.accuracy:.0%}" for t in stats.tags[:20])
        embed.add_field(name="Accuracy per tag", value=plain(shorten(tags, limits.EMBED_FIELD_VALUE)), inline=False)
    _add_authored(embed, stats)
    return embed


def _add_authored(embed: discord.Embed, stats: MemberStats) -> None:
    """Accepted suggestions, shown only to a member who has some (most never suggest)."""
    if stats.questions_authored:
        embed.add_field(name="Questions authored", value=str(stats.questions_authored))


def question_line(number: int, question: QuestionReport) -> str:
    picks = " · ".join(
        f"**{letter_of(i)} {count}** ✓" if i == question.key else f"{letter_of(i)} {count}"
        for i, count in enumerate(question.picks)
    )
    median = "—" if question.median_seconds is None else f"{question.median_seconds:.1f} s"
    flags = "".join(f" ⚠️ {flag}" for flag in question.flags)
    prompt = plain(shorten(question.prompt, 60))
    return (
        f"**{number}. `{question.question_id}`** {prompt}\n"
        f"{question.share_correct:.0%} correct · {picks} · median {median}{flags}"
    )


def report_embed(report: QuizReport) -> discord.Embed:
    runs = "1 run" if len(report.run_ids) == 1 else f"{len(report.run_ids)} runs"
    lines = [question_line(number, q) for number, q in enumerate(report.questions, start=1)]
    # What fits in one embed, with room for the line that says how many did not.
    shown = pack(lines, limits.EMBED_DESCRIPTION - 100)[:1]
    if shown and len(shown[0]) < len(lines):
        shown[0].append(f"… {len(lines) - len(shown[0])} more: add csv:true for every answer.")
    embed = discord.Embed(
        title=shorten(f"Report · {report.quiz_title} ({runs})", limits.EMBED_TITLE),
        description="\n".join(shown[0]) if shown else "Nobody has answered this quiz here yet.",
        colour=discord.Colour.dark_teal(),
    )
    embed.add_field(
        name=f"Leeches: {LEECH_MEMBERS}+ members answered it wrong {LEECH_FAILS}+ times",
        value=leeches_text(report.leeches),
        inline=False,
    )
    embed.set_footer(text="✓ marks the key · ⚠️ check the answer key: a wrong option was picked more than the key")
    return embed


def leeches_text(leeches: Sequence[Leech]) -> str:
    """The quiz's leeches, worst first, as much as one field holds."""
    if not leeches:
        return "None: no question keeps tripping several members up."
    lines = [
        f"`{leech.question_id}` {plain(shorten(' '.join(leech.prompt.split()), 80))} · "
        f"{leech.members} members, {leech.fails} wrong answers"
        for leech in leeches
    ]
    shown = pack(lines, limits.EMBED_FIELD_VALUE - 40)[0]
    if len(shown) < len(lines):
        shown.append(f"… and {len(lines) - len(shown)} more")
    return "\n".join(shown)


async def answers_csv_file(rows: AsyncIterator[AnswerRow], quiz_id: str) -> discord.File:
    buffer = io.StringIO()
    write_answers_csv([row async for row in rows], buffer)
    return discord.File(io.BytesIO(buffer.getvalue().encode()), filename=f"{quiz_id}-answers.csv")
