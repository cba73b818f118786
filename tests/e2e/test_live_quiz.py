"""Live quizzes end to end through the offline Discord test bed, with the bot's clock in the test's hands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.domain.quiz import letter_of
from bot.domain.runs import QuestionState, RunStatus
from bot.settings import Settings
from tests.discord_testbed import Permission, TestBed
from tests.discord_testbed.runner import BotFactory
from tests.helpers import (
    EDIT_ROUTE,
    eventually,
    fast_settings,
    question_message,
    restart,
    revealed,
    right,
    start_fast_quiz,
    titled,
    wrong,
)

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GREEN, GREY = 3, 2
pytestmark = pytest.mark.fake_clock(START)


async def test_three_members_play_day48_to_the_leaderboard(testbed: TestBed, bot: QuizBot, clock: FakeClock) -> None:
    testbed.forbid_pings = True
    alice, bob, cy = (testbed.add_member(name=n) for n in ("alice", "bob", "cy"))
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    total = len(quiz.questions)

    started = await testbed.slash("quiz", {"name": "day48"}, user=alice)
    assert started.ephemeral and "Starting" in started.message.content
    intro = await testbed.wait_for_message(testbed.general, titled(quiz.title[:40]))
    assert "10** questions" in intro.text() and [b.label for b in intro.buttons] == ["Start now"]
    not_starter = await testbed.click(intro, "Start now", user=bob)
    assert "Only" in not_starter.message.content
    await clock.advance(5)  # the default lead

    # Question 1: alice right, bob wrong then again, cy only after the question closed.
    q1 = await question_message(testbed, testbed.general, 1, total)
    assert quiz.questions[0].prompt in q1.text()
    assert all(f"**{letter_of(i)})** {c}" in q1.text() for i, c in enumerate(quiz.questions[0].choices))
    assert "<t:" in q1.text() and ":R>" in q1.text()
    assert [b.label.split(")")[0] for b in q1.buttons] == ["A", "B", "C", "D", "Next"]
    locked = await testbed.click(q1, right(quiz, 0), user=alice)
    assert locked.ephemeral and locked.message.content == f"Locked in: {right(quiz, 0)}"
    first = await testbed.click(q1, wrong(quiz, 0), user=bob)
    again = await testbed.click(q1, right(quiz, 0), user=bob)
    assert first.message.content == f"Locked in: {wrong(quiz, 0)}"
    assert again.ephemeral and again.message.content == f"You already answered {wrong(quiz, 0)}"

    await clock.advance(4)  # one counter tick: the message shows how many answered
    await testbed.wait_until(lambda: "answered: 2" in q1.text(), what="the answered counter")
    testbed.force_429("PATCH", EDIT_ROUTE, retry_after=1.0)  # holds the reveal edit back for a moment
    await clock.advance(26)

    async def q1_closed() -> bool:
        question = await bot.storage.runs.get_question(1, 0)
        return question is not None and question.state is QuestionState.CLOSED

    await eventually(q1_closed, what="question 1 to close")
    late = await testbed.click(q1, right(quiz, 0), user=cy)
    assert late.ephemeral and late.message.content.startswith("This question is closed")
    await revealed(testbed, q1)
    assert testbed.rate_limited
    assert all(b.disabled for b in q1.buttons)
    assert [b.style for b in q1.buttons] == [GREEN if b.label.startswith(right(quiz, 0)) else GREY for b in q1.buttons]
    assert "1 of 2 right" in q1.text() and "(50%)" in q1.text()
    await clock.advance(5)  # the default pause after a reveal

    # The rest: alice always right, bob always wrong; cy answers question 2 right; alice moves on with Next.
    for index in range(1, total):
        message = await question_message(testbed, testbed.general, index + 1, total)
        await testbed.click(message, right(quiz, index), user=alice)
        await testbed.click(message, wrong(quiz, index), user=bob)
        if index == 1:
            await testbed.click(message, right(quiz, index), user=cy)
            denied = await testbed.click(message, "Next", user=bob)
            assert "Only" in denied.message.content
        await clock.advance(1)
        nexted = await testbed.click(message, "Next", user=alice)
        assert nexted.message.content == "Closing this question now."
        await revealed(testbed, message)
        await clock.advance(5)

    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results"))
    board = results.embed["description"].splitlines()
    assert [line.split(" — ")[0] for line in board] == ["🥇 alice", "🥈 cy", "🥉 bob"]
    assert "10 pts · 10/10 right" in board[0] and "1 pt · 1/10 right" in board[1]
    await testbed.wait_for_message(testbed.general, titled("Answers and explanations"))
    everything = "\n".join(m.text() for m in testbed.visible_messages(testbed.general))
    for question in quiz.questions:
        assert question.explanation in everything

    async def finished() -> bool:
        run = await bot.storage.runs.get_run(1)
        return run is not None and run.status is RunStatus.FINISHED and run.results_done

    await eventually(finished, what="the run to be recorded as finished")

    mine = await testbed.click(results, "My answers", user=bob)
    assert mine.ephemeral and "0 of 10 right" in mine.message.text()
    assert f"you: **{wrong(quiz, 0)}** · correct: **{right(quiz, 0)}**" in mine.message.text()


async def test_a_restart_resumes_closing_overdue_questions_and_keeping_the_open_one(
    testbed: TestBed, bot: QuizBot, clock: FakeClock, bot_factory: BotFactory, bot_settings: Settings
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    await fast_settings(testbed, testbed.owner)
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    q1 = await start_fast_quiz(testbed, alice)
    await testbed.click(q1, right(quiz, 0), user=alice)

    # Down while question 1's deadline passes: it closes and reveals at once on start, then question 2.
    await bot.close()
    await clock.advance(45)
    bot = await restart(testbed, bot, bot_factory, bot_settings)
    await revealed(testbed, q1)
    assert "1 of 1 right" in q1.text()
    q2 = await question_message(testbed, testbed.general, 2, 10)
    await testbed.click(q2, wrong(quiz, 1), user=bob)

    # Down for a moment in the middle of question 2: it stays open with its deadline, nothing reposted.
    await clock.advance(10)
    bot = await restart(testbed, bot, bot_factory, bot_settings)
    late_but_open = await testbed.click(q2, right(quiz, 1), user=alice)
    assert late_but_open.message.content == f"Locked in: {right(quiz, 1)}"
    again = await testbed.click(q2, right(quiz, 1), user=bob)
    assert again.message.content == f"You already answered {wrong(quiz, 1)}"
    question = await bot.storage.runs.get_question(1, 1)
    assert question is not None and question.deadline == START + timedelta(seconds=45 + 30)

    stopped = await testbed.slash("quiz-stop", user=alice)
    assert stopped.message.content == "Quiz stopped; the results are being posted."
    await revealed(testbed, q2)
    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results"))
    assert results.embed["description"].splitlines()[0].startswith("🥇 alice — 2 pts · 2/10 right")
    titles = [str(m.embed.get("title")) for m in testbed.visible_messages(testbed.general) if m.embed]
    assert len([t for t in titles if t.startswith("Question 1/")]) == 1
    assert len([t for t in titles if t.startswith("Question 2/")]) == 1
    assert len([t for t in titles if t.startswith(quiz.title[:30])]) == 1
    assert not [t for t in titles if t.startswith("Question 3/")]


async def test_two_channels_run_independently_and_one_quiz_per_channel(
    testbed: TestBed, bot: QuizBot, clock: FakeClock
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    other = testbed.add_channel(name="study")
    await fast_settings(testbed, testbed.owner)
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    here = await start_fast_quiz(testbed, alice)
    there = await start_fast_quiz(testbed, bob, other)

    busy = await testbed.slash("quiz", {"name": "day48"}, user=bob)
    assert busy.ephemeral and busy.message.content.startswith("A quiz is already running here: https://discord.com/")
    await testbed.click(here, right(quiz, 0), user=bob)
    await testbed.click(there, wrong(quiz, 0), user=bob)
    await testbed.click(there, "Next", user=bob)
    await revealed(testbed, there)
    assert "0 of 1 right" in there.text()
    assert "closed" not in str(here.embed and here.embed["title"])  # the other channel's question is still open
    await testbed.slash("quiz-stop", user=alice)
    await revealed(testbed, here)
    assert "1 of 1 right" in here.text()


async def test_forged_and_stale_buttons_get_a_clear_ephemeral_reply(testbed: TestBed, bot: QuizBot) -> None:
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    await start_fast_quiz(testbed, alice)
    stale_ids = [
        "quiz:999:0:1",  # no such run
        "quiz:1:99:0",  # no such question
        "quiz:1:0:7",  # no such choice
        "quiz:v0:whatever",  # an older or unknown format
        "quiz:123456789012345678901234:0:0",  # numbers too long for the database
        "quiz:next:999:0",
        "quiz:mine:999",
    ]
    # A message an older version of the bot posted (Discord only delivers clicks on real buttons).
    rows = [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": f"old {i}", "custom_id": c} for i, c in chunk]}
        for chunk in (list(enumerate(stale_ids))[:5], list(enumerate(stale_ids))[5:])
    ]
    old = testbed.new_message(testbed.general.id, {"content": "an old quiz", "components": rows}, {})
    for custom_id in stale_ids:
        click = await testbed.click(old, user=alice, custom_id=custom_id)
        assert click.ephemeral, custom_id
        assert click.message.content.startswith("This quiz button is no longer active"), custom_id
    assert await bot.storage.runs.answer_count(1, 0) == 0
    unknown = await testbed.slash("quiz", {"name": "day4"}, user=alice, channel=testbed.add_channel(name="x"))
    assert unknown.ephemeral and "There is no quiz called “day4”. Did you mean `day48`?" in unknown.message.content


async def test_answer_clicks_are_routed_once_and_no_question_view_is_kept(testbed: TestBed, bot: QuizBot) -> None:
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    await fast_settings(testbed, testbed.owner)
    q1 = await start_fast_quiz(testbed, alice)
    locked = await testbed.click(q1, "B", user=alice)
    assert locked.ephemeral and locked.message.content == "Locked in: B"
    assert locked.interaction.response_type == 4, "answered once, with the reply itself"
    # discord.py keeps no View for the question: the answers are routed, only "Next" is a DynamicItem.
    store = bot._connection._view_store
    assert q1.id not in store._views and not store.is_message_tracked(q1.id)

    # A custom_id that is not a button of the message it claims to come from is not taken as an answer.
    intro_like = testbed.new_message(testbed.general.id, {"content": "not a question"}, {})
    answer_id = next(b.custom_id for b in q1.buttons if b.label and b.label.startswith("A"))
    assert answer_id is not None
    forged = await testbed._interact(  # a hand-made payload: Discord's clients cannot send this
        3, {"custom_id": answer_id, "component_type": 2}, bob, testbed.general, message=intro_like, wait=True, timeout=5
    )
    assert forged.ephemeral and forged.message.content.startswith("This quiz button is no longer active")
    assert await bot.storage.runs.answer_count(1, 0) == 1


async def test_who_may_start_and_stop(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    masters = testbed.add_role(name="quiz masters")
    alice = testbed.add_member(name="alice", roles=[masters])
    bob = testbed.add_member(name="bob")
    mod = testbed.add_member(name="mod", permissions=Permission.MANAGE_GUILD)

    refused = await testbed.slash("quiz-settings", {"lead_seconds": 0}, user=bob)
    assert refused.message.content.startswith("Only members with the Manage Server permission")
    changed = await testbed.slash("quiz-settings", {"quiz_master_role": masters, "reveal_seconds": 0}, user=mod)
    assert f"<@&{masters.id}>" in changed.message.content
    not_master = await testbed.slash("quiz", {"name": "day48"}, user=bob)
    assert not_master.message.content.startswith(f"Only members with the <@&{masters.id}> role")
    await testbed.slash("quiz", {"name": "day48"}, user=alice)
    stop_bob = await testbed.slash("quiz-stop", user=bob)
    assert stop_bob.message.content.startswith(f"Only <@{alice.id}>")
    stop_mod = await testbed.slash("quiz-stop", user=mod)
    assert stop_mod.message.content == "Quiz stopped; the results are being posted."
    nothing = await testbed.slash("quiz-stop", user=mod)
    assert nothing.message.content == "No live quiz is running in this channel."
    opened = await testbed.slash("quiz-settings", {"anyone_can_start": True}, user=mod)
    assert "Who may start quizzes: anyone" in opened.message.content


async def test_missing_permissions_are_named_to_the_starter(testbed: TestBed, bot: QuizBot) -> None:
    alice = testbed.add_member(name="alice")
    muted = testbed.add_channel(name="muted")
    testbed.deny(muted, Permission.EMBED_LINKS)
    refused = await testbed.slash("quiz", {"name": "day48"}, user=alice, channel=muted)
    assert refused.ephemeral and "missing the Embed Links permission" in refused.message.content

    await fast_settings(testbed, testbed.owner)
    started = await testbed.slash("quiz", {"name": "day48"}, user=alice)
    q1 = await question_message(testbed, testbed.general, 1, 10)
    testbed.deny(testbed.general, Permission.SEND_MESSAGES)
    await testbed.click(q1, "Next", user=alice)
    await testbed.wait_until(lambda: started.followups, what="the starter to be told")
    # Discord also withholds Embed Links where a member cannot send; the reply names what it computed.
    assert "missing the Send Messages" in started.followups[0].content
    assert started.followups[0].ephemeral

    async def stopped() -> bool:
        run = await bot.storage.runs.get_run(1)
        return run is not None and run.status is RunStatus.STOPPED

    await eventually(stopped, what="the run to stop")


async def test_a_deleted_question_message_ends_the_run_cleanly(
    testbed: TestBed, bot: QuizBot, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    alice = testbed.add_member(name="alice")
    await fast_settings(testbed, testbed.owner)
    q1 = await start_fast_quiz(testbed, alice)
    await testbed.click(q1, "A", user=alice)
    testbed.moderator_delete(q1)
    await clock.advance(30)
    results = await testbed.wait_for_message(testbed.general, titled("🏆 Results"))
    assert "alice" in results.text()
    run = await bot.storage.runs.get_run(1)
    assert run is not None and run.status is RunStatus.STOPPED
    assert any("ending the run" in r.getMessage() for r in caplog.records)


async def test_quiz_names_autocomplete_and_the_list_is_ephemeral(testbed: TestBed, bot: QuizBot) -> None:
    alice = testbed.add_member(name="alice")
    choices = await testbed.autocomplete("quiz", {"name": "day"}, focused="name", user=alice)
    assert [c["value"] for c in choices] == ["day48"]
    assert choices[0]["name"].startswith("day48 — Day 48 Quiz")
    listing = await testbed.slash("quizzes", user=alice)
    assert listing.ephemeral and "`day48` — Day 48 Quiz" in listing.message.text()
    assert "(10 questions)" in listing.message.text()
