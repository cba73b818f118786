"""Private runs: a member takes a quiz alone on private messages, one question at a time, at their own pace.

Two kinds share this: a practice run (one member, `/practice`) and an open window (the channel's run,
`/quiz window:`, that each member takes on their own until it closes). Progress lives in the database,
so a member can continue after a restart or a day later. A screen is what the member's private message
shows next; bot/ui renders it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.quiz import Quiz
from bot.domain.runs import Run


class Stage(enum.StrEnum):
    QUESTION = "question"  # a question to answer
    VERDICT = "verdict"  # practice: right or wrong, the explanations, and Next
    DONE = "done"  # every question answered: the score (practice) or the wait for the close (window)
    OFFER = "offer"  # practice: an unfinished one of this quiz exists; continue it or start over


@dataclass(frozen=True)
class Progress:
    """Where one member is in a private run."""

    run_id: int
    user_id: int
    index: int  # the question the member is on; the run's question count once they are through
    shown_at: datetime  # when that question was shown: the answer time counts from here
    deadline: datetime | None = None  # practice with a timer: answers after this do not count


@dataclass(frozen=True)
class Score:
    answered: int = 0
    right: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Screen:
    """What the member's private message shows next."""

    stage: Stage
    run: Run
    quiz: Quiz  # as this run shows it (shuffled choices in their order)
    index: int  # the question on screen (QUESTION, VERDICT), or where the member is (OFFER)
    score: Score = Score()
    deadline: datetime | None = None  # QUESTION: the timer (practice) or the window's close
    chosen: int | None = None  # VERDICT: the member's choice; None when the time ran out
    note: str = ""  # one line above the screen, e.g. "Locked in: B" or why a click did not count
    restart_timer: int | None = None  # OFFER: the timer a "Start over" gives the new run (what /practice asked)

    @property
    def is_last(self) -> bool:
        return self.index + 1 >= self.run.question_count

    @property
    def timed_out(self) -> bool:
        return self.stage is Stage.VERDICT and self.chosen is None


def is_past(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and now >= deadline
