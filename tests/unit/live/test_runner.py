"""LiveRun on its own: a real database, a fake clock and a hand-written presenter that records what it is asked."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.clock import FakeClock
from bot.domain.delivery import Backoff, RefusedError, TransientError
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import Run, RunKind, RunQuestion, RunStatus, ScoringMode, Tally
from bot.domain.scoring import Standing
from bot.live.runner import MAX_FAILURES, RETRY, RETRY_SECONDS, LiveRun, MissingPermissionsError
from bot.storage import Storage

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SECONDS = 20
LEAD = 5
REVEAL_PAUSE = 5  # the guild settings' default pause after a reveal
GUILD, CHANNEL, STARTER = 10, 20, 1
ALICE, BOB = 101, 102
WAIT_SECONDS = 5.0  # how long a test polls for the runner before failing; nothing sleeps on the clock


def _quiz() -> Quiz:
    return Quiz(
        id="unit",
        title="Unit quiz",
        questions=tuple(
            Question(id=f"q{i}", prompt=f"Question {i}?", choices=("yes", "no", "maybe"), answer=i % 3)
            for i in range(3)
        ),
    )


@dataclass(frozen=True)
class Call:
    what: str  # intro, question, counter, reveal, results, problem
    index: int | None = None
    nonce: str | None = None
    detail: object = None
    at: datetime | None = field(default=None, compare=False)  # on the presenter's clock, if it has one


@dataclass(frozen=True)
class Version:
    """A results message version the fake offers: a name plus the optional extras it carries."""

    name: str
    extras: tuple[str, ...] = ()

    def __str__(self) -> str:
        return " with ".join((self.name, *self.extras))


@dataclass(frozen=True)
class Failure:
    error: BaseException
    arrived: bool  # the post took effect before the error (an answer lost on the way back)


class FakePresenter:
    """The Presenter protocol, recording every call; `fail(what, *errors)` makes the next such calls raise.

    Like Discord with enforce_nonce, a post whose nonce was seen before returns the earlier message id;
    `messages` holds one entry per message members would see.
    """

    def __init__(self, clock: FakeClock | None = None) -> None:
        self._clock = clock
        self.calls: list[Call] = []
        self.messages: dict[str, int] = {}  # nonce -> message id
        self._failures: dict[str, list[Failure]] = {}
        self._ids = itertools.count(1000)

    def fail(self, what: str, *errors: BaseException, arrived: bool = False) -> None:
        self._failures.setdefault(what, []).extend(Failure(error, arrived) for error in errors)

    def of(self, what: str) -> list[Call]:
        return [call for call in self.calls if call.what == what]

    def _record(self, call: Call) -> Failure | None:
        if self._clock is not None:
            call = dataclasses.replace(call, at=self._clock.now())
        self.calls.append(call)
        pending = self._failures.get(call.what)
        return pending.pop(0) if pending else None

    def _act(self, call: Call) -> None:
        failure = self._record(call)
        if failure is not None:
            raise failure.error

    def _post(self, call: Call) -> int:
        assert call.nonce is not None
        failure = self._record(call)
        if failure is not None and not failure.arrived:
            raise failure.error
        message_id = self.messages.setdefault(call.nonce, next(self._ids))
        if failure is not None:
            raise failure.error
        return message_id

    async def post_intro(self, run: Run, quiz: Quiz, *, nonce: str) -> int:
        return self._post(Call("intro", nonce=nonce))

    async def post_question(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int, *, nonce: str) -> int:
        return self._post(Call("question", question.index, nonce, question.deadline))

    async def refresh_counter(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int) -> None:
        self._act(Call("counter", question.index, detail=answered))

    async def reveal(self, run: Run, quiz: Quiz, question: RunQuestion, counts: list[int]) -> None:
        self._act(Call("reveal", question.index, detail=(question.message_id, tuple(counts))))

    def results_parts(self, run: Run, quiz: Quiz, board: list[Standing], tally: Tally) -> Sequence[Sequence[object]]:
        leaderboard = "leaderboard " + ", ".join(f"{s.user_name} {s.points}" for s in board)
        return [
            [Version(leaderboard, ("card", "button")), Version(leaderboard, ("button",)), Version(leaderboard)],
            [Version(f"explanations of {len(quiz.questions)}")],
        ]

    async def post_results_part(self, run: Run, part: object, *, nonce: str) -> int:
        return self._post(Call("results", nonce=nonce, detail=str(part)))

    async def report_problem(self, run: Run, text: str) -> None:
        self._act(Call("problem", detail=text))


async def _start_run(storage: Storage, quiz: Quiz) -> int:
    run = await storage.runs.create_run(
        guild_id=GUILD,
        channel_id=CHANNEL,
        kind=RunKind.LIVE,
        quiz=quiz,
        started_by=STARTER,
        now=START,
        seconds_per_question=SECONDS,
        scoring_mode=ScoringMode.ACCURACY,
        starts_at=START + timedelta(seconds=LEAD),
    )
    return run.id


async def _until(check: Callable[[], bool], what: str) -> None:
    """Poll the event loop (the runner's database calls hop to a thread) until `check()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def _asleep(clock: FakeClock, task: asyncio.Task[None]) -> datetime | None:
    """When the runner next wakes up on the clock, once it sleeps; None if it has ended."""
    await _until(lambda: task.done() or clock.next_wakeup is not None, "the runner to sleep or end")
    return None if task.done() else clock.next_wakeup


async def _play_until(clock: FakeClock, task: asyncio.Task[None], done: Callable[[], bool], what: str) -> None:
    """Move the clock from one wake-up of the runner to the next until `done()` holds."""
    for _ in range(200):
        if done():
            return
        wake = await _asleep(clock, task)
        if done():
            return
        if wake is None:
            raise AssertionError(f"the run ended before {what}")
        await clock.advance_to(wake)
    raise AssertionError(f"never reached {what}")


async def _answer(storage: Storage, clock: FakeClock, run_id: int, index: int, user: int, choice: int) -> None:
    result = await storage.runs.record_answer(
        run_id=run_id, index=index, user_id=user, user_name=f"user{user}", choice=choice, now=clock.now()
    )
    assert result.choice == choice


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def quiz() -> Quiz:
    return _quiz()


async def test_a_run_goes_from_intro_to_results_on_the_clock(storage: Storage, clock: FakeClock, quiz: Quiz) -> None:
    presenter = FakePresenter()
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, presenter).run())

    # The intro goes out at once; the first question opens after the lead, with its full time.
    assert await _asleep(clock, task) == START + timedelta(seconds=LEAD)
    assert presenter.calls == [Call("intro", nonce=f"qz{run_id}i")]
    await clock.advance(LEAD)
    await _until(lambda: bool(presenter.of("question")), "question 1")
    opened = START + timedelta(seconds=LEAD)
    assert presenter.of("question") == [Call("question", 0, f"qz{run_id}q0", opened + timedelta(seconds=SECONDS))]

    await _answer(storage, clock, run_id, 0, ALICE, quiz.questions[0].answer)
    await _answer(storage, clock, run_id, 0, BOB, (quiz.questions[0].answer + 1) % 3)
    await _play_until(clock, task, lambda: bool(presenter.of("reveal")), "the reveal of question 1")
    first_message = 1001  # the fake's ids: the intro got 1000
    assert presenter.of("reveal") == [Call("reveal", 0, detail=(first_message, (1, 1, 0)))]
    assert Call("counter", 0, detail=2) in presenter.calls, "the answered counter was refreshed"
    question = await storage.runs.get_question(run_id, 0)
    assert question is not None and question.closed_at == opened + timedelta(seconds=SECONDS)

    # The pause after the reveal, then the next questions; nobody answers them.
    await _play_until(clock, task, task.done, "the end of the run")
    await task
    assert [(c.index, c.nonce) for c in presenter.of("question")] == [(i, f"qz{run_id}q{i}") for i in range(3)]
    assert [c.index for c in presenter.of("reveal")] == [0, 1, 2]
    second = next(c for c in presenter.of("question") if c.index == 1)
    # Question 2 opened after question 1's time and the pause: each question gets its full time.
    assert second.detail == opened + timedelta(seconds=SECONDS + REVEAL_PAUSE + SECONDS)
    results = presenter.of("results")
    assert [c.nonce for c in results] == [f"qz{run_id}r0", f"qz{run_id}r1"]
    assert results[0].detail == "leaderboard user101 1, user102 0 with card with button"
    assert presenter.of("problem") == []
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.status is RunStatus.FINISHED
    assert (run.results_parts, run.results_done) == (2, True)


