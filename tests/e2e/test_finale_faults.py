"""The end of a live quiz when Discord refuses or fails a post (issue 13): the real bot against the test bed."""

from __future__ import annotations

import logging

import discord
import pytest

from bot.app import QuizBot
from bot.domain.clock import FakeClock
from bot.domain.runs import RunStatus
from bot.live.runner import RETRY
from bot.ui.live_presenter import missing_permissions
from tests.discord_testbed import Message, Permission, TestBed
from tests.discord_testbed.model import User
from tests.discord_testbed.rest import RequestRecord
from tests.helpers import eventually, fast_settings, right, start_fast_quiz, titled

MESSAGES = "/channels/{channel_id}/messages"


pytestmark = pytest.mark.fake_clock


async def play_one_question(testbed: TestBed, bot: QuizBot) -> tuple[User, User]:
    """alice starts day48 and answers question 1 right, bob answers it too; returns (alice, bob)."""
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    await fast_settings(testbed, testbed.owner)
    quiz = bot.catalog.get("day48")
    assert quiz is not None
    q1 = await start_fast_quiz(testbed, alice)
    await testbed.click(q1, right(quiz, 0), user=alice)
    await testbed.click(q1, right(quiz, 0), user=bob)
    return alice, bob


async def stop(testbed: TestBed, alice: User) -> None:
    stopped = await testbed.slash("quiz-stop", user=alice)
    assert stopped.message.content == "Quiz stopped; the results are being posted."


async def results_done(bot: QuizBot) -> None:
    async def done() -> bool:
        run = await bot.storage.runs.get_run(1)
        return run is not None and not run.status.is_active and run.results_done

    await eventually(done, what="the results to be recorded as posted")


def leaderboards(testbed: TestBed) -> list[Message]:
    return [m for m in testbed.visible_messages(testbed.general) if titled("🏆 Results")(m)]


def explanations(testbed: TestBed) -> list[Message]:
    return [m for m in testbed.visible_messages(testbed.general) if titled("Answers and explanations")(m)]


def posts(testbed: TestBed) -> list[RequestRecord]:
    return testbed.calls("POST", MESSAGES)


def runner_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("bot.live") and r.levelno >= logging.WARNING]


def assert_no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a refused or failed post is one log line, no traceback"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def retry_when_asleep(testbed: TestBed, clock: FakeClock) -> None:
    """Let the run's back-off elapse on the bot's clock, once the run waits for it."""
    await testbed.wait_until(lambda: clock.next_wakeup is not None, what="the run to wait before trying again")
    wake = clock.next_wakeup
    assert wake is not None
    await clock.advance_to(wake)


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, 50035), (413, 40005), (403, 50013)],
    ids=["invalid-form-body", "too-large", "missing-permission-not-in-cache"],
)
async def test_a_refused_results_card_is_left_out_and_everything_else_is_posted(
    testbed: TestBed, bot: QuizBot, caplog: pytest.LogCaptureFixture, status: int, code: int
) -> None:
    testbed.forbid_pings = True
    caplog.set_level(logging.INFO)
    alice, bob = await play_one_question(testbed, bot)
    card = testbed.fail("POST", MESSAGES, status=status, code=code, files=True, times=1)
    await stop(testbed, alice)

    (board,) = await testbed.wait_until(lambda: leaderboards(testbed), what="the leaderboard")
    await testbed.wait_until(lambda: explanations(testbed), what="the explanations")
    await results_done(bot)
    assert card.spent, "the card really was refused"
    assert board.files == {} and board.attachments == []
    assert [b.label for b in board.buttons] == ["My answers"]
    assert "alice" in board.text() and "bob" in board.text()
    assert len(leaderboards(testbed)) == 1
    mine = await testbed.click(board, "My answers", user=bob)
    assert mine.ephemeral and "1 of 10 right" in mine.message.text()

    with_card, without = [r for r in posts(testbed) if r.body and str(r.body.get("nonce", "")).endswith("r0")]
    assert with_card.files == ["results.png"] and with_card.status == status
    assert without.files == [] and without.status == 200
    assert with_card.body["nonce"] == without.body["nonce"], "one nonce for the leaderboard, whatever its version"
    assert not [m for m in testbed.ephemerals(alice) if "missing" in m.content], "nobody is told of a permission"
    (line,) = [r.getMessage() for r in runner_warnings(caplog)]
    assert f"refused: posting the results: {status}" in line and f"(code {code})" in line
    assert_no_tracebacks(caplog)


