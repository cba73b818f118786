"""Why a post did not reach the channel, as the domain sees it, and how long to wait before sending it again.

Two failures, two rules (docs/live-quiz.md, "When Discord refuses or fails"):

- refused (HTTP 4xx other than 429): the same request would be refused again, so it is never sent
  again as is; the caller leaves out what is optional (a results card) or gives up on that message;
- failed (5xx, 429, a network error): the request may or may not have taken effect, so the very same
  request (the same nonce: Discord returns a message that did arrive instead of posting it twice) is
  sent again after a back-off, a bounded number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.errors import QuizbotError


class RefusedError(QuizbotError):
    """Discord refused the request (4xx other than 429): sending it again unchanged would be refused again."""

    def __init__(self, reason: str, *, status: int = 400, code: int = 0) -> None:
        super().__init__(reason)
        self.status, self.code = status, code


class TransientError(QuizbotError):
    """The request failed on the way (5xx, 429, network): it may have taken effect; the same one may be retried."""


@dataclass(frozen=True)
class Backoff:
    """Up to `tries` attempts of one request, waiting `first_seconds`, then twice as long each time."""

    first_seconds: float
    tries: int

    def __post_init__(self) -> None:
        if self.first_seconds <= 0 or self.tries < 1:
            raise ValueError("a back-off needs a positive first delay and at least one try")

    def exhausted(self, failures: int) -> bool:
        """True once `failures` failed attempts used up every try."""
        return failures >= self.tries

    def delay(self, failures: int) -> timedelta:
        """How long to wait after the `failures`-th failed attempt (1 for the first failure)."""
        return timedelta(seconds=self.first_seconds * 2 ** max(failures - 1, 0))

    @property
    def total(self) -> timedelta:
        """The longest the retries of one request wait in all (it must fit in Discord's nonce window)."""
        return sum((self.delay(n) for n in range(1, self.tries)), timedelta(0))
