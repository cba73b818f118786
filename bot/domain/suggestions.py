"""A member's suggested question, waiting for the organisers or decided by them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.quiz import Question, letter_of

# Where a suggestion without a chosen quiz goes, and what that server quiz is called when it is created.
SUGGESTIONS_QUIZ_ID = "suggestions"
SUGGESTIONS_QUIZ_TITLE = "Member suggestions"
SUGGESTIONS_QUIZ_DESCRIPTION = "Questions members suggested with /quiz-suggest, accepted by the quiz masters."


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class SuggestedQuestion:
    """The question as the member (or an organiser's edit) wrote it; `answer` is the index of the right choice."""

    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str = ""

    @property
    def answer_letter(self) -> str:
        return letter_of(self.answer)

    def as_question(self, question_id: str, author: str) -> Question:
        return Question(
            id=question_id,
            prompt=self.prompt,
            choices=self.choices,
            answer=self.answer,
            explanation=self.explanation,
            author=author,
        )


@dataclass(frozen=True)
class Suggestion:
    id: int
    guild_id: int
    quiz_id: str | None  # None: the server's `suggestions` quiz
    author_id: int
    author_name: str  # the member's display name when they suggested it: the question's credit
    question: SuggestedQuestion
    status: SuggestionStatus
    created_at: datetime
    review_channel_id: int
    review_message_id: int | None = None
    edited_by: int | None = None
    decided_by: int | None = None
    decided_at: datetime | None = None
    accepted_quiz_id: str | None = None
    accepted_version: int | None = None
    accepted_question_id: str | None = None

    @property
    def pending(self) -> bool:
        return self.status is SuggestionStatus.PENDING

    @property
    def target_quiz_id(self) -> str:
        return self.quiz_id or SUGGESTIONS_QUIZ_ID


def unique_question_id(suggestion_id: int, taken: set[str]) -> str:
    """`suggestion-12`, or `suggestion-12-2`... when a quiz already uses that id."""
    base = f"suggestion-{suggestion_id}"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate
