"""/quiz-settings as members read it."""

from __future__ import annotations

from bot.domain.guild_settings import GuildSettings


def settings_text(settings: GuildSettings) -> str:
    master = f"<@&{settings.quiz_master_role_id}>" if settings.quiz_master_role_id else "anyone"
    seconds = f"{settings.default_seconds} s" if settings.default_seconds else "as set in each quiz file"
    practice = "counted, marked as practice" if settings.practice_on_series else "no"
    suggestions = (
        f"reviewed in <#{settings.review_channel_id}>"
        if settings.review_channel_id
        else "off (set a review_channel to take them)"
    )
    return (
        f"Who may start quizzes: {master} (and members with Manage Server)\n"
        f"Seconds per question: {seconds}\n"
        f"Lead before the first question: {settings.lead_seconds} s\n"
        f"Pause after each reveal: {settings.reveal_seconds} s\n"
        f"Scoring: {settings.scoring_mode.value}\n"
        f"Time zone (week and month leaderboards): {settings.timezone}\n"
        f"Practice answers on series leaderboards: {practice}\n"
        f"Suggestions (/quiz-suggest): {suggestions}"
    )
