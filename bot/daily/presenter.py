"""What the daily scheduler asks of Discord, as a protocol the cog implements (and tests fake)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.domain.errors import QuizbotError
from bot.domain.quiz import Question

# Discord accepts nonces of up to 25 characters.
NONCE_MAX = 25


class ChannelUnavailableError(QuizbotError):
    """The channel is gone or the bot may no longer post there; the message says what to fix.

    The scheduler pauses the schedule with this message as the reason.
    """


@dataclass(frozen=True)
class QuestionPost:
    guild_id: int
    channel_id: int
    run_id: int
    quiz_title: str
    question: Question
    number: int  # 1 for the schedule's first post
    local_date: date
    reveal_at: datetime
    nonce: str


@dataclass(frozen=True)
class RevealPost:
    guild_id: int
    channel_id: int
    question_message_id: int | None  # the post to reply to, if it is known
    question: Question
    counts: tuple[int, ...]  # answers per choice
    right_names: tuple[str, ...]  # display names stored with the correct answers, earliest first
    nonce: str

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def right(self) -> int:
        return self.counts[self.question.answer]


class DailyPresenter(Protocol):
    async def post_question(self, post: QuestionPost) -> int:
        """Send the question with its answer buttons; return the message id.

        Raises ChannelUnavailableError when the channel is deleted or the bot lacks permission.
        """
        ...

    async def post_reveal(self, reveal: RevealPost) -> None:
        """Send the reveal as a new message replying to the question; ChannelUnavailableError as above."""
        ...