class BoardKeeper(FakePresenter):
    """A FakePresenter that also keeps the standings and the tally the results were made from."""

    def __init__(self) -> None:
        super().__init__()
        self.boards: list[list[Standing]] = []
        self.tally = Tally(())

    def results_parts(self, run: Run, quiz: Quiz, board: list[Standing], tally: Tally) -> Sequence[Sequence[object]]:
        self.boards.append(board)
        self.tally = tally
        return super().results_parts(run, quiz, board, tally)


async def test_a_member_hidden_from_public_boards_is_left_off_the_results_and_the_others_rank_without_a_gap(
    storage: Storage, clock: FakeClock, quiz: Quiz
) -> None:
    carol = 103
    await storage.privacy.set_hidden(GUILD, ALICE, True, now=START)
    await storage.privacy.set_hidden(GUILD + 1, BOB, True, now=START)  # hidden in another server only
    presenter = BoardKeeper()
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, presenter).run())
    await _play_until(clock, task, lambda: bool(presenter.of("question")), "question 1")
    right = quiz.questions[0].answer
    await _answer(storage, clock, run_id, 0, ALICE, right)  # first and fastest: rank 1 if she were shown
    await clock.advance(1)
    await _answer(storage, clock, run_id, 0, carol, right)
    await _answer(storage, clock, run_id, 0, BOB, (right + 1) % 3)
    await _finish(clock, task)

    (board,) = presenter.boards
    assert [(s.rank, s.user_id) for s in board] == [(1, carol), (2, BOB)]
    assert presenter.of("results")[0].detail == "leaderboard user103 1, user102 0 with card with button"
    assert sum(presenter.tally.counts[0]) == 3, "the card's shares count every answer"
    assert presenter.tally.counts[0][right] == 2


