"""Which board a /leaderboard request means, whether a paged board is still fresh, and its pages.

A board is asked for by scope and an optional reference (a run number or a quiz id; empty means "the
latest quiz played here"). Its buttons carry the same request plus the minute it was made, so paging
works after a restart without any state in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.domain.boards import BoardPage, BoardTarget, Scope, scope_window
from bot.domain.errors import QuizbotError
from bot.domain.item_analysis import AnswerRow, QuizReport
from bot.domain.member_stats import MemberStats
from bot.domain.permissions import Member, require_may_see_reports
from bot.domain.privacy import require_may_see_results
from bot.domain.quiz import is_valid_quiz_id
from bot.domain.review import LEECH_FAILS, LEECH_MEMBERS, Leech
from bot.quizfiles import QuizCatalog
from bot.review.service import ReviewService
from bot.storage import Storage

# After this long a board's buttons stop, so an old board is never paged through with numbers it no
# longer shows.
BOARD_LIFETIME = timedelta(minutes=15)
SCOPE_NAMES = {
    Scope.RUN: "last quiz",
    Scope.QUIZ: "quiz",
    Scope.SERIES: "series",
    Scope.DAILY: "daily questions",
    Scope.WEEK: "this week",
    Scope.MONTH: "this month",
    Scope.ALL: "all time",
}


class BoardUnavailableError(QuizbotError):
    """The board cannot be shown; the message says why and what to do."""


@dataclass(frozen=True)
class BoardRequest:
    """One board page as a member asked for it (or as its button remembers it)."""

    guild_id: int
    scope: Scope
    ref: str  # a run number or quiz id; "" = the latest quiz played in the server
    page: int
    viewer_id: int
    made_minute: int  # minutes since the epoch when the board was first shown

    @property
    def made_at(self) -> datetime:
        return datetime.fromtimestamp(self.made_minute * 60, UTC)

    def is_expired(self, now: datetime) -> bool:
        return now - self.made_at > BOARD_LIFETIME


@dataclass(frozen=True)
class ShownBoard:
    """A resolved board page: what to show, and the reference its buttons keep."""

    request: BoardRequest
    title: str
    page: BoardPage
    # The viewer is hidden from public boards (/privacy): the board is theirs alone, with their own line.
    private: bool = False


@dataclass(frozen=True)
class ShownStats:
    stats: MemberStats
    private: bool  # a hidden member looking at their own stats: answer privately


def minute_of(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


class BoardService:
    def __init__(
        self, storage: Storage, catalog: Callable[[int], QuizCatalog], review: ReviewService | None = None
    ) -> None:
        self._storage = storage
        # The quizzes each server can play (shared ones and its own), looked up when needed.
        self._catalog = catalog
        # /stats shows a member's review cards; their cards catch up with their answers first.
        self._review = review

    async def show(self, request: BoardRequest) -> ShownBoard:
        """The page asked for; BoardUnavailableError says why there is none."""
        ref = request.ref.strip().lower()
        if ref and not (ref.isdigit() or is_valid_quiz_id(ref)):
            raise BoardUnavailableError("That is not a quiz id: pick one from the list (letters, digits, - and _).")
        target, ref, title = await self._resolve(request.guild_id, request.scope, ref, request.made_at)
        page = await self._storage.boards.board(target, page=request.page, viewer_id=request.viewer_id)
        resolved = BoardRequest(request.guild_id, request.scope, ref, page.page, request.viewer_id, request.made_minute)
        hidden = await self._storage.privacy.is_hidden(request.guild_id, request.viewer_id)
        return ShownBoard(resolved, title, page, private=hidden)

    async def _resolve(self, guild_id: int, scope: Scope, ref: str, made: datetime) -> tuple[BoardTarget, str, str]:
        """(target, the reference for the buttons, title) of a scope."""
        boards = self._storage.boards
        if scope is Scope.RUN:
            run_id = int(ref) if ref.isdigit() else await boards.latest_run_id(guild_id, ref or None)
            label = None if run_id is None else await boards.run_label(run_id)
            if run_id is None or label is None or label[0] != guild_id:
                which = f" of `{ref}`" if ref and not ref.isdigit() else ""
                raise BoardUnavailableError(f"No quiz{which} has been answered here yet: start one with /quiz.")
            closes_at = await boards.open_window_close(run_id)
            if closes_at is not None:
                # Nobody sees how a window is going before it closes; the results are posted then.
                raise BoardUnavailableError(
                    f"{label[2]} is still open for answers: its board is posted in its channel when it closes, "
                    f"<t:{int(closes_at.timestamp())}:f>. Try scope all or quiz meanwhile."
                )
            return BoardTarget(scope, guild_id, run_id=run_id), str(run_id), f"{label[2]} (run {run_id})"
        if scope.needs_quiz:
            quiz_id = ref or await self._latest_quiz_id(guild_id)
            quiz = self._catalog(guild_id).get(quiz_id)
            if scope is Scope.QUIZ:
                title = quiz.title if quiz is not None else quiz_id
                return BoardTarget(scope, guild_id, quiz_id=quiz_id), quiz_id, title
            series = quiz.series if quiz is not None else await boards.quiz_series(guild_id, quiz_id)
            if not series:
                raise BoardUnavailableError(
                    f"Quiz `{quiz_id}` is not part of a series: use scope quiz, or pick a quiz whose file sets "
                    "`series:`."
                )
            settings = await self._storage.settings.guild_settings(guild_id)
            if settings.practice_on_series:
                target = BoardTarget(scope, guild_id, series=series, with_practice=True)
                return target, quiz_id, f"series {series} (practice counted)"
            return BoardTarget(scope, guild_id, series=series), quiz_id, f"series {series}"
        if scope in (Scope.WEEK, Scope.MONTH):
            settings = await self._storage.settings.guild_settings(guild_id)
            window = scope_window(scope, made, settings.timezone)
            return BoardTarget(scope, guild_id, window=window), "", f"{SCOPE_NAMES[scope]} ({settings.timezone})"
        return BoardTarget(scope, guild_id), "", SCOPE_NAMES[scope]

    async def _latest_quiz_id(self, guild_id: int) -> str:
        latest = await self._storage.boards.latest_run_id(guild_id)
        label = None if latest is None else await self._storage.boards.run_label(latest)
        if label is None:
            raise BoardUnavailableError("No quiz has been answered here yet: start one with /quiz.")
        return label[1]

    async def member_stats(self, guild_id: int, user_id: int, viewer_id: int) -> ShownStats:
        """A member's stats; a hidden member's only for themselves (PrivateMemberError for anybody else)."""
        hidden = await self._storage.privacy.is_hidden(guild_id, user_id)
        require_may_see_results(user_id, viewer_id, hidden=hidden)
        stats = await self._storage.boards.member_stats(guild_id, user_id)
        if self._review is not None and stats.questions_answered > 0:
            stats = replace(stats, review=await self._review.counts(guild_id, user_id))
        return ShownStats(stats, private=hidden)

    async def require_report_access(self, member: Member, guild_id: int) -> None:
        """Reports show every member's answers: NotAllowedError unless the member is an organiser."""
        require_may_see_reports(await self._storage.settings.guild_settings(guild_id), member)

    async def quiz_report(self, guild_id: int, quiz_id: str, run_id: int | None = None) -> QuizReport:
        """The per-question report; BoardUnavailableError when nothing was answered."""
        quiz_id = quiz_id.strip().lower()
        report = await self._storage.boards.quiz_report(guild_id, quiz_id, run_id)
        if report is None:
            shown = quiz_id if is_valid_quiz_id(quiz_id) else "that quiz"
            where = f"run {run_id} of `{shown}`" if run_id is not None else f"`{shown}`"
            raise BoardUnavailableError(
                f"No answers stored for {where} in this server: check the quiz id (or run number)."
            )
        # Leeches belong to the quiz, whichever run the report shows.
        prompts = {question.question_id: question.prompt for question in report.questions}
        found = await self._storage.review.leeches(guild_id, quiz_id, fails=LEECH_FAILS, members=LEECH_MEMBERS)
        leeches = tuple(Leech(qid, prompts.get(qid, ""), members, fails) for qid, members, fails in found)
        return replace(report, leeches=leeches)

    def answer_rows(self, guild_id: int, quiz_id: str, run_id: int | None = None) -> AsyncIterator[AnswerRow]:
        return self._storage.boards.answer_rows(guild_id, quiz_id=quiz_id.strip().lower(), run_id=run_id)
