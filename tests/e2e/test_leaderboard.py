"""/leaderboard paging and /stats end to end through the offline Discord test bed."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from bot.app import QuizBot
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import RunKind, ScoringMode
from bot.ops.answers_csv import read_answers_csv
from bot.storage import Storage
from tests.discord_testbed import Permission
from tests.discord_testbed.testbed import TestBed

QUIZ = Quiz(
    id="lora",
    title="LoRA basics",
    questions=(
        Question("q1", "Rank?", ("r", "alpha"), 0, tags=("lora",)),
        Question("q2", "Bits?", ("4", "8"), 1, tags=("quantization",)),
    ),
)


async def seed(storage: Storage, guild_id: int, members: list[tuple[int, str, int, float]]) -> None:
    """One run; each member answers q1 right or wrong after the given seconds, and q2 wrong."""
    now = datetime.now(UTC) - timedelta(hours=1)
    run = await storage.runs.create_run(
        guild_id=guild_id,
        channel_id=1,
        kind=RunKind.LIVE,
        quiz=QUIZ,
        started_by=1,
        now=now,
        seconds_per_question=30,
        scoring_mode=ScoringMode.ACCURACY,
    )
    for index in range(2):
        await storage.runs.open_question(run.id, index, now=now, deadline=now + timedelta(minutes=5))
    for user_id, name, choice, seconds in members:
        at = now + timedelta(seconds=seconds)
        await storage.runs.record_answer(run_id=run.id, index=0, user_id=user_id, user_name=name, choice=choice, now=at)
        await storage.runs.record_answer(run_id=run.id, index=1, user_id=user_id, user_name=name, choice=0, now=at)


async def test_leaderboard_pages_for_the_caller_only(testbed: TestBed, running_bot: QuizBot) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")
    # 24 members ahead of alice, one of them with a name that would ping and break markdown.
    ahead = [(10_000 + i, f"member{i:02d}", 0, 1.0 + i) for i in range(23)]
    ahead.append((20_000, "@everyone **bold**", 0, 0.5))
    await seed(running_bot.storage, testbed.guild.id, [*ahead, (alice.id, "alice", 0, 60.0), (bob.id, "bob", 1, 1.0)])

    board = await testbed.slash("leaderboard", {}, user=alice)
    message = board.message
    text = message.text()
    assert "Page 1/3" in text and "26 members" in text
    assert "\\*\\*bold\\*\\*" in text  # markdown in names is shown, not applied
    assert "`#25` **alice** · 1/2 correct" in text  # the caller's own line, far from page 1
    assert [(b.label, b.disabled) for b in message.buttons] == [("Previous", True), ("Next", False)]

    stranger = await testbed.click(message, "Next", user=bob)
    assert stranger.ephemeral and "can page this board" in stranger.message.content
    assert "Page 1/3" in testbed.messages[message.id].text()

    await testbed.click(message, "Next", user=alice)
    await testbed.click(message, "Next", user=alice)
    shown = testbed.messages[message.id]
    assert "Page 3/3" in shown.text()
    assert "`#25` **alice**" in shown.text() and "`#26` **bob** · 0/2 correct" in shown.text()
    assert [(b.label, b.disabled) for b in shown.buttons] == [("Previous", False), ("Next", True)]


async def test_stats_shows_totals_and_tags(testbed: TestBed, running_bot: QuizBot) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")
    await seed(running_bot.storage, testbed.guild.id, [(alice.id, "alice", 0, 2.0)])

    result = await testbed.slash("stats", {}, user=alice)
    text = result.message.text()
    assert "Stats · alice" in text
    assert "Questions answered" in text and "50% (1 correct)" in text
    assert "lora 100%" in text and "quantization 0%" in text
    assert "LoRA basics: 1/2" in text

    nobody = await testbed.slash("stats", {"member": bob}, user=alice)
    assert "has not answered any question here yet" in nobody.message.text()


async def test_week_and_month_follow_the_server_time_zone(testbed: TestBed, running_bot: QuizBot) -> None:
    testbed.forbid_pings = True
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    choices = await testbed.autocomplete("quiz-settings", {"timezone": "berl"}, focused="timezone", user=admin)
    assert "Europe/Berlin" in [choice["value"] for choice in choices]

    wrong = await testbed.slash("quiz-settings", {"timezone": "Berlin/Europe"}, user=admin)
    assert wrong.ephemeral and "is not a known time zone. Use an IANA name" in wrong.message.content
    assert (await running_bot.storage.settings.guild_settings(testbed.guild.id)).timezone == "UTC"

    changed = await testbed.slash("quiz-settings", {"timezone": "europe/berlin"}, user=admin)
    assert "Time zone (week and month leaderboards): Europe/Berlin" in changed.message.content
    board = await testbed.slash("leaderboard", {"scope": "week"}, user=admin)
    assert "(Europe/Berlin)" in board.message.text()


async def test_a_board_older_than_15_minutes_stops_paging_and_says_why(testbed: TestBed, running_bot: QuizBot) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")
    await seed(running_bot.storage, testbed.guild.id, [(10_000 + i, f"m{i:02d}", 0, 1.0 + i) for i in range(15)])
    # A board posted 20 minutes ago (its buttons carry the minute it was made; Discord keeps the message).
    made = int(datetime.now(UTC).timestamp() // 60) - 20
    buttons = [
        {"type": 2, "style": 2, "label": label, "custom_id": f"lb:{d}:all::{page}:{alice.id}:{made}"}
        for label, d, page in (("Previous", "p", 0), ("Next", "n", 1))
    ]
    old = testbed.new_message(
        testbed.general.id, {"content": "an old board", "components": [{"type": 1, "components": buttons}]}, {}
    )

    clicked = await testbed.click(old, "Next", user=alice)
    assert all(b.disabled for b in testbed.messages[old.id].buttons), "an expired board's buttons are disabled"
    notice = await testbed.wait_until(lambda: clicked.followups, what="the expiry notice")
    assert notice[0].flags & 64, "the notice is ephemeral"
    assert "more than 15 minutes old: run /leaderboard again" in notice[0].content


async def test_quiz_report_is_for_admins_flags_the_key_and_attaches_every_answer_as_csv(
    testbed: TestBed, running_bot: QuizBot
) -> None:
    testbed.forbid_pings = True
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    member = testbed.add_member(name="member")
    # Everybody gets q1 right; everybody picks the same wrong option on q2.
    await seed(running_bot.storage, testbed.guild.id, [(1001, "ann", 0, 1.0), (1002, "@here ben", 0, 3.0)])

    refused = await testbed.slash("quiz-report", {"quiz": "lora"}, user=member)
    assert refused.ephemeral and "Manage Server or the quiz master role" in refused.message.content

    result = await testbed.slash("quiz-report", {"quiz": "lora", "csv": True}, user=admin)
    report = await result.wait_final()
    assert report.ephemeral
    text = report.text()
    assert "Report · LoRA basics (1 run)" in text
    q1, q2 = [line for line in text.splitlines() if "% correct" in line]
    assert q1.startswith("100% correct") and "everybody got it right" in q1
    assert q2.startswith("0% correct") and "check the answer key" in q2 and "A 2" in q2
    (name,) = report.files
    assert name == "lora-answers.csv"
    shown = read_answers_csv(io.StringIO(report.files[name].decode()))
    stored = [row async for row in running_bot.storage.boards.answer_rows(testbed.guild.id, quiz_id="lora")]
    assert shown == stored and len(shown) == 4
    assert {row.user_name for row in shown} == {"ann", "@here ben"}