async def test_a_restart_mid_question_keeps_the_posted_message_and_its_deadline(
    storage: Storage, clock: FakeClock, quiz: Quiz
) -> None:
    first = FakePresenter()
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, first).run())
    await _play_until(clock, task, lambda: bool(first.of("question")), "question 1")
    await _answer(storage, clock, run_id, 0, ALICE, quiz.questions[0].answer)
    await clock.advance(SECONDS / 2)
    await _asleep(clock, task)
    task.cancel()  # the process dies mid-question; what counts is what the database holds
    with pytest.raises(asyncio.CancelledError):
        await task

    deadline = START + timedelta(seconds=LEAD + SECONDS)
    second = FakePresenter()
    resumed = asyncio.create_task(LiveRun(run_id, storage, clock, second).run())
    wake = await _asleep(clock, resumed)
    assert wake is not None and wake <= deadline
    assert second.of("question") == [] and second.of("intro") == [], "nothing is posted again"
    await _play_until(clock, resumed, lambda: bool(second.of("reveal")), "the reveal after the restart")
    question = await storage.runs.get_question(run_id, 0)
    assert question is not None and question.closed_at == deadline, "the original deadline holds"
    first_message = first.of("question")[0]
    assert second.of("reveal") == [Call("reveal", 0, detail=(1001, (1, 0, 0)))]
    assert first_message.nonce == f"qz{run_id}q0"
    await _play_until(clock, resumed, resumed.done, "the end of the resumed run")
    assert [c.index for c in second.of("question")] == [1, 2]


async def _finish(clock: FakeClock, task: asyncio.Task[None]) -> None:
    await _play_until(clock, task, task.done, "the end of the run")
    await task


async def _played(storage: Storage, clock: FakeClock, quiz: Quiz, presenter: FakePresenter) -> int:
    """A run from start to its end, alice answering question 1 right; the run's id."""
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, presenter).run())
    await _play_until(clock, task, lambda: bool(presenter.of("question")), "question 1")
    await _answer(storage, clock, run_id, 0, ALICE, quiz.questions[0].answer)
    await _finish(clock, task)
    return run_id


def _deltas(calls: list[Call]) -> list[timedelta]:
    times = [c.at for c in calls if c.at is not None]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def _results_recorded(storage: Storage, run_id: int, parts: int = 2) -> None:
    run = await storage.runs.get_run(run_id)
    assert run is not None and (run.results_parts, run.results_done) == (parts, True)


