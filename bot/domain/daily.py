"""Daily-question records as the rest of the bot sees them: a stored schedule and one day's post."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.question_order import QuestionOrder
from bot.domain.schedule import DailySchedule

# An extra post made with `/daily now` when the day's slot is taken is numbered after the date, so
# it never collides with (or blocks) the scheduled post: "2026-03-29", "2026-03-29+1", ...
_SLOT_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\+(\d+))?$")
# Question keys name a question across quizzes; neither id pattern allows "/".
KEY_SEPARATOR = "/"


class PostStatus(enum.StrEnum):
    CLAIMED = "claimed"  # this (schedule, slot) is taken; the message may not be out yet
    POSTED = "posted"  # the question is in the channel and open for answers
    REVEALED = "revealed"  # answers closed, reveal sent (or attempted)
    SKIPPED = "skipped"  # never posted: missed during downtime, or the channel was unusable


@dataclass(frozen=True)
class Slot:
    """Which post of a schedule: the scheduled one of `local_date` (extra == 0) or an extra one."""

    local_date: date
    extra: int = 0

    @property
    def is_scheduled(self) -> bool:
        return self.extra == 0

    def key(self) -> str:
        text = self.local_date.isoformat()
        return text if self.extra == 0 else f"{text}+{self.extra}"

    @classmethod
    def parse(cls, text: str) -> Slot:
        match = _SLOT_PATTERN.fullmatch(text)
        if match is None:
            raise ValueError(f"not a daily post slot: {text!r}")
        return cls(date.fromisoformat(match[1]), int(match[2] or 0))


def question_key(quiz_id: str, question_id: str) -> str:
    return f"{quiz_id}{KEY_SEPARATOR}{question_id}"


def split_question_key(key: str) -> tuple[str, str]:
    quiz_id, _, question_id = key.partition(KEY_SEPARATOR)
    return quiz_id, question_id


@dataclass(frozen=True)
class DailyConfig:
    """A channel's stored daily schedule with what to ask and whether it is paused.

    `quiz_ids` is None for "all quizzes" (whatever the catalog holds when a question is picked).
    """

    schedule: DailySchedule
    quiz_ids: tuple[str, ...] | None
    order: QuestionOrder
    seed: int
    created_by: int
    created_at: datetime
    paused_reason: str | None = None

    @property
    def id(self) -> int:
        return self.schedule.id

    @property
    def guild_id(self) -> int:
        return self.schedule.guild_id

    @property
    def channel_id(self) -> int:
        return self.schedule.channel_id

    @property
    def is_paused(self) -> bool:
        return self.paused_reason is not None


@dataclass(frozen=True)
class DailyPost:
    schedule_id: int
    slot: Slot
    question_key: str
    status: PostStatus
    post_at: datetime
    reveal_at: datetime
    run_id: int | None = None
    note: str | None = None
