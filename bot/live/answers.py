"""The click path: record one answer and say what the member should be told. No Discord types here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.quiz import LETTERS, letter_of
from bot.domain.runs import AnswerOutcome, RunKind
from bot.storage import Storage

NO_LONGER_ACTIVE = (
    "This quiz button is no longer active (the quiz ended or the button is from an older version). "
    "Start a new one with /quiz."
)


@dataclass(frozen=True)
class AnswerReply:
    outcome: AnswerOutcome
    text: str


def _reveal_note(kind: RunKind, deadline: datetime | None) -> str:
    if kind is RunKind.DAILY and deadline is not None:
        return f" — the answer is revealed at <t:{int(deadline.timestamp())}:t>"
    return ""


async def submit_answer(
    storage: Storage,
    clock: Clock,
    *,
    run_id: int,
    index: int,
    choice: int,
    user_id: int,
    user_name: str,
) -> AnswerReply:
    """Commit the click (one atomic statement), then build the ephemeral reply for it.

    Works for live and daily runs alike: a daily run is one question whose deadline is the reveal,
    so its reply names the reveal time and never shows counts.
    """
    if not 0 <= choice < len(LETTERS):
        return AnswerReply(AnswerOutcome.UNKNOWN, NO_LONGER_ACTIVE)
    result = await storage.runs.record_answer(
        run_id=run_id, index=index, user_id=user_id, user_name=user_name, choice=choice, now=clock.now()
    )
    if result.outcome is AnswerOutcome.UNKNOWN:
        return AnswerReply(result.outcome, NO_LONGER_ACTIVE)
    if result.outcome is AnswerOutcome.CLOSED:
        return AnswerReply(result.outcome, "This question is closed: answers are no longer accepted.")
    if result.choice is None or result.kind is None:
        return AnswerReply(AnswerOutcome.UNKNOWN, NO_LONGER_ACTIVE)
    note = _reveal_note(result.kind, result.deadline)
    letter = letter_of(result.choice)
    if result.outcome is AnswerOutcome.RECORDED:
        return AnswerReply(result.outcome, f"Locked in: {letter}{note}")
    return AnswerReply(result.outcome, f"You already answered {letter}{note}")
