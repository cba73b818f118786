"""/review, /mistakes, and the review lines of /stats and /quiz-report, end to end with the clocked bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.domain.daily import Slot
from bot.domain.quiz import Quiz
from bot.settings import Settings
from bot.ui.review import STALE_NOTE
from tests.discord_testbed import Permission, TestBed
from tests.discord_testbed.model import Message, User
from tests.discord_testbed.runner import BotFactory
from tests.helpers import (
    SEED_QUIZ,
    fast_settings,
    question_message,
    restart,
    revealed,
    right,
    seed_run,
    start_fast_quiz,
    titled,
    wrong,
)

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.fake_clock(START)
GREEN = 3

WEEK1 = """title: Week 1 planets
questions:
  - id: q1
    prompt: Which planet is the largest?
    choices: [Mars, Jupiter, Venus]
    answer: B
    explanation: Jupiter is more than twice as massive as all the other planets together.
  - id: q2
    prompt: Which planet is closest to the Sun?
    choices: [Mercury, Earth]
    answer: A
"""


def day48(bot: QuizBot) -> Quiz:
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    return quiz


async def review(testbed: TestBed, user: User) -> Message:
    """/review, privately; the panel once the bot has caught up."""
    result = await testbed.slash("review", {}, user=user)
    panel = await result.wait_final()
    assert panel.ephemeral
    return panel


def old_panel(testbed: TestBed, custom_id: str, label: str) -> Message:
    """A panel with one button, as if the bot had sent it long ago (its minute is in the custom_id)."""
    button = {"type": 2, "style": 1, "label": label, "custom_id": custom_id}
    return testbed.new_message(
        testbed.general.id, {"content": "an old panel", "components": [{"type": 1, "components": [button]}]}, {}
    )


async def test_wrong_answers_come_back_in_review_one_by_one(
    testbed: TestBed, bot: QuizBot, clock: FakeClock, bot_factory: BotFactory, bot_settings: Settings
) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    quiz = day48(bot)

    # A live quiz: alice gets questions 1 and 2 wrong, the rest right.
    await start_fast_quiz(testbed, alice)
    for index in range(10):
        message = await question_message(testbed, testbed.general, index + 1, 10)
        await testbed.click(message, wrong(quiz, index) if index < 2 else right(quiz, index), user=alice)
        await clock.advance(1)
        await testbed.click(message, "Next", user=alice)
        await revealed(testbed, message)
    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results"))
    mine = await testbed.click(results, "My answers", user=alice)
    assert quiz.questions[0].prompt in mine.message.text()  # "My answers" names each question

    # Straight after the quiz nothing is due yet: a wrong answer comes back a minute later.
    early = await review(testbed, alice)
    assert "Review · nothing due" in early.text() and "2 cards, 0 mature" in early.text()
    assert "next <t:" in early.text() and early.buttons == []
    await clock.advance(60)

    panel = await review(testbed, alice)
    first = quiz.questions[0]
    assert "Review · 2 due" in panel.text() and first.prompt in panel.text()
    assert [b.label[0] for b in panel.buttons] == ["A", "B", "C", "D"]
    again = next(b for b in panel.buttons if b.label.startswith(wrong(quiz, 0)))

    verdict = await testbed.click(panel, wrong(quiz, 0), user=alice)
    assert verdict.response_type == 7 and verdict.message.id == panel.id  # the panel itself shows the verdict
    assert f"Not this time: the answer is {right(quiz, 0)}" in verdict.message.text()
    assert first.explanation[:60] in verdict.message.text()
    assert "This card comes back <t:" in verdict.message.text() and "**1** due now" in verdict.message.text()
    assert [b.label for b in verdict.message.buttons] == ["Next"]

    twice = await testbed.click(old_panel(testbed, again.custom_id, again.label), user=alice, custom_id=again.custom_id)
    assert "Already answered" in twice.message.text()  # the same showing counts once

    second = await testbed.click(panel, "Next", user=alice)
    assert quiz.questions[1].prompt in second.message.text() and "Review · 1 due" in second.message.text()
    done = await testbed.click(panel, right(quiz, 1), user=alice)
    assert f"✅ Right: {right(quiz, 1)}" in done.message.text()
    assert "nothing due now · next <t:" in done.message.text() and done.message.buttons == []

    # After a restart the card answered wrong is due again a minute later, and its buttons still work.
    bot = await restart(testbed, bot, bot_factory, bot_settings)
    await clock.advance(60)
    stats = await testbed.slash("stats", {}, user=alice)
    assert "1 due · 0 mature (2 cards)" in stats.message.text()
    panel = await review(testbed, alice)
    assert "Review · 1 due" in panel.text() and first.prompt in panel.text()
    bot = await restart(testbed, bot, bot_factory, bot_settings)
    verdict = await testbed.click(panel, right(quiz, 0), user=alice)
    assert f"✅ Right: {right(quiz, 0)}" in verdict.message.text()


async def test_a_panel_older_than_15_minutes_answers_with_a_fresh_message(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")
    await seed_run(bot.storage, [(0, alice.id, "alice", 2, 1.0)], guild_id=testbed.guild.id, at=START)
    await clock.advance(120)
    panel = await review(testbed, alice)
    button = next(b for b in panel.buttons if b.label.startswith("A"))
    card, ratings, choice, _ = button.custom_id.removeprefix("review:").split(":")
    made = int((datetime.now(UTC) - timedelta(minutes=20)).timestamp() // 60)
    stale_id = f"review:{card}:{ratings}:{choice}:{made}"

    answer = await testbed.click(old_panel(testbed, stale_id, button.label), user=alice, custom_id=stale_id)

    assert answer.response_type == 4 and answer.ephemeral  # a new private message, the old panel untouched
    assert STALE_NOTE in answer.message.content and "✅ Right: A" in answer.message.text()
    assert "✅ Right" not in testbed.messages[panel.id].text()
    reviews = await bot.storage.database.fetch_one("SELECT count(*) FROM review_log WHERE source = 'review'")
    assert reviews[0] == 1


async def test_a_daily_answer_becomes_a_card_only_once_revealed(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")
    channel = testbed.add_channel(name="daily")
    await testbed.slash(
        "daily set", {"channel": channel, "time": "09:00", "timezone": "UTC", "quizzes": "day48"}, user=admin
    )
    await (await testbed.slash("daily now", {"channel": channel}, user=admin)).wait_final()
    post = await testbed.wait_for_message(channel, lambda m: bool(m.buttons))
    (config,) = await bot.storage.daily.guild_schedules(testbed.guild.id)
    stored = await bot.storage.daily.get_post(config.id, Slot(START.date()))
    question = day48(bot).question(stored.question_key.split("/")[1])
    assert question is not None
    await testbed.click(post, "ABCDE"[(question.answer + 1) % len(question.choices)], user=alice)

    await clock.advance(120)
    before = await review(testbed, alice)
    assert "no review cards here yet" in before.text()  # no spoiler before the reveal
    hidden = await testbed.slash("mistakes", {}, user=alice)
    assert "No wrong answers here yet" in hidden.message.text()

    await clock.advance_to(stored.reveal_at + timedelta(minutes=2))
    await testbed.wait_for_message(channel, lambda m: m.message_reference is not None)
    after = await review(testbed, alice)
    assert "Review · 1 due" in after.text() and question.prompt[:80] in after.text()
    shown = await testbed.slash("mistakes", {}, user=alice)
    assert question.prompt[:80] in shown.message.text() and "1 wrong answers" in shown.message.text()


async def test_a_card_outlives_its_quiz(testbed: TestBed, bot: QuizBot, clock: FakeClock) -> None:
    testbed.forbid_pings = True
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, organiser)
    upload = testbed.attachment("week1.yaml", WEEK1)
    await (await testbed.slash("quiz-upload", {"file": upload}, user=organiser)).wait_final()
    started = await testbed.slash("quiz", {"name": "week1"}, user=alice)
    assert "Starting" in started.message.content
    q1 = await question_message(testbed, testbed.general, 1, 2)
    await testbed.click(q1, "A", user=alice)  # Mars: wrong
    await testbed.slash("quiz-stop", {}, user=alice)
    await revealed(testbed, q1)

    asked = await testbed.slash("quiz-remove", {"name": "week1"}, user=organiser)
    await testbed.click(asked.message, "Remove", user=organiser)
    assert "week1" not in bot.library.catalog_for(testbed.guild.id).ids()
    await clock.advance(120)

    panel = await review(testbed, alice)
    assert "Which planet is the largest?" in panel.text() and "Week 1 planets" in panel.text()
    verdict = await testbed.click(panel, "B", user=alice)
    assert "✅ Right: B" in verdict.message.text() and "twice as massive" in verdict.message.text()
    choices = await testbed.autocomplete("mistakes", {"quiz": "week"}, focused="quiz", user=alice)
    assert [c["value"] for c in choices] == ["week1"]
    mistakes = await testbed.slash("mistakes", {"quiz": "week1"}, user=alice)
    text = mistakes.message.text()
    assert mistakes.ephemeral and "Which planet is the largest?" in text
    assert "❌ you: **A)** Mars" in text and "✅ answer: **B)** Jupiter" in text and "twice as massive" in text


async def test_mistakes_page_newest_first_and_filter_by_quiz(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")
    guild = testbed.guild.id
    # Six days of the seed quiz, two wrong answers a day (Rank? and Easy?), and one other quiz's.
    for day in range(6):
        at = START - timedelta(days=10 - day)
        await seed_run(
            bot.storage, [(0, alice.id, "alice", 1, 1.0), (2, alice.id, "alice", 1, 2.0)], guild_id=guild, at=at
        )
    other = Quiz("other", "@everyone Other", (SEED_QUIZ.questions[1],))
    await seed_run(
        bot.storage, [(0, alice.id, "alice", 0, 1.0)], quiz=other, guild_id=guild, at=START - timedelta(days=1)
    )

    first = await testbed.slash("mistakes", {}, user=alice)
    page = first.message
    assert first.ephemeral and "Page 1/3 · 13 wrong answers" in page.text()
    assert page.text().index("Other") < page.text().index("Rank?")  # newest first
    assert [(b.label, b.disabled) for b in page.buttons] == [("Previous", True), ("Next", False)]
    await testbed.click(page, "Next", user=alice)
    await testbed.click(page, "Next", user=alice)
    last = testbed.messages[page.id]
    assert "Page 3/3" in last.text() and [b.disabled for b in last.buttons] == [False, True]

    choices = await testbed.autocomplete("mistakes", {"quiz": ""}, focused="quiz", user=alice)
    assert [c["value"] for c in choices] == ["lora", "other"]
    only = await testbed.slash("mistakes", {"quiz": "other"}, user=alice)
    assert "Your mistakes · other" in only.message.text() and "Page 1/1 · 1 wrong answers" in only.message.text()
    assert only.message.buttons == []


async def test_the_report_lists_the_quizs_leeches(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    admin = testbed.add_member(name="admin", permissions=Permission.MANAGE_GUILD)
    guild = testbed.guild.id
    # Members 1-3 answer "Rank?" wrong in four runs: a leech. Member 4 only twice.
    for day in range(4):
        answers = [(0, user, f"m{user}", 1, 1.0) for user in (1, 2, 3)] + ([(0, 4, "m4", 2, 1.0)] if day < 2 else [])
        await seed_run(bot.storage, answers, guild_id=guild, at=START - timedelta(days=5 - day))

    report = await (await testbed.slash("quiz-report", {"quiz": "lora"}, user=admin)).wait_final()
    field = next(f for f in report.embed["fields"] if f["name"].startswith("Leeches"))
    assert field["name"] == "Leeches: 3+ members answered it wrong 4+ times"
    assert field["value"] == "`q1` Rank? · 3 members, 12 wrong answers"


async def test_every_answer_makes_right_answers_cards_from_then_on(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    alice = testbed.add_member(name="alice")
    guild = testbed.guild.id
    await seed_run(bot.storage, [(0, alice.id, "alice", 0, 1.0)], guild_id=guild, at=START - timedelta(hours=1))

    result = await testbed.slash("review", {"every_answer": True}, user=alice)
    turned_on = await result.wait_final()
    assert "every question you answer here becomes a card, right or wrong" in turned_on.text()
    assert "no review cards here yet" in turned_on.text()  # the right answer from before stays out

    await seed_run(bot.storage, [(1, alice.id, "alice", 1, 1.0)], guild_id=guild, at=START)  # right: Good
    await clock.advance(timedelta(minutes=11))
    panel = await review(testbed, alice)
    assert "Review · 1 due" in panel.text() and "Bits?" in panel.text()