def _one_line_each(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The runner's warnings, checked to be single lines without a traceback."""
    records = [r for r in caplog.records if r.name == "bot.live.runner" and r.levelno >= logging.WARNING]
    assert all(r.exc_info is None and r.levelno == logging.WARNING for r in records), "no tracebacks, no errors"
    assert all("\n" not in r.getMessage() for r in records)
    return [r.getMessage() for r in records]


REFUSED = RefusedError("posting the results: 400 Bad Request (code 50035): Invalid Form Body", status=400, code=50035)
DOWN = TransientError("posting: 503 Service Unavailable (code 0)")


async def test_a_refused_leaderboard_goes_out_without_its_card_and_the_rest_follows(
    storage: Storage, clock: FakeClock, quiz: Quiz, caplog: pytest.LogCaptureFixture
) -> None:
    presenter = FakePresenter(clock)
    presenter.fail("results", REFUSED)
    run_id = await _played(storage, clock, quiz, presenter)

    board = "leaderboard user101 1"
    assert [(c.nonce, c.detail) for c in presenter.of("results")] == [
        (f"qz{run_id}r0", f"{board} with card with button"),
        (f"qz{run_id}r0", f"{board} with button"),  # tried once without the card, never again as is
        (f"qz{run_id}r1", "explanations of 3"),
    ]
    assert _deltas(presenter.of("results"))[0] == timedelta(0), "a refusal is not waited on"
    assert presenter.of("problem") == []
    await _results_recorded(storage, run_id)
    (line,) = _one_line_each(caplog)
    assert "refused: posting the results: 400 Bad Request (code 50035)" in line and "posting it as" in line


async def test_a_leaderboard_refused_in_every_version_is_left_out_and_the_explanations_still_go_out(
    storage: Storage, clock: FakeClock, quiz: Quiz, caplog: pytest.LogCaptureFixture
) -> None:
    presenter = FakePresenter(clock)
    presenter.fail("results", REFUSED, REFUSED, REFUSED)
    run_id = await _played(storage, clock, quiz, presenter)

    assert [c.detail for c in presenter.of("results")][-1] == "explanations of 3"
    assert len(presenter.of("results")) == 4
    assert list(presenter.messages) == [f"qz{run_id}i", *(f"qz{run_id}q{i}" for i in range(3)), f"qz{run_id}r1"]
    await _results_recorded(storage, run_id)
    lines = _one_line_each(caplog)
    assert len(lines) == 3 and "refused and left out" in lines[-1]


async def test_a_missing_attach_files_drops_the_card_but_a_missing_embed_links_is_told(
    storage: Storage, clock: FakeClock, quiz: Quiz
) -> None:
    presenter = FakePresenter(clock)
    presenter.fail("results", MissingPermissionsError(["Attach Files"]))
    run_id = await _played(storage, clock, quiz, presenter)
    assert [c.detail for c in presenter.of("results")][1:] == ["leaderboard user101 1 with button", "explanations of 3"]
    assert presenter.of("problem") == []

    other = FakePresenter(clock)
    other.fail("results", *[MissingPermissionsError(["Embed Links"])] * 3)
    second = await _played(storage, clock, quiz, other)
    assert len(other.of("results")) == 3, "the explanations would be refused the same way: not tried"
    (told,) = other.of("problem")
    assert "missing the Embed Links permission" in str(told.detail)
    assert "Send Messages" not in str(told.detail)
    await _results_recorded(storage, run_id)
    await _results_recorded(storage, second)


async def test_a_results_message_that_fails_on_the_way_is_sent_again_with_its_nonce_after_a_back_off(
    storage: Storage, clock: FakeClock, quiz: Quiz
) -> None:
    presenter = FakePresenter(clock)
    presenter.fail("results", DOWN, arrived=False)
    presenter.fail("results", DOWN, arrived=True)  # Discord took this one; only its answer was lost
    run_id = await _played(storage, clock, quiz, presenter)

    leaderboard = presenter.of("results")[:3]
    assert {(c.nonce, c.detail) for c in leaderboard} == {
        (f"qz{run_id}r0", "leaderboard user101 1 with card with button")
    }
    assert _deltas(leaderboard) == [RETRY.delay(1), RETRY.delay(2)]
    assert list(presenter.messages).count(f"qz{run_id}r0") == 1, "the nonce kept it to one message"
    await _results_recorded(storage, run_id)


async def test_a_results_message_that_keeps_failing_is_left_out_after_the_last_try(
    storage: Storage, clock: FakeClock, quiz: Quiz, caplog: pytest.LogCaptureFixture
) -> None:
    presenter = FakePresenter(clock)
    presenter.fail("results", *[DOWN] * RETRY.tries)
    run_id = await _played(storage, clock, quiz, presenter)

    calls = presenter.of("results")
    assert len(calls) == RETRY.tries + 1
    assert calls[-1].detail == "explanations of 3"
    assert sum(_deltas(calls[:-1]), timedelta(0)) == RETRY.total < timedelta(minutes=1)
    await _results_recorded(storage, run_id)
    assert "left out" in _one_line_each(caplog)[-1]


async def test_a_question_post_that_fails_on_the_way_is_retried_with_its_nonce_and_keeps_its_full_time(
    storage: Storage, clock: FakeClock, quiz: Quiz
) -> None:
    presenter = FakePresenter(clock)
    presenter.fail("question", DOWN, arrived=False)
    presenter.fail("question", DOWN, arrived=True)
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, presenter).run())
    await _play_until(clock, task, lambda: len(presenter.of("question")) == 3, "the third try of question 1")
    await _until(lambda: bool(presenter.of("counter")), "the countdown to be brought up to date")

    tries = presenter.of("question")
    assert {c.nonce for c in tries} == {f"qz{run_id}q0"}
    posted_at = tries[-1].at
    assert posted_at == START + timedelta(seconds=LEAD) + RETRY.delay(1) + RETRY.delay(2)
    question = await storage.runs.get_question(run_id, 0)
    assert question is not None and question.message_id == presenter.messages[f"qz{run_id}q0"]
    assert question.opened_at == posted_at and question.deadline == posted_at + timedelta(seconds=SECONDS)
    assert tries[-1].detail == question.deadline, "the post shows the new countdown"
    await _finish(clock, task)
    assert [c.index for c in presenter.of("reveal")] == [0, 1, 2], "no question skipped"
    questions = [nonce for nonce in presenter.messages if nonce.startswith(f"qz{run_id}q")]
    assert questions == [f"qz{run_id}q{i}" for i in range(3)], "and none posted twice"


