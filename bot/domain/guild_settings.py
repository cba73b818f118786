"""Per-guild preferences set by admins with /quiz-settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.runs import ScoringMode

MAX_LEAD_SECONDS = 120
MAX_REVEAL_SECONDS = 60
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    quiz_master_role_id: int | None = None  # if set, only this role (or Manage Server) may start quizzes
    default_seconds: int | None = None  # overrides the quiz file's seconds_per_question
    lead_seconds: int = 5  # pause between the intro and the first question
    reveal_seconds: int = 5  # pause after a reveal before the next question
    scoring_mode: ScoringMode = ScoringMode.ACCURACY
    timezone: str = DEFAULT_TIMEZONE  # IANA name; week and month leaderboards follow it
    review_channel_id: int | None = None  # where member suggestions go for review; None: suggestions are off
    practice_on_series: bool = False  # series boards also count practice answers, marked as practice


@dataclass(frozen=True)
class SettingsChange:
    """What /quiz-settings was asked to change; None leaves a setting as it is."""

    quiz_master_role_id: int | None = None
    anyone_can_start: bool = False  # clears the quiz-master role (wins over a role given at the same time)
    default_seconds: int | None = None
    lead_seconds: int | None = None
    reveal_seconds: int | None = None
    scoring_mode: ScoringMode | None = None
    timezone: str | None = None  # already a canonical IANA name
    review_channel_id: int | None = None
    suggestions_off: bool = False  # clears the review channel (wins over a channel given at the same time)
    practice_on_series: bool | None = None

    def fields(self) -> dict[str, Any]:
        """The GuildSettings fields to replace, and their new values."""
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("quiz_master_role_id", self.quiz_master_role_id),
                ("default_seconds", self.default_seconds),
                ("lead_seconds", self.lead_seconds),
                ("reveal_seconds", self.reveal_seconds),
                ("scoring_mode", self.scoring_mode),
                ("timezone", self.timezone),
                ("review_channel_id", self.review_channel_id),
                ("practice_on_series", self.practice_on_series),
            )
            if value is not None
        }
        if self.anyone_can_start:
            changes["quiz_master_role_id"] = None
        if self.suggestions_off:
            changes["review_channel_id"] = None
        return changes
