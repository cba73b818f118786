"""/leaderboard, /stats and /quiz-report: read the boards from storage and show them. No rules here."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.domain import limits
from bot.domain.boards import BoardEntry, BoardPage, BoardTarget, Scope, scope_window
from bot.domain.errors import QuizbotError
from bot.domain.item_analysis import QuestionReport, QuizReport
from bot.domain.member_stats import MemberStats
from bot.domain.quiz import letter_of
from bot.ops.answers_csv import write_answers_csv
from bot.ui.live_embeds import member_name, shorten

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# Buttons carry the whole board state, so they work after a restart; after this long they stop, so
# an old board is never paged through with numbers it no longer shows.
BOARD_LIFETIME = timedelta(minutes=15)
NAME_WIDTH = 32
SCOPE_LABELS = {
    Scope.RUN: "last quiz",
    Scope.QUIZ: "quiz",
    Scope.SERIES: "series",
    Scope.DAILY: "daily questions",
    Scope.WEEK: "this week",
    Scope.MONTH: "this month",
    Scope.ALL: "all time",
}
MEDALS = ("🥇", "🥈", "🥉")
# lb:<p|n>:<scope>:<run id or quiz id>:<page>:<owner>:<minute made>; at most 79 characters.
PAGE_TEMPLATE = (
    r"lb:(?P<dir>[pn]):(?P<scope>[a-z]{2,6}):(?P<ref>[a-z0-9_-]{0,32}):(?P<page>\d{1,6}):"
    r"(?P<owner>\d{1,20}):(?P<made>\d{1,10})"
)


class BoardUnavailableError(QuizbotError):
    """The board cannot be shown; the message says why and what to do."""


def _storage(interaction: discord.Interaction[Any]) -> Any:
    return interaction.client.storage  # type: ignore[attr-defined]


async def resolve_target(
    interaction: discord.Interaction[Any], scope: Scope, ref: str, made: datetime
) -> tuple[BoardTarget, str, str]:
    """(target, ref for the buttons, title) for a scope; `ref` is a run id or quiz id ("" = latest)."""
    guild_id = interaction.guild_id
    assert guild_id is not None
    boards = _storage(interaction).boards
    catalog = interaction.client.catalog  # type: ignore[attr-defined]
    if scope is Scope.RUN:
        run_id = int(ref) if ref.isdigit() else await boards.latest_run_id(guild_id, ref or None)
        label = None if run_id is None else await boards.run_label(run_id)
        if run_id is None or label is None or label[0] != guild_id:
            which = f" of `{ref}`" if ref and not ref.isdigit() else ""
            raise BoardUnavailableError(f"No quiz{which} has been answered here yet: start one with /quiz.")
        return BoardTarget(scope, guild_id, run_id=run_id), str(run_id), f"{label[2]} (run {run_id})"
    if scope.needs_quiz:
        quiz_id = ref
        if not quiz_id:
            latest = await boards.latest_run_id(guild_id)
            label = None if latest is None else await boards.run_label(latest)
            if label is None:
                raise BoardUnavailableError("No quiz has been answered here yet: start one with /quiz.")
            quiz_id = label[1]
        if scope is Scope.QUIZ:
            quiz = catalog.get(quiz_id)
            title = quiz.title if quiz is not None else quiz_id
            return BoardTarget(scope, guild_id, quiz_id=quiz_id), quiz_id, title
        quiz = catalog.get(quiz_id)
        series = quiz.series if quiz is not None else await boards.quiz_series(guild_id, quiz_id)
        if not series:
            raise BoardUnavailableError(
                f"Quiz `{quiz_id}` is not part of a series: use scope quiz, or pick a quiz whose file sets `series:`."
            )
        return BoardTarget(scope, guild_id, series=series), quiz_id, f"series {series}"
    if scope in (Scope.WEEK, Scope.MONTH):
        settings = await _storage(interaction).settings.guild_settings(guild_id)
        window = scope_window(scope, made, settings.timezone)
        return BoardTarget(scope, guild_id, window=window), "", f"{SCOPE_LABELS[scope]} ({settings.timezone})"
    return BoardTarget(scope, guild_id), "", SCOPE_LABELS[scope]


def entry_line(entry: BoardEntry) -> str:
    badge = MEDALS[entry.rank - 1] if entry.rank <= len(MEDALS) else f"`#{entry.rank}`"
    name = member_name(shorten(entry.user_name or "(unknown member)", NAME_WIDTH))
    return f"{badge} **{name}** · {entry.correct}/{entry.answered} correct · {entry.seconds:.1f} s"


def board_embed(title: str, page: BoardPage, viewer_id: int) -> discord.Embed:
    lines = [entry_line(entry) for entry in page.entries]
    embed = discord.Embed(
        title=shorten(f"Leaderboard · {title}", limits.EMBED_TITLE),
        description="\n".join(lines) or "Nobody has answered on this board yet.",
        colour=discord.Colour.gold(),
    )
    if page.own is not None:
        embed.add_field(name="You", value=entry_line(page.own), inline=False)
    elif page.entries:
        embed.add_field(name="You", value="You have no answers on this board yet.", inline=False)
    embed.set_footer(
        text=f"Page {page.page + 1}/{page.page_count} · {page.member_count} members · "
        "score = correct answers, ties by total answer time"
    )
    return embed


def board_view(
    scope: Scope, ref: str, page: BoardPage, owner: int, made: int, *, expired: bool = False
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if page.page_count > 1:
        view.add_item(
            LeaderboardPageButton(
                "p", scope, ref, max(page.page - 1, 0), owner, made, disabled=expired or not page.has_previous
            )
        )
        view.add_item(
            LeaderboardPageButton(
                "n",
                scope,
                ref,
                min(page.page + 1, page.page_count - 1),
                owner,
                made,
                disabled=expired or not page.has_next,
            )
        )
    return view


async def render_board(
    interaction: discord.Interaction[Any], scope: Scope, ref: str, page_number: int, owner: int, made: int
) -> tuple[discord.Embed, discord.ui.View]:
    moment = datetime.fromtimestamp(made * 60, UTC)
    target, ref, title = await resolve_target(interaction, scope, ref, moment)
    page = await _storage(interaction).boards.board(target, page=page_number, viewer_id=owner)
    return board_embed(title, page, owner), board_view(scope, ref, page, owner, made)


class LeaderboardPageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=PAGE_TEMPLATE):
    def __init__(
        self, direction: str, scope: Scope, ref: str, page: int, owner: int, made: int, *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"lb:{direction}:{scope.value}:{ref}:{page}:{owner}:{made}",
            )
        )
        self.direction, self.scope, self.ref, self.page = direction, scope, ref, page
        self.owner, self.made = owner, made

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> LeaderboardPageButton:
        try:
            scope = Scope(match["scope"])
        except ValueError:
            scope = Scope.ALL
        return cls(match["dir"], scope, match["ref"], int(match["page"]), int(match["owner"]), int(match["made"]))

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner:
            return True
        await interaction.response.send_message(
            f"Only <@{self.owner}> can page this board. Run /leaderboard to get your own.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        made_at = datetime.fromtimestamp(self.made * 60, UTC)
        if interaction.created_at - made_at > BOARD_LIFETIME:
            expired = discord.ui.View(timeout=None)
            for child in self._disabled_pair():
                expired.add_item(child)
            await interaction.response.edit_message(view=expired)
            await interaction.followup.send(
                "This board is more than 15 minutes old: run /leaderboard again for fresh numbers.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        try:
            embed, view = await render_board(interaction, self.scope, self.ref, self.page, self.owner, self.made)
        except BoardUnavailableError as problem:
            await interaction.response.send_message(str(problem), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)

    def _disabled_pair(self) -> list[LeaderboardPageButton]:
        return [LeaderboardPageButton(d, self.scope, self.ref, 0, self.owner, self.made, disabled=True) for d in "pn"]


def stats_embed(stats: MemberStats, fallback_name: str) -> discord.Embed:
    name = member_name(shorten(stats.user_name or fallback_name, NAME_WIDTH))
    embed = discord.Embed(
        title=shorten(f"Stats · {stats.user_name or fallback_name}", limits.EMBED_TITLE),
        colour=discord.Colour.blurple(),
    )
    if stats.questions_answered == 0:
        embed.description = f"{name} has not answered any question here yet."
        return embed
    average = stats.average_seconds or 0.0
    embed.add_field(name="Quizzes taken", value=str(stats.quizzes_taken))
    embed.add_field(name="Questions answered", value=str(stats.questions_answered))
    embed.add_field(name="Accuracy", value=f"{stats.accuracy:.0%} ({stats.correct} correct)")
    embed.add_field(name="Average answer time", value=f"{average:.1f} s")
    best = stats.best_quiz
    embed.add_field(
        name="Best quiz",
        value="none yet"
        if best is None
        else member_name(shorten(f"{best.quiz_title}: {best.correct}/{best.question_count}", 200)),
    )
    streak = stats.daily_streak
    embed.add_field(name="Daily streak", value=f"{streak.current} now · best {streak.best}")
    if stats.tags:
        tags = ", ".join(f"{t.tag} {t.accuracy:.0%}" for t in stats.tags[:20])
        embed.add_field(
            name="Accuracy per tag", value=member_name(shorten(tags, limits.EMBED_FIELD_VALUE)), inline=False
        )
    return embed


def question_line(number: int, question: QuestionReport) -> str:
    picks = " · ".join(
        f"**{letter_of(i)} {count}** ✓" if i == question.key else f"{letter_of(i)} {count}"
        for i, count in enumerate(question.picks)
    )
    median = "—" if question.median_seconds is None else f"{question.median_seconds:.1f} s"
    flags = "".join(f" ⚠️ {flag}" for flag in question.flags)
    prompt = member_name(shorten(question.prompt, 60))
    return (
        f"**{number}. `{question.question_id}`** {prompt}\n"
        f"{question.share_correct:.0%} correct · {picks} · median {median}{flags}"
    )


def report_embed(report: QuizReport) -> discord.Embed:
    runs = "1 run" if len(report.run_ids) == 1 else f"{len(report.run_ids)} runs"
    lines: list[str] = []
    budget = limits.EMBED_DESCRIPTION - 100
    for number, question in enumerate(report.questions, start=1):
        line = question_line(number, question)
        if sum(len(x) + 1 for x in lines) + len(line) > budget:
            lines.append(f"… {len(report.questions) - number + 1} more: add csv:true for every answer.")
            break
        lines.append(line)
    embed = discord.Embed(
        title=shorten(f"Report · {report.quiz_title} ({runs})", limits.EMBED_TITLE),
        description="\n".join(lines) or "Nobody has answered this quiz here yet.",
        colour=discord.Colour.dark_teal(),
    )
    embed.set_footer(text="✓ marks the key · ⚠️ check the answer key: a wrong option was picked more than the key")
    return embed


async def may_see_reports(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server, or the guild's quiz master role."""
    if interaction.permissions.manage_guild:
        return True
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    settings = await _storage(interaction).settings.guild_settings(interaction.guild_id)
    role_id = settings.quiz_master_role_id
    return role_id is not None and any(role.id == role_id for role in interaction.user.roles)


