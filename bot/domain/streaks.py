"""Daily-question streaks: consecutive scheduled posts a member answered correctly."""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import date
from typing import NamedTuple


class Streak(NamedTuple):
    current: int
    best: int


def streaks(
    post_dates: Iterable[date],
    correct_dates: Set[date],
    open_dates: Set[date] = frozenset(),
) -> Streak:
    """(current, best) streak of one member in one schedule.

    `post_dates` are the local dates the schedule actually posted (any order, duplicates ignored).
    Only posts count, so a day the schedule does not run (weekday not selected) or a day skipped
    after downtime never breaks a streak; a post the member left unanswered or got wrong does.

    `correct_dates` are the posts the member answered correctly. `open_dates` are posts whose
    reveal has not happened yet: they are left out entirely, neither extending nor breaking the
    streak, so today's open question never resets it and a correct answer is not given away
    before the reveal.

    `current` counts back from the latest revealed post; `best` is the longest run ever.
    """
    revealed = sorted(set(post_dates) - open_dates)
    best = run = 0
    for posted in revealed:
        run = run + 1 if posted in correct_dates else 0
        best = max(best, run)
    return Streak(current=run, best=best)
