"""The words of daily posts and reveals (plain strings; the cog wraps them in embeds)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.daily.admin import OFF_REASON, ScheduleStatus
from bot.daily.presenter import QuestionPost, RevealPost
from bot.domain.daily import DailyConfig, DailyPost
from bot.domain.quiz import letter_of
from bot.domain.schedule import format_weekdays
from bot.domain.streaks import Streak
from bot.ui.text import credit, discord_time, plain

# Room for the names of members who got it right; the rest are counted, not listed.
NAMES_BUDGET = 900


def question_title(post: QuestionPost) -> str:
    return f"Daily question #{post.number} · {post.quiz_title}"[:256]


def question_body(post: QuestionPost) -> str:
    lines = [post.question.prompt, ""]
    lines += [f"**{letter_of(i)})** {choice}" for i, choice in enumerate(post.question.choices)]
    lines += ["", f"Answer with the buttons; the answer is revealed {discord_time(post.reveal_at, 'R')}."]
    return "\n".join(lines)


def reveal_title(reveal: RevealPost) -> str:
    question = reveal.question
    return f"Answer: {question.answer_letter}) {question.answer_text}"[:256]


def distribution(reveal: RevealPost) -> str:
    parts = []
    for index, count in enumerate(reveal.counts):
        mark = " ✅" if index == reveal.question.answer else ""
        parts.append(f"{letter_of(index)}: {count}{mark}")
    return " · ".join(parts)


def right_names(names: tuple[str, ...], budget: int = NAMES_BUDGET) -> str:
    shown: list[str] = []
    used = 0
    for name in names:
        piece = plain(name)
        if used + len(piece) + 2 > budget:
            break
        shown.append(piece)
        used += len(piece) + 2
    hidden = len(names) - len(shown)
    text = ", ".join(shown)
    return f"{text} and {hidden} more" if hidden else text


def reveal_body(reveal: RevealPost) -> str:
    lines = []
    if reveal.question.explanation:
        lines += [reveal.question.explanation, ""]
    if reveal.question.author:
        lines += [credit(reveal.question.author), ""]
    lines.append(distribution(reveal))
    if reveal.answered == 0:
        lines.append("Nobody answered this one.")
    else:
        lines.append(f"{reveal.right} of {reveal.answered} got it right.")
    if reveal.right_names:
        lines.append(f"Right: {right_names(reveal.right_names)}")
    return "\n".join(lines)


def status_lines(status: ScheduleStatus) -> list[str]:
    """One schedule in /daily status: where and when, what it asks, what comes next, what came last."""
    config, schedule = status.config, status.config.schedule
    quizzes = "all quizzes" if config.quiz_ids is None else ", ".join(config.quiz_ids)
    reveal = "at the next post" if schedule.reveal_hours is None else f"{schedule.reveal_hours} h after posting"
    lines = [
        f"**<#{config.channel_id}>** · {schedule.time:%H:%M} {schedule.timezone} · {format_weekdays(schedule.weekdays)}"
        f" · {config.order} · reveal {reveal}",
        f"Quizzes: {plain(quizzes)}",
    ]
    if config.paused_reason == OFF_REASON:
        lines.append("Off: turned off with /daily off. Run /daily set for this channel to turn it back on.")
    elif config.paused_reason is not None:
        lines.append(f"⏸️ Paused: {config.paused_reason}")
    if status.next_local is not None:
        lines.append(
            f"Next post: {status.next_local:%a %Y-%m-%d %H:%M} {schedule.timezone} "
            f"({discord_time(status.next_local, 'F')})"
        )
    if status.next_key is not None:
        lines.append(f"Queue: question {status.position} of {status.question_count} next ({plain(status.next_key)})")
    else:
        lines.append("Queue: no questions (none of its quizzes is in the quiz folder)")
    last = status.last_post
    if last is not None:
        lines.append(
            f"Last post: {last.slot.key()} ({plain(last.question_key)}, {last.status.value}) "
            f"{discord_time(last.post_at, 'R')}"
        )
    else:
        lines.append("Last post: none yet")
    return lines


def now_posted_text(post: DailyPost, channel_id: int) -> str:
    kind = "today's post" if post.slot.is_scheduled else "an extra post (not counted for streaks)"
    return (
        f"Posted {plain(post.question_key)} in <#{channel_id}> as {kind}; "
        f"the answer is revealed {discord_time(post.reveal_at, 'f')}."
    )


def streaks_text(name: str, found: Sequence[tuple[DailyConfig, Streak]]) -> str:
    """/daily streak: `name` is already safe to show."""
    if not found:
        return (
            f"{name} has no daily-question streak yet: no daily question was posted here. "
            "Admins start one with /daily set."
        )
    lines = [f"Daily streaks of {name}:"]
    lines += [f"<#{config.channel_id}>: current {s.current}, best {s.best}" for config, s in found]
    return "\n".join(lines)