async def test_a_refused_question_ends_the_run_cleanly_with_the_results_so_far(
    storage: Storage, clock: FakeClock, quiz: Quiz, caplog: pytest.LogCaptureFixture
) -> None:
    presenter = FakePresenter(clock)
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, presenter).run())
    await _play_until(clock, task, lambda: bool(presenter.of("question")), "question 1")
    await _answer(storage, clock, run_id, 0, ALICE, quiz.questions[0].answer)
    presenter.fail("question", RefusedError("posting question 2: 400 Bad Request (code 50035): Invalid Form Body"))
    await _finish(clock, task)

    assert [c.index for c in presenter.of("question")] == [0, 1], "a refused post is not sent again as is"
    (told,) = presenter.of("problem")
    assert "Discord refused one of its messages (posting question 2: 400" in str(told.detail)
    assert [c.detail for c in presenter.of("results")] == [
        "leaderboard user101 1 with card with button",
        "explanations of 3",
    ]
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.status is RunStatus.STOPPED
    await _results_recorded(storage, run_id)
    (line,) = _one_line_each(caplog)
    assert "Discord refused posting question 2" in line and "ending the run" in line


async def test_a_question_that_cannot_be_posted_after_the_last_try_ends_the_run_cleanly(
    storage: Storage, clock: FakeClock, quiz: Quiz, caplog: pytest.LogCaptureFixture
) -> None:
    presenter = FakePresenter(clock)
    presenter.fail("question", *[DOWN] * RETRY.tries)
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, presenter).run())
    await _finish(clock, task)

    assert len(presenter.of("question")) == RETRY.tries
    assert {c.nonce for c in presenter.of("question")} == {f"qz{run_id}q0"}
    assert len(presenter.of("results")) == 2, "the results (nobody answered) are still posted"
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.status is RunStatus.STOPPED
    await _results_recorded(storage, run_id)
    lines = _one_line_each(caplog)
    assert len(lines) == RETRY.tries and "gave up after 5 tries, ending the run" in lines[-1]