async def test_a_channel_without_attach_files_gets_the_results_without_the_card_and_no_complaint(
    testbed: TestBed, bot: QuizBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    alice, _ = await play_one_question(testbed, bot)
    testbed.deny(testbed.general, Permission.ATTACH_FILES)
    await testbed.wait_until(
        lambda: (
            not bot.get_channel(testbed.general.id)
            .permissions_for(
                bot.get_guild(testbed.guild.id).me
            )
            .attach_files
        ),
        what="the bot to see the permission change",
    )
    await stop(testbed, alice)

    (board,) = await testbed.wait_until(lambda: leaderboards(testbed), what="the leaderboard")
    await testbed.wait_until(lambda: explanations(testbed), what="the explanations")
    await results_done(bot)
    assert board.files == {} and [b.label for b in board.buttons] == ["My answers"]
    assert all(r.files == [] for r in posts(testbed)), "checked before posting: the card is simply left out"
    assert [r.status for r in posts(testbed)] == [200] * len(posts(testbed))
    assert not [m for m in testbed.ephemerals(alice) if "missing" in m.content]
    assert any("without the card" in r.getMessage() for r in caplog.records)
    assert runner_warnings(caplog) == []


async def test_a_lost_embed_links_at_the_end_names_that_permission_to_the_starter(
    testbed: TestBed, bot: QuizBot
) -> None:
    alice, _ = await play_one_question(testbed, bot)
    starter = next(i for i in testbed.interactions.values() if i.payload["data"].get("name") == "quiz")
    testbed.deny(testbed.general, Permission.EMBED_LINKS | Permission.ATTACH_FILES)
    await stop(testbed, alice)

    await results_done(bot)
    await testbed.wait_until(lambda: starter.followup_ids, what="the starter to be told")
    told = testbed.messages[starter.followup_ids[0]]
    assert told.ephemeral
    assert "missing the Embed Links permission(s)" in told.content, told.content
    assert "Send Messages" not in told.content
    assert leaderboards(testbed) == []


@pytest.mark.parametrize("arrived", [False, True], ids=["lost-on-the-way-in", "answer-lost-on-the-way-back"])
async def test_a_results_post_that_fails_with_a_5xx_is_sent_again_with_its_nonce(
    testbed: TestBed, bot: QuizBot, clock: FakeClock, caplog: pytest.LogCaptureFixture, arrived: bool
) -> None:
    alice, _ = await play_one_question(testbed, bot)
    # 503 is the status discord.py does not retry by itself: the runner's own back-off is what is tested.
    failing = testbed.fail("POST", MESSAGES, status=503, files=True, times=2, after=arrived)
    await stop(testbed, alice)

    await testbed.wait_until(lambda: len(failing.hits) == 1, what="the first try")
    await retry_when_asleep(testbed, clock)
    await testbed.wait_until(lambda: failing.spent, what="the second try")
    await retry_when_asleep(testbed, clock)
    await testbed.wait_until(lambda: explanations(testbed), what="the explanations")
    await results_done(bot)

    (board,) = leaderboards(testbed)
    assert board.files.keys() == {"results.png"}, "a failure on the way is no reason to drop the card"
    tries = [r for r in posts(testbed) if r.files]
    assert [r.status for r in tries] == [503, 503, 200]
    assert len({r.body["nonce"] for r in tries}) == 1
    lines = [r.getMessage() for r in runner_warnings(caplog)]
    assert len(lines) == 2 and all("503" in line and "the same request again" in line for line in lines)
    assert_no_tracebacks(caplog)


async def test_a_502_whose_message_did_arrive_is_returned_by_its_nonce_on_discord_pys_own_retry(
    testbed: TestBed, bot: QuizBot
) -> None:
    """discord.py retries 502 itself (after a real second, its own back-off): the nonce keeps one message."""
    alice, _ = await play_one_question(testbed, bot)
    testbed.fail("POST", MESSAGES, status=502, files=True, after=True)
    await stop(testbed, alice)

    await testbed.wait_until(lambda: explanations(testbed), timeout=5, what="the explanations")
    await results_done(bot)
    assert len(leaderboards(testbed)) == 1
    assert [r.status for r in posts(testbed) if r.files] == [502, 200]


async def test_a_results_post_that_keeps_failing_is_left_out_and_the_run_still_ends(
    testbed: TestBed, bot: QuizBot, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    alice, _ = await play_one_question(testbed, bot)
    failing = testbed.drop_connection("POST", MESSAGES, files=True, times=RETRY.tries)
    await stop(testbed, alice)

    for tries in range(1, RETRY.tries):
        await testbed.wait_until(lambda tries=tries: len(failing.hits) == tries, what=f"try {tries}")
        await retry_when_asleep(testbed, clock)
    await testbed.wait_until(lambda: explanations(testbed), what="the explanations")
    await results_done(bot)
    assert leaderboards(testbed) == []
    run = await bot.storage.runs.get_run(1)
    assert run is not None and run.status is RunStatus.STOPPED
    lines = [r.getMessage() for r in runner_warnings(caplog)]
    assert len(lines) == RETRY.tries and "left out" in lines[-1] and "network error" in lines[-1]
    assert_no_tracebacks(caplog)


def test_attach_files_is_named_only_for_a_post_that_carries_a_file() -> None:
    granted = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
    assert missing_permissions(granted) == []
    assert missing_permissions(granted, attach_files=True) == ["Attach Files"]
    assert missing_permissions(discord.Permissions(view_channel=True), in_thread=True, attach_files=True) == [
        "Send Messages in Threads",
        "Embed Links",
        "Attach Files",
    ]
