"""Late clicks, logged as one line per interval (how many, the worst delay) instead of one per click.

Under overload nearly every click is late, and a line per click meant thousands of lines per burst,
each one costing the event loop that was already behind (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import logging


class LateClickLog:
    """Counts late clicks and logs them at INFO once per `interval` seconds, with the worst delay."""

    def __init__(self, logger: logging.Logger, interval: float = 1.0) -> None:
        self._log = logger
        self._interval = interval
        self._count = 0
        self._worst = 0.0
        self._worst_at: tuple[int, int] = (0, 0)
        self._flush_timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    def note(self, delay: float, run_id: int, index: int) -> None:
        """A click that reached us `delay` seconds after Discord created it; logged with the others soon."""
        self._count += 1
        if delay >= self._worst:
            self._worst, self._worst_at = delay, (run_id, index)
        loop = asyncio.get_running_loop()
        # A timer left on another (closed) loop never fires: one module-level log outlives event loops.
        if self._flush_timer is None or self._timer_loop is not loop:
            self._flush_timer, self._timer_loop = loop.call_later(self._interval, self.flush), loop

    def flush(self) -> None:
        """Log what was counted since the last line, if anything."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if not self._count:
            return
        run_id, index = self._worst_at
        self._log.info(
            "late clicks: %d in the last %.0f s, the latest arrived %.2f s after it was made (run=%d question=%d)",
            self._count,
            self._interval,
            self._worst,
            run_id,
            index,
        )
        self._count, self._worst = 0, 0.0
