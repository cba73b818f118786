"""Per-guild preferences set by admins with /quiz-settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.runs import ScoringMode

MIN_LEAD_SECONDS = 0
MAX_LEAD_SECONDS = 120
MIN_REVEAL_SECONDS = 0
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