async def test_an_unexpected_error_in_the_finale_is_tried_three_times_then_the_run_is_closed(
    storage: Storage, clock: FakeClock, quiz: Quiz
) -> None:
    """A bug (not a Discord refusal or failure) keeps the old rule: a few tries, then the run is closed."""
    presenter = FakePresenter(clock)
    presenter.fail("results", *[RuntimeError("a bug in the presenter")] * MAX_FAILURES)
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, presenter).run())
    await _finish(clock, task)

    results = presenter.of("results")
    assert [c.nonce for c in results] == [f"qz{run_id}r0"] * MAX_FAILURES
    assert _deltas(results) == [timedelta(seconds=RETRY_SECONDS)] * (MAX_FAILURES - 1)
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.status is RunStatus.FINISHED
    assert (run.results_parts, run.results_done) == (0, True)


async def test_a_refused_reveal_is_left_out_and_the_quiz_goes_on(
    storage: Storage, clock: FakeClock, quiz: Quiz, caplog: pytest.LogCaptureFixture
) -> None:
    presenter = FakePresenter(clock)
    presenter.fail("reveal", RefusedError("revealing question 1: 400 Bad Request (code 50035): Invalid Form Body"))
    run_id = await _played(storage, clock, quiz, presenter)

    assert [c.index for c in presenter.of("reveal")] == [0, 1, 2]
    assert [c.index for c in presenter.of("question")] == [0, 1, 2]
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.status is RunStatus.FINISHED
    await _results_recorded(storage, run_id)
    (line,) = _one_line_each(caplog)
    assert "reveal of question 1 left out" in line


def test_the_back_off_doubles_and_fits_in_discords_nonce_window() -> None:
    assert [RETRY.delay(n).total_seconds() for n in range(1, RETRY.tries)] == [2, 4, 8, 16]
    assert RETRY.total == timedelta(seconds=30)
    assert not RETRY.exhausted(RETRY.tries - 1) and RETRY.exhausted(RETRY.tries)
    with pytest.raises(ValueError, match="positive"):
        Backoff(first_seconds=0, tries=3)


async def test_a_window_posts_its_intro_once_and_closes_at_its_deadline_with_the_results(
    storage: Storage, clock: FakeClock, quiz: Quiz
) -> None:
    presenter = FakePresenter()
    closes = START + timedelta(hours=2)
    window = await storage.private.create(
        kind=RunKind.WINDOW,
        guild_id=GUILD,
        channel_id=CHANNEL,
        quiz=quiz,
        started_by=STARTER,
        now=START,
        closes_at=closes,
    )
    await storage.privacy.set_hidden(GUILD, BOB, True, now=START)  # off the leaderboard, in the counts
    await storage.private.join(window.id, BOB, now=START)
    await storage.private.record(
        run_id=window.id, index=0, user_id=BOB, user_name="bob", choice=0, now=START, move_on=True
    )
    await storage.private.join(window.id, ALICE, now=START)
    outcome, _ = await storage.private.record(
        run_id=window.id,
        index=0,
        user_id=ALICE,
        user_name="alice",
        choice=quiz.questions[0].answer,
        now=START + timedelta(seconds=3),
        move_on=True,
    )
    assert outcome == "recorded"
    task = asyncio.create_task(LiveRun(window.id, storage, clock, presenter).run())
    # The intro, then nothing but the wait for the close: no question is posted in the channel.
    assert await _asleep(clock, task) == closes
    assert presenter.calls == [Call("intro", nonce=f"qz{window.id}i")]
    await clock.advance_to(closes)
    await _until(task.done, "the window to close and post its results")
    assert [c.what for c in presenter.calls] == ["intro", "results", "results"]
    assert presenter.of("results")[0].detail == "leaderboard alice 1 with card with button"
    closed = await storage.runs.get_run(window.id)
    assert closed is not None and closed.status is RunStatus.FINISHED and closed.results_done
    assert closed.finished_at == closes
