"""Discord's failures turned into the domain's two kinds (bot/domain/delivery.py): refused, or failed on the way."""

from __future__ import annotations

import aiohttp
import discord

from bot.domain.delivery import RefusedError, TransientError

# What a REST call through discord.py raises when Discord answered with an error or never answered.
# discord.py already retried 500/502/504/524 (and a reset connection) before raising.
DELIVERY_ERRORS: tuple[type[Exception], ...] = (
    discord.HTTPException,
    discord.RateLimited,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)


def describe(error: BaseException) -> str:
    """One line for the log: status, Discord's error code and the first line of its message."""
    if isinstance(error, discord.HTTPException):
        reason = getattr(error.response, "reason", None) or ""
        line = f"{error.status} {reason}".strip() + (f" (code {error.code})" if error.code else "")
        text = error.text.splitlines()[0] if error.text else ""
        if text and reason.lower() not in text.lower():
            line += f": {text[:200]}"
        return line
    if isinstance(error, discord.RateLimited):
        return f"rate limited for {error.retry_after:.1f} s"
    return f"network error: {type(error).__name__}: {error}".rstrip(": ")


def delivery_error(error: BaseException, what: str) -> RefusedError | TransientError:
    """The domain's view of a failed request (one of DELIVERY_ERRORS) while doing `what`."""
    reason = f"{what}: {describe(error)}"
    if isinstance(error, discord.HTTPException) and error.status != 429 and error.status < 500:
        return RefusedError(reason, status=error.status, code=error.code)
    return TransientError(reason)
