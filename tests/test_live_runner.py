"""LiveRun on its own: a real database, a fake clock and a hand-written presenter that records what it is asked."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.clock import FakeClock
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import Run, RunKind, RunQuestion, RunStatus, ScoringMode, StoredAnswer
from bot.domain.scoring import Standing
from bot.live.runner import MAX_FAILURES, RETRY_SECONDS, LiveRun
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


class FakePresenter:
    """The Presenter protocol, recording every call; `fail(what, error)` makes the next such call raise.

    Like Discord with enforce_nonce, a post whose nonce was seen before returns the earlier message id.
    """

    def __init__(self, clock: FakeClock | None = None) -> None:
        self._clock = clock
        self.calls: list[Call] = []
        self._failures: dict[str, list[BaseException]] = {}
        self._ids = itertools.count(1000)
        self._by_nonce: dict[str, int] = {}

    def fail(self, what: str, *errors: BaseException) -> None:
        self._failures.setdefault(what, []).extend(errors)

    def of(self, what: str) -> list[Call]:
        return [call for call in self.calls if call.what == what]

    def _record(self, call: Call) -> None:
        if self._clock is not None:
            call = dataclasses.replace(call, at=self._clock.now())
        self.calls.append(call)
        pending = self._failures.get(call.what)
        if pending:
            raise pending.pop(0)

    def _post(self, nonce: str) -> int:
        if nonce not in self._by_nonce:
            self._by_nonce[nonce] = next(self._ids)
        return self._by_nonce[nonce]

    async def post_intro(self, run: Run, quiz: Quiz, *, nonce: str) -> int:
        self._record(Call("intro", nonce=nonce))
        return self._post(nonce)

    async def post_question(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int, *, nonce: str) -> int:
        self._record(Call("question", question.index, nonce, question.deadline))
        return self._post(nonce)

    async def refresh_counter(self, run: Run, quiz: Quiz, question: RunQuestion, answered: int) -> None:
        self._record(Call("counter", question.index, detail=answered))

    async def reveal(self, run: Run, quiz: Quiz, question: RunQuestion, counts: list[int]) -> None:
        self._record(Call("reveal", question.index, detail=(question.message_id, tuple(counts))))

    def results_parts(
        self, run: Run, quiz: Quiz, board: list[Standing], answers: list[StoredAnswer]
    ) -> Sequence[object]:
        leaderboard = tuple((s.user_name, s.points) for s in board)
        return [("leaderboard", leaderboard), ("explanations", len(quiz.questions))]

    async def post_results_part(self, run: Run, part: object, *, nonce: str) -> int:
        self._record(Call("results", nonce=nonce, detail=part))
        return self._post(nonce)

    async def report_problem(self, run: Run, text: str) -> None:
        self._record(Call("problem", detail=text))


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
    assert results[0].detail == ("leaderboard", (("user101", 1), ("user102", 0)))
    assert presenter.of("problem") == []
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.status is RunStatus.FINISHED
    assert (run.results_parts, run.results_done) == (2, True)


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


async def test_a_refused_results_post_is_tried_three_times_then_nothing_is_posted(
    storage: Storage, clock: FakeClock, quiz: Quiz
) -> None:
    """Pins the behaviour issue 13 reports: a results message Discord refuses loses every results message."""
    presenter = FakePresenter(clock)
    refusal = RuntimeError("400 Bad Request (error code: 50035): Invalid Form Body")
    presenter.fail("results", *[refusal] * MAX_FAILURES)
    run_id = await _start_run(storage, quiz)
    task = asyncio.create_task(LiveRun(run_id, storage, clock, presenter).run())
    await _play_until(clock, task, task.done, "the end of the run")
    await task

    results = presenter.of("results")
    assert [c.nonce for c in results] == [f"qz{run_id}r0"] * MAX_FAILURES
    times = [c.at for c in results if c.at is not None]
    assert [later - earlier for earlier, later in itertools.pairwise(times)] == [timedelta(seconds=RETRY_SECONDS)] * (
        MAX_FAILURES - 1
    )
    run = await storage.runs.get_run(run_id)
    assert run is not None and run.status is RunStatus.FINISHED
    assert (run.results_parts, run.results_done) == (0, True)
