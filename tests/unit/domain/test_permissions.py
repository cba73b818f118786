"""Who may do what: the permission rules as pure functions of the server's settings and the member."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.guild_settings import GuildSettings
from bot.domain.permissions import (
    Member,
    NotAllowedError,
    may_change_settings,
    may_control_run,
    may_manage_daily,
    may_review_suggestions,
    may_run_quizzes,
    may_see_reports,
    require_may_control_run,
    require_may_run_quizzes,
)
from bot.domain.runs import Run, RunKind, RunStatus, ScoringMode

MASTER_ROLE = 77
OPEN = GuildSettings(guild_id=1)
RESTRICTED = GuildSettings(guild_id=1, quiz_master_role_id=MASTER_ROLE)
MEMBER = Member(user_id=5)
MASTER = Member(user_id=6, role_ids=frozenset({MASTER_ROLE, 3}))
ADMIN = Member(user_id=7, manages_server=True)


def _run(started_by: int) -> Run:
    return Run(
        id=1,
        guild_id=1,
        channel_id=2,
        kind=RunKind.LIVE,
        quiz_id="day48",
        quiz_title="Day 48",
        series=None,
        started_by=started_by,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        status=RunStatus.RUNNING,
        seconds_per_question=20,
        scoring_mode=ScoringMode.ACCURACY,
        current_index=0,
        question_count=3,
    )


@pytest.mark.parametrize(
    ("settings", "member", "allowed"),
    [
        (OPEN, MEMBER, True),  # no quiz-master role: anyone starts quizzes
        (RESTRICTED, MEMBER, False),
        (RESTRICTED, MASTER, True),
        (RESTRICTED, ADMIN, True),
    ],
)
def test_who_may_run_quizzes(settings: GuildSettings, member: Member, allowed: bool) -> None:
    assert may_run_quizzes(settings, member) is allowed


@pytest.mark.parametrize(
    ("settings", "member", "allowed"),
    [
        (OPEN, MEMBER, False),  # reports and daily admin never open up to everyone
        (OPEN, ADMIN, True),
        (RESTRICTED, MEMBER, False),
        (RESTRICTED, MASTER, True),
        (RESTRICTED, ADMIN, True),
    ],
)
def test_organisers_see_reports_manage_daily_posts_and_review_suggestions(
    settings: GuildSettings, member: Member, allowed: bool
) -> None:
    assert may_see_reports(settings, member) is allowed
    assert may_manage_daily(settings, member) is allowed
    assert may_review_suggestions(settings, member) is allowed


def test_only_manage_server_changes_settings_even_for_quiz_masters() -> None:
    assert may_change_settings(ADMIN)
    assert not may_change_settings(MASTER)
    assert not may_change_settings(MEMBER)


def test_the_starter_or_manage_server_controls_a_run() -> None:
    run = _run(started_by=MEMBER.user_id)
    assert may_control_run(run, MEMBER)
    assert may_control_run(run, ADMIN)
    assert not may_control_run(run, MASTER)  # the quiz-master role alone does not take over a run


def test_refusals_say_who_may() -> None:
    with pytest.raises(NotAllowedError, match=f"<@&{MASTER_ROLE}> role"):
        require_may_run_quizzes(RESTRICTED, MEMBER)
    with pytest.raises(NotAllowedError, match=r"Only <@5> \(who started this quiz\).*can stop it"):
        require_may_control_run(_run(started_by=5), MASTER, "stop it")
