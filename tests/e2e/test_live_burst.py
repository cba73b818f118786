"""A burst of clicks on one question: every member gets an ephemeral reply well within Discord's 3 s."""

from __future__ import annotations

import logging
import statistics
import time

import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from tests.discord_testbed import TestBed
from tests.helpers import fast_settings, start_fast_quiz

pytestmark = pytest.mark.fake_clock
BURST = 200
log = logging.getLogger(__name__)


async def test_a_burst_of_200_clicks_is_acknowledged_in_time(testbed: TestBed, bot: QuizBot, clock: FakeClock) -> None:
    members = [testbed.add_member(name=f"m{i}") for i in range(BURST)]
    await fast_settings(testbed, testbed.owner)
    question = await start_fast_quiz(testbed, members[0])
    began = time.perf_counter()
    clicks = [await testbed.click(question, "ABCD"[i % 4], user=m, wait=False) for i, m in enumerate(members)]
    await testbed.wait_until(lambda: all(c.response_type is not None for c in clicks), 10, what="every reply")
    elapsed = time.perf_counter() - began
    latencies = sorted(c.interaction.response_at - c.interaction.created_at for c in clicks)
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    log.info(
        "burst: %d clicks, %.0f acks/s, p50 %.0f ms, p99 %.0f ms, max %.0f ms",
        BURST,
        BURST / elapsed,
        p50 * 1000,
        p99 * 1000,
        latencies[-1] * 1000,
    )
    assert all(c.ephemeral and c.message.content.startswith("Locked in") for c in clicks)
    assert await bot.storage.runs.answer_count(1, 0) == BURST
    assert latencies[-1] < 3.0
