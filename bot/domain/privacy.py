"""What /privacy promises, as rules the services share."""

from __future__ import annotations

from bot.domain.errors import QuizbotError


class PrivateMemberError(QuizbotError):
    """Someone asked for the results of a member who is hidden from public boards."""

    def __init__(self) -> None:
        super().__init__("That member keeps their results private (/privacy): only they can see them.")


def require_may_see_results(user_id: int, viewer_id: int, *, hidden: bool) -> None:
    """A hidden member's stats and streaks are theirs alone; PrivateMemberError for anybody else."""
    if hidden and user_id != viewer_id:
        raise PrivateMemberError
