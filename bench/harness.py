"""Shared machinery: a test bed with Discord-like limits, the bot as a process, clicks on a schedule.

The test bed runs in this process and is the load generator; the bot under test is a separate process.
Latency is measured on the test bed's side, as Discord would: from the moment an INTERACTION_CREATE is
queued on the gateway to the moment the interaction callback request arrives.
"""

from __future__ import annotations

import asyncio
import math
import random
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.targets import Target
from tests.discord_testbed.model import Interaction, Message, User
from tests.discord_testbed.rest import RequestRecord
from tests.discord_testbed.runner import BotProcess, settings_for
from tests.discord_testbed.testbed import TestBed

# Discord does not publish these; about 5 per 5 s per channel is what bot authors observe (see
# discord-sqlite-facts.md §1). With them in place a 429 means the bot outran Discord's limit.
DISCORD_LIKE_LIMITS = (
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", 5, 5.0),
    ("POST", "/channels/{channel_id}/messages", 5, 5.0),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", 5, 5.0),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}", 5, 5.0),
)
EDIT_ROUTES = {
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
}
INTERACTION_DEADLINE = 3.0
# Yield to the gateway writer at least this often while sending, so frames go out as they are made.
YIELD_EVERY = 25


@dataclass
class BenchWorld:
    tb: TestBed
    proc: BotProcess
    # The SQLite file, or the PostgreSQL URL of the bot's own fresh database.
    database: Path | str
    target: Target

    @property
    def pid(self) -> int:
        assert self.proc.proc is not None
        return self.proc.proc.pid


@asynccontextmanager
async def bench_world(
    target: Target, *, workdir: Path | None = None, spec: bool = False, database_url: str | None = None
) -> AsyncIterator[BenchWorld]:
    """A fresh test bed and database, the target bot running as a process and connected.

    `database_url`: a fresh PostgreSQL database for the bot (a SQLite file in a new folder otherwise).
    The OpenAPI body check is off by default: it validates the bot, not its speed, and costs the test
    bed CPU on every callback (the smoke test keeps it on).
    """
    if database_url is not None and not target.speaks_postgres:
        raise ValueError(f"{target.name} stores its answers in SQLite only")
    with tempfile.TemporaryDirectory(prefix="quizbot-bench-", dir=workdir) as tmp:
        tmp_path = Path(tmp)
        tb = TestBed(spec=spec)
        await tb.start()
        for method, route, limit, per in DISCORD_LIKE_LIMITS:
            tb.limit_route(method, route, limit=limit, per=per)
        settings = settings_for(tb, tmp_path, db_url=database_url)
        proc = BotProcess(tb, target.command, settings, tmp_path / "bot.log", target.factory)
        world = BenchWorld(tb, proc, settings.database, target)
        try:
            await proc.start()
            await proc.wait_connected(timeout=30.0)
            yield world
        except BaseException:
            print(f"--- {target.name} bot log ---\n{proc.output()[-4000:]}")
            raise
        finally:
            await proc.stop()
            await tb.stop()


def add_members(tb: TestBed, count: int, prefix: str) -> list[User]:
    return [tb.add_member(name=f"{prefix}{i}") for i in range(count)]


@dataclass(frozen=True)
class Click:
    message: Message
    custom_id: str
    user: User


def click_plan(
    target: Target, questions: Sequence[Message], members: Sequence[Sequence[User]], seed: int
) -> list[Click]:
    """Every member of question i's group clicks one of its answers, in a shuffled order."""
    rng = random.Random(seed)
    plan = []
    for message, group in zip(questions, members, strict=True):
        answers = target.answer_ids(message)
        if not answers:
            raise RuntimeError(f"{target.name}: the question message has no answer buttons")
        plan += [Click(message, rng.choice(answers), user) for user in group]
    rng.shuffle(plan)
    return plan


async def send_clicks(tb: TestBed, plan: Sequence[Click], spread: float) -> list[Interaction]:
    """Send the clicks evenly over `spread` seconds; never waits for a response (fire and measure).

    `spread=0` ("at once") sends them as fast as this process can make them, yielding to the gateway
    writer every YIELD_EVERY clicks so frames leave as they are made; `AckStats.offered_per_s` says how
    fast that was.
    """
    start = tb.clock()
    sent: list[Interaction] = []
    for i, click in enumerate(plan):
        due = start + spread * i / len(plan)
        delay = due - tb.clock()
        if delay > 0.0005:
            await asyncio.sleep(delay)
        elif i % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        result = await tb.click(click.message, user=click.user, custom_id=click.custom_id, wait=False)
        sent.append(result.interaction)
    return sent


