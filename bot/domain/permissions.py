"""Who may do what in a server: pure decisions from the server's settings and the member's standing.

Discord's `default_permissions` on a command is only a hint that server admins can override, so every
command decides again with these functions. The services call the `require_…` forms, whose
NotAllowedError says who may do it instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import QuizbotError
from bot.domain.guild_settings import GuildSettings
from bot.domain.runs import Run


@dataclass(frozen=True)
class Member:
    """What a decision needs to know about the member who clicked or typed."""

    user_id: int
    role_ids: frozenset[int] = frozenset()
    manages_server: bool = False  # the Manage Server permission in this channel

    def has_role(self, role_id: int | None) -> bool:
        return role_id is not None and role_id in self.role_ids


def is_organiser(settings: GuildSettings, member: Member) -> bool:
    """Manage Server, or the server's quiz-master role when one is set."""
    return member.manages_server or member.has_role(settings.quiz_master_role_id)


def may_run_quizzes(settings: GuildSettings, member: Member) -> bool:
    """Anyone, unless the server set a quiz-master role: then that role or Manage Server."""
    return settings.quiz_master_role_id is None or is_organiser(settings, member)


def may_control_run(run: Run, member: Member) -> bool:
    """Stop a run, skip its lead or close a question early: whoever started it, or Manage Server."""
    return member.user_id == run.started_by or member.manages_server


def may_see_reports(settings: GuildSettings, member: Member) -> bool:
    """Per-question reports show every member's answers: organisers only."""
    return is_organiser(settings, member)


def may_manage_daily(settings: GuildSettings, member: Member) -> bool:
    """Create, change, pause or trigger daily posts: organisers only."""
    return is_organiser(settings, member)


def may_manage_library(settings: GuildSettings, member: Member) -> bool:
    """Upload, replace, remove and download the server's quizzes: organisers only."""
    return is_organiser(settings, member)


def may_review_suggestions(settings: GuildSettings, member: Member) -> bool:
    """Accept, edit or reject members' suggested questions: organisers only (anyone may suggest)."""
    return is_organiser(settings, member)


def may_change_settings(member: Member) -> bool:
    """The server's quiz settings, including who the quiz masters are: Manage Server only."""
    return member.manages_server


class NotAllowedError(QuizbotError):
    """The member may not do this; the message says who may."""


def require_may_run_quizzes(settings: GuildSettings, member: Member) -> None:
    if not may_run_quizzes(settings, member):
        raise NotAllowedError(
            f"Only members with the <@&{settings.quiz_master_role_id}> role (or Manage Server) can start quizzes here."
        )


def require_may_control_run(run: Run, member: Member, what: str = "do that") -> None:
    if not may_control_run(run, member):
        raise NotAllowedError(
            f"Only <@{run.started_by}> (who started this quiz) or members with Manage Server can {what}."
        )


def require_may_see_reports(settings: GuildSettings, member: Member) -> None:
    if not may_see_reports(settings, member):
        raise NotAllowedError(
            "Only members with Manage Server or the quiz master role can see quiz reports: ask an admin."
        )


def require_may_manage_daily(settings: GuildSettings, member: Member) -> None:
    if not may_manage_daily(settings, member):
        raise NotAllowedError(
            "Only members with Manage Server or the quiz-master role can change daily posts. "
            "Ask an admin, or use /daily streak to see your streak."
        )


def require_may_change_settings(member: Member) -> None:
    if not may_change_settings(member):
        raise NotAllowedError("Only members with the Manage Server permission can change quiz settings.")


def require_may_manage_library(settings: GuildSettings, member: Member) -> None:
    if not may_manage_library(settings, member):
        raise NotAllowedError(
            "Only members with Manage Server or the quiz-master role can manage this server's quizzes: ask an admin."
        )


def require_may_review_suggestions(settings: GuildSettings, member: Member) -> None:
    if not may_review_suggestions(settings, member):
        raise NotAllowedError(
            "Only members with Manage Server or the quiz-master role can accept, edit or reject suggestions."
        )
