"""Scoring modes, streak bonus and ranking with ties."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.domain.runs import ScoringMode, StoredAnswer
from bot.domain.scoring import (
    answer_points,
    choice_percentages,
    rank,
    scores,
    speed_points,
    standings,
    streak_bonus,
)

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def answer(user: int, index: int, correct: bool, seconds: float, name: str | None = None) -> StoredAnswer:
    return StoredAnswer(1, index, user, name or f"user{user}", 0, correct, T0, seconds)


def test_speed_points_decay_from_1000_to_500_over_the_limit() -> None:
    assert speed_points(0, 30) == 1000
    assert speed_points(15, 30) == 750
    assert speed_points(30, 30) == 500
    assert speed_points(45, 30) == 500  # a late-recorded click never drops below the buzzer value
    assert speed_points(-1, 30) == 1000


def test_streak_bonus_grows_by_100_and_caps_at_500() -> None:
    assert [streak_bonus(n) for n in range(0, 9)] == [0, 0, 100, 200, 300, 400, 500, 500, 500]


def test_wrong_answers_earn_nothing_in_either_mode() -> None:
    for mode in ScoringMode:
        assert answer_points(mode, correct=False, seconds=1, limit=30) == 0
    assert answer_points(ScoringMode.ACCURACY, correct=True, seconds=29, limit=30, streak=4) == 1


def test_speed_mode_adds_the_streak_and_a_wrong_or_skipped_answer_resets_it() -> None:
    rows = [
        answer(1, 0, True, 0),
        answer(1, 1, True, 0),
        answer(1, 2, False, 0),
        answer(1, 3, True, 0),
        answer(1, 5, True, 0),
    ]
    (total,) = scores(rows, ScoringMode.SPEED, seconds_limit=30)
    # 1000 + (1000+100) + 0 + 1000 (reset by the wrong one) + 1000 (reset by the skipped index 4)
    assert total.points == 4100
    assert (total.correct, total.answered) == (4, 5)


def test_accuracy_ranks_by_points_then_time_and_shares_exact_ties() -> None:
    rows = [
        answer(1, 0, True, 3.0, "ann"),
        answer(1, 1, True, 3.0, "ann"),
        answer(2, 0, True, 1.0, "bob"),
        answer(2, 1, True, 2.0, "bob"),
        answer(3, 0, True, 1.5, "cy"),
        answer(3, 1, True, 1.5, "cy"),
        answer(4, 0, False, 0.5, "dee"),
        answer(4, 1, True, 0.5, "dee"),
    ]
    board = standings(rows, ScoringMode.ACCURACY, seconds_limit=30)
    assert [(s.rank, s.user_name, s.points) for s in board] == [
        (1, "bob", 2),
        (1, "cy", 2),
        (3, "ann", 2),
        (4, "dee", 1),
    ]
    assert [s.medal for s in board] == ["🥇", "🥇", "🥉", ""]
    assert board[0].total_seconds == 3.0


def test_rank_of_nobody_is_empty_and_percentages_handle_zero() -> None:
    assert rank([]) == []
    assert choice_percentages([0, 0]) == [0, 0]
    assert choice_percentages([1, 3]) == [25, 75]


@dataclass(frozen=True)
class BoardRow:
    """A row from another run: the functions take anything answer-shaped."""

    run_id: int
    index: int
    user_id: int
    user_name: str
    correct: bool
    seconds: float


def test_streaks_do_not_cross_runs_and_rows_need_only_the_answer_fields() -> None:
    rows = [BoardRow(1, 0, 7, "old", True, 0), BoardRow(2, 1, 7, "new", True, 0)]
    (total,) = scores(rows, ScoringMode.SPEED, seconds_limit=10)
    assert total.points == 2000
    assert total.user_name == "new"


@pytest.mark.parametrize("mode", list(ScoringMode))
def test_more_points_always_rank_higher(mode: ScoringMode) -> None:
    rows = [answer(1, 0, True, 29), answer(2, 0, False, 0)]
    assert [s.user_id for s in standings(rows, mode, seconds_limit=30)] == [1, 2]