async def wait_acked(tb: TestBed, sent: Sequence[Interaction], grace: float = 2.0) -> None:
    """Until every interaction is answered, or it is too late for any of them to be (3 s + grace)."""
    last_sent = max(i.created_at for i in sent)
    while tb.clock() < last_sent + INTERACTION_DEADLINE + grace:
        if all(i.response_type is not None for i in sent):
            return
        await asyncio.sleep(0.05)


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class AckStats:
    clicks: int
    acked: int
    missed_deadline: int
    deferred: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    throughput: float
    # Clicks per second as the load generator queued them: a burst measures the bot only if this is
    # well above `throughput` (the bot, not the offer, set the pace).
    offered_per_s: float

    @classmethod
    def of(cls, sent: Sequence[Interaction]) -> AckStats:
        acked = [i for i in sent if i.response_at is not None]
        latencies = sorted((i.response_at - i.created_at) * 1000 for i in acked)  # type: ignore[operator]
        in_time = sum(1 for ms in latencies if ms <= INTERACTION_DEADLINE * 1000)
        first = min(i.created_at for i in sent)
        last_sent = max(i.created_at for i in sent)
        last = max((i.response_at for i in acked), default=first)  # type: ignore[type-var]
        return cls(
            clicks=len(sent),
            acked=len(acked),
            missed_deadline=len(sent) - in_time,
            deferred=sum(1 for i in acked if i.response_type == 5),
            p50_ms=percentile(latencies, 0.50),
            p95_ms=percentile(latencies, 0.95),
            p99_ms=percentile(latencies, 0.99),
            max_ms=latencies[-1] if latencies else math.nan,
            throughput=len(acked) / (last - first) if last > first else 0.0,  # type: ignore[operator]
            offered_per_s=len(sent) / (last_sent - first) if last_sent > first else math.inf,
        )


@dataclass(frozen=True)
class EditStats:
    edits: int
    edit_429s: int
    all_429s: int

    @classmethod
    def since(cls, requests: Sequence[RequestRecord], start: float) -> EditStats:
        window = [r for r in requests if r.at >= start]
        edits = [r for r in window if (r.method, r.route) in EDIT_ROUTES]
        return cls(
            edits=len(edits),
            edit_429s=sum(1 for r in edits if r.status == 429),
            all_429s=sum(1 for r in window if r.status == 429),
        )


def check_refusals(tb: TestBed, target: Target) -> int:
    """Count the late answers; any other request Discord would refuse is a bug that voids the run."""
    late = tb.take_violations("late-response")
    if tb.violations:
        listing = "\n".join(str(v) for v in tb.violations[:5])
        raise RuntimeError(f"{target.name} sent requests Discord would refuse:\n{listing}")
    return len(late)


async def unstored(target: Target, database: Path | str, sent: Sequence[Interaction]) -> tuple[int, int]:
    """(acked clicks whose answer is not in the database, rows found) — read after the bot stopped.

    `database` is the SQLite file or the PostgreSQL URL the bot used."""
    if not target.writes_answers:
        return 0, 0
    by_question: dict[tuple[int, str], list[Interaction]] = {}
    for inter in sent:
        custom_id = inter.payload["data"]["custom_id"]
        by_question.setdefault((inter.message_id or 0, question_key(target, custom_id)), []).append(inter)
    lost = rows = 0
    for (message_id, _), inters in by_question.items():
        stored = await target.stored_users(database, inters[0].payload["data"]["custom_id"], message_id)
        rows += len(stored)
        lost += sum(1 for i in inters if i.response_type is not None and i.user_id not in stored)
    return lost, rows


def question_key(target: Target, custom_id: str) -> str:
    """The custom_id without its choice: every button of one question shares it."""
    match = target.answer_pattern.match(custom_id)
    assert match is not None
    return custom_id[: match.start("choice")]
