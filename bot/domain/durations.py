"""How long an open window lasts, as members type it: `30m`, `24h`, `2d`, `1d12h` (up to 7 days)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.errors import InvalidOptionError

MIN_WINDOW = timedelta(minutes=5)
MAX_WINDOW = timedelta(days=7)

_UNITS = {
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_PART = re.compile(r"(\d{1,6})\s*([a-z]+)")
EXAMPLES = "30m, 24h, 2d or 1d12h"


def parse_window(text: str) -> timedelta:
    """The duration `text` names; InvalidOptionError (the member's reply) says what is accepted."""
    cleaned = text.strip().lower()
    shown = re.sub(r"[^\w .-]", "", text.strip())[:20]
    parts = list(_PART.finditer(cleaned))
    rest = _PART.sub("", cleaned).replace(" ", "")
    if not parts or rest or any(unit not in _UNITS for _, unit in (p.groups() for p in parts)):
        raise InvalidOptionError(
            f"“{shown}” is not a duration: write it like {EXAMPLES} (minutes, hours, days; at most 7 days)."
        )
    total = timedelta(seconds=sum(int(number) * _UNITS[unit] for number, unit in (p.groups() for p in parts)))
    if total < MIN_WINDOW:
        raise InvalidOptionError("A window stays open at least 5 minutes: try 30m, 24h or 2d.")
    if total > MAX_WINDOW:
        raise InvalidOptionError("A window stays open at most 7 days: try 7d or less.")
    return total


def describe(duration: timedelta) -> str:
    """`1 d 12 h`, `30 min`: a duration as the bot shows it back."""
    minutes = int(duration.total_seconds() // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or "0 min"