class LeaderboardCog(commands.Cog, name="Leaderboard"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    async def quiz_choices(self, interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=shorten(f"{q.id} — {q.title}", 100), value=q.id)
            for q in self.bot.catalog.search(current, limit=25)
        ]

    @app_commands.command(name="leaderboard")
    @app_commands.guild_only()
    @app_commands.describe(
        scope="Which answers count (default: all time)",
        quiz="For scope run, quiz or series: which quiz (default: the latest one played here)",
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction[Any],
        scope: Literal["run", "quiz", "series", "daily", "week", "month", "all"] = "all",
        quiz: str | None = None,
    ) -> None:
        """Show this server's leaderboard, 10 members a page, with your own rank at the bottom."""
        ref = (quiz or "").strip().lower()
        if ref and not re.fullmatch(r"[a-z0-9_-]{1,32}", ref):
            await interaction.response.send_message(
                "That is not a quiz id: pick one from the list (letters, digits, - and _).", ephemeral=True
            )
            return
        made = int(interaction.created_at.timestamp() // 60)
        try:
            embed, view = await render_board(interaction, Scope(scope), ref, 0, interaction.user.id, made)
        except BoardUnavailableError as problem:
            await interaction.response.send_message(str(problem), ephemeral=True)
            return
        await interaction.response.send_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)

    leaderboard.autocomplete("quiz")(quiz_choices)

    @app_commands.command(name="stats")
    @app_commands.guild_only()
    @app_commands.describe(member="Whose statistics (default: yours)")
    async def stats(self, interaction: discord.Interaction[Any], member: discord.User | None = None) -> None:
        """Show quizzes taken, accuracy, answer time, best quiz, daily streak and accuracy per tag."""
        who = member or interaction.user
        assert interaction.guild_id is not None
        stats = await self.bot.storage.boards.member_stats(interaction.guild_id, who.id)
        await interaction.response.send_message(
            embed=stats_embed(stats, who.display_name), allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="quiz-report")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        quiz="The quiz to analyse",
        run="Only this run (its number from the leaderboard)",
        csv="Attach every answer as CSV",
    )
    async def quiz_report(
        self, interaction: discord.Interaction[Any], quiz: str, run: int | None = None, csv: bool = False
    ) -> None:
        """Per question: % correct, picks per option, median time, and questions to check (admins)."""
        # default_permissions is only a hint that server admins can override: check for real.
        if not await may_see_reports(interaction):
            await interaction.response.send_message(
                "Only members with Manage Server or the quiz master role can see quiz reports: ask an admin.",
                ephemeral=True,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        quiz_id = quiz.strip().lower()
        report = await self.bot.storage.boards.quiz_report(interaction.guild_id, quiz_id, run)
        if report is None:
            where = f"run {run} of `{quiz_id}`" if run is not None else f"`{shorten(quiz_id, 40)}`"
            await interaction.followup.send(
                f"No answers stored for {member_name(where)} in this server: check the quiz id (or run number).",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        files = []
        if csv:
            buffer = io.StringIO()
            rows = [
                r async for r in self.bot.storage.boards.answer_rows(interaction.guild_id, quiz_id=quiz_id, run_id=run)
            ]
            write_answers_csv(rows, buffer)
            files.append(discord.File(io.BytesIO(buffer.getvalue().encode()), filename=f"{quiz_id}-answers.csv"))
        await interaction.followup.send(
            embed=report_embed(report), files=files, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    quiz_report.autocomplete("quiz")(quiz_choices)


async def setup(bot: QuizBot) -> None:
    bot.add_dynamic_items(LeaderboardPageButton)
    await bot.add_cog(LeaderboardCog(bot))
