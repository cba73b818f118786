"""The words of daily posts and reveals (plain strings; the cog wraps them in embeds)."""

from __future__ import annotations

import re
from datetime import datetime

from bot.daily.presenter import QuestionPost, RevealPost
from bot.domain.quiz import letter_of

# Room for the names of members who got it right; the rest are counted, not listed.
NAMES_BUDGET = 900
_MARKDOWN = re.compile(r"([\\*_~|`>\[\]])")


def discord_time(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp tag: every reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def plain(text: str) -> str:
    """User-supplied text shown literally (no markdown); pings are blocked separately by allowed_mentions."""
    return _MARKDOWN.sub(r"\\\1", text)


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
    lines.append(distribution(reveal))
    if reveal.answered == 0:
        lines.append("Nobody answered this one.")
    else:
        lines.append(f"{reveal.right} of {reveal.answered} got it right.")
    if reveal.right_names:
        lines.append(f"Right: {right_names(reveal.right_names)}")
    return "\n".join(lines)
