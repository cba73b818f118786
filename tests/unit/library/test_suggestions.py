"""Suggestions: checked like quiz files, decided once by organisers, appended to the right server quiz."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import NotFoundError
from bot.domain.permissions import Member, NotAllowedError
from bot.domain.quiz import MAX_QUESTIONS, Question, Quiz
from bot.domain.suggestions import SuggestedQuestion, SuggestionStatus
from bot.library import QuizLibrary
from bot.library.service import MAX_SERVER_QUIZZES
from bot.library.suggestions import (
    MAX_PENDING_PER_MEMBER,
    SuggestionDesk,
    SuggestionForm,
    SuggestionRefusedError,
    choice_lines,
    read_form,
)
from bot.quizfiles import dump_quiz
from bot.storage import Storage

ORGANISER = Member(user_id=1, manages_server=True)
MASTER_ROLE = 77
MASTER = Member(user_id=3, role_ids=frozenset({MASTER_ROLE}))
ALICE = Member(user_id=2)
HERE, ELSEWHERE, REVIEW = 10, 20, 30
NOW = datetime(2026, 12, 1, tzinfo=UTC)
FORM = SuggestionForm("Which rank does LoRA use by default?", "4\n8\n16", "b", "The notebook sets r=8.")
OWN = Quiz("day49", "Day 49", (Question("q1", "Rank?", ("low", "high"), 0),))


@pytest.fixture
async def desk(storage: Storage, library: QuizLibrary, library_clock: FakeClock) -> SuggestionDesk:
    await storage.settings.update_guild_settings(HERE, review_channel_id=REVIEW, quiz_master_role_id=MASTER_ROLE)
    return SuggestionDesk(storage, library_clock, library)


async def own_quiz(storage: Storage, library: QuizLibrary, quiz: Quiz = OWN, guild_id: int = HERE) -> None:
    library.adopt(await storage.library.save(guild_id, quiz, dump_quiz(quiz), uploaded_by=1, now=NOW, replace=True))


# --- reading the form -----------------------------------------------------------------------------


def test_a_form_reads_like_a_quiz_file_question() -> None:
    assert read_form(FORM) == SuggestedQuestion(
        "Which rank does LoRA use by default?", ("4", "8", "16"), 1, "The notebook sets r=8."
    )
    assert read_form(replace(FORM, explanation="  ")).explanation == ""


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("A) 4\nB) 8\n\nc. 16\n", ("4", "8", "16")),  # lettered in order: the letters go
        ("A) 4\nC) 8", ("A) 4", "C) 8")),  # not in order: kept as written
        ("  4  \n\n 8 ", ("4", "8")),
        ("A. Einstein\nB. Bohr", ("Einstein", "Bohr")),
    ],
)
def test_choice_lines(text: str, choices: tuple[str, ...]) -> None:
    assert choice_lines(text) == choices


@pytest.mark.parametrize(
    ("form", "problems"),
    [
        (replace(FORM, choices="only one"), ["Write 2 to 5 choices, one per line (there was 1)."]),
        (replace(FORM, choices="1\n2\n3\n4\n5\n6"), ["Write 2 to 5 choices, one per line (there were 6)."]),
        (replace(FORM, answer="D"), ["The answer must be the letter of one of the choices, A to C (not “D”)."]),
        (replace(FORM, answer="8"), ["The answer must be the letter of one of the choices, A to C (not “8”)."]),
        (
            replace(FORM, choices="Yes\nyes \nNo", prompt="x" * 1501),
            [
                "Prompt is 1501 characters, over the 1500 Discord can show; shorten it",
                "Choice B is the same as choice A; make every choice different",
            ],
        ),
        (
            replace(FORM, choices="4\n" + "8" * 401),
            ["Choice B is 401 characters, over the 400 Discord can show; shorten it"],
        ),
    ],
    ids=["one choice", "six choices", "no such letter", "not a letter", "quiz file rules", "choice length"],
)
def test_a_form_breaking_the_rules_is_refused_with_every_problem(form: SuggestionForm, problems: list[str]) -> None:
    with pytest.raises(SuggestionRefusedError) as refused:
        read_form(form)
    assert str(refused.value) == "The suggestion was not sent:" and refused.value.problems == problems


# --- members --------------------------------------------------------------------------------------


async def test_suggestions_need_a_review_channel_and_a_quiz_of_this_server(
    desk: SuggestionDesk, storage: Storage, library: QuizLibrary
) -> None:
    with pytest.raises(SuggestionRefusedError, match=r"Suggestions are off in this server.*review_channel"):
        await desk.open_form(ELSEWHERE, None)
    await own_quiz(storage, library, guild_id=ELSEWHERE)
    await storage.settings.update_guild_settings(ELSEWHERE, review_channel_id=REVIEW + 1)
    with pytest.raises(NotFoundError, match="no quiz called `day49` here"):
        await desk.open_form(HERE, "day49")  # another server's quiz
    assert await desk.open_form(HERE, " DAY48 ") == "day48"
    assert await desk.open_form(HERE, None) is None
    assert await desk.open_form(ELSEWHERE, "day49") == "day49"


async def test_a_member_has_at_most_a_few_suggestions_waiting(desk: SuggestionDesk) -> None:
    for _ in range(MAX_PENDING_PER_MEMBER):
        suggestion = await desk.submit(ALICE, HERE, "alice\nsmith", "day48", FORM)
    assert suggestion.author_name == "alice smith" and suggestion.review_channel_id == REVIEW
    with pytest.raises(SuggestionRefusedError, match=f"You have {MAX_PENDING_PER_MEMBER} suggestions waiting"):
        await desk.submit(ALICE, HERE, "alice", None, FORM)
    await desk.submit(ORGANISER, HERE, "org", None, FORM)  # the limit is per member


# --- organisers -----------------------------------------------------------------------------------


async def test_accepting_into_a_server_quiz_appends_a_credited_question(
    desk: SuggestionDesk, storage: Storage, library: QuizLibrary
) -> None:
    taken = replace(OWN.questions[0], id="suggestion-1")  # the id the suggestion would get
    await own_quiz(storage, library, replace(OWN, questions=(*OWN.questions, taken)))
    suggestion = await desk.submit(ALICE, HERE, "alice", "day49", FORM)
    assert desk.destination(suggestion) == "Accepting adds it to `day49` (2 questions now)."

    acceptance = await desk.accept(MASTER, HERE, suggestion.id)

    quiz = library.catalog_for(HERE).get("day49")
    assert quiz is not None and quiz == acceptance.quiz and acceptance.number == 3 and acceptance.version == 2
    added = quiz.questions[-1]
    assert (added.id, added.author, added.answer, added.choices) == ("suggestion-1-2", "alice", 1, ("4", "8", "16"))
    assert acceptance.suggestion.status is SuggestionStatus.ACCEPTED and acceptance.notes == []
    stored = await storage.library.current(HERE, "day49")
    assert stored is not None and stored.quiz == quiz and stored.source == dump_quiz(quiz)
    assert "    author: alice\n" in stored.source  # /quiz-download hands out the credit too
    assert library.catalog_for(ELSEWHERE).get("day49") is None


async def test_accepting_for_a_shared_quiz_makes_a_server_copy(desk: SuggestionDesk, library: QuizLibrary) -> None:
    suggestion = await desk.submit(ALICE, HERE, "alice", "day48", FORM)
    assert "`day48` is a shared quiz" in desk.destination(suggestion)

    acceptance = await desk.accept(ORGANISER, HERE, suggestion.id)

    assert "this server now plays its own copy" in acceptance.notes[0]
    here = library.catalog_for(HERE).get("day48")
    assert here is not None and len(here.questions) == 11 and here.questions[-1].author == "alice"
    assert library.shared.get("day48") is not None and len(library.shared.get("day48").questions) == 10
    elsewhere = library.catalog_for(ELSEWHERE).get("day48")
    assert elsewhere is not None and len(elsewhere.questions) == 10


async def test_without_a_quiz_or_once_it_is_gone_it_goes_into_the_suggestions_quiz(
    desk: SuggestionDesk, storage: Storage, library: QuizLibrary
) -> None:
    first = await desk.submit(ALICE, HERE, "alice", None, FORM)
    assert desk.destination(first) == "Accepting adds it to the `suggestions` quiz (created with its first question)."
    await own_quiz(storage, library)
    second = await desk.submit(ALICE, HERE, "alice", "day49", replace(FORM, prompt="Second?"))
    await library.remove(ORGANISER, HERE, "day49")
    assert desk.destination(second) == "`day49` is gone: accepting adds it to the `suggestions` quiz."

    await desk.accept(ORGANISER, HERE, first.id)
    moved = await desk.accept(ORGANISER, HERE, second.id)

    quiz = library.catalog_for(HERE).get("suggestions")
    assert quiz is not None and quiz.title == "Member suggestions" and moved.version == 2
    assert [q.prompt for q in quiz.questions] == [FORM.prompt, "Second?"]
    assert moved.notes == ["`day49` is no longer in this server's quizzes, so it went into `suggestions`."]
    assert library.catalog_for(ELSEWHERE).get("suggestions") is None


async def test_only_organisers_decide_and_only_once(desk: SuggestionDesk, storage: Storage) -> None:
    suggestion = await desk.submit(ALICE, HERE, "alice", None, FORM)
    for attempt in (desk.accept, desk.reject, desk.for_edit):
        with pytest.raises(NotAllowedError, match="can accept, edit or reject suggestions"):
            await attempt(ALICE, HERE, suggestion.id)
    with pytest.raises(NotFoundError):
        await desk.accept(ORGANISER, ELSEWHERE, suggestion.id)  # another server's click never reaches it

    rejected = await desk.reject(MASTER, HERE, suggestion.id)

    assert rejected.status is SuggestionStatus.REJECTED and rejected.decided_by == MASTER.user_id
    with pytest.raises(SuggestionRefusedError, match=rf"already rejected by <@{MASTER.user_id}> <t:\d+:R>\.$"):
        await desk.accept(ORGANISER, HERE, suggestion.id)
    with pytest.raises(SuggestionRefusedError, match="already rejected"):
        await desk.edit(ORGANISER, HERE, suggestion.id, FORM)
    assert await storage.suggestions.authored_count(HERE, ALICE.user_id) == 0


async def test_an_edit_is_checked_and_keeps_the_author(desk: SuggestionDesk) -> None:
    suggestion = await desk.submit(ALICE, HERE, "alice", None, FORM)
    filled = SuggestionForm.filled_from(suggestion.question)
    assert filled == SuggestionForm(FORM.prompt, "4\n8\n16", "B", FORM.explanation)
    with pytest.raises(SuggestionRefusedError):
        await desk.edit(ORGANISER, HERE, suggestion.id, replace(FORM, answer="E"))

    edited = await desk.edit(ORGANISER, HERE, suggestion.id, replace(FORM, answer="C"))

    assert edited.question.answer == 2 and edited.edited_by == ORGANISER.user_id and edited.author_name == "alice"
    acceptance = await desk.accept(ORGANISER, HERE, suggestion.id)
    assert acceptance.quiz.questions[-1].answer == 2 and acceptance.quiz.questions[-1].author == "alice"


async def test_a_full_quiz_or_a_full_server_refuses_the_accept(
    desk: SuggestionDesk, storage: Storage, library: QuizLibrary
) -> None:
    full = replace(OWN, questions=tuple(Question(f"q{n}", f"Q{n}?", ("a", "b"), 0) for n in range(MAX_QUESTIONS)))
    await own_quiz(storage, library, full)
    into_full = await desk.submit(ALICE, HERE, "alice", "day49", FORM)
    with pytest.raises(SuggestionRefusedError, match=f"already has {MAX_QUESTIONS} questions"):
        await desk.accept(ORGANISER, HERE, into_full.id)

    for number in range(MAX_SERVER_QUIZZES - 1):
        await own_quiz(storage, library, replace(OWN, id=f"extra{number}"))
    new_quiz = await desk.submit(ALICE, HERE, "alice", None, FORM)
    with pytest.raises(SuggestionRefusedError, match=f"already has {MAX_SERVER_QUIZZES} quizzes of its own"):
        await desk.accept(ORGANISER, HERE, new_quiz.id)
    waiting = await storage.suggestions.get(HERE, new_quiz.id)
    assert waiting is not None and waiting.pending


async def test_an_upload_meanwhile_makes_the_accept_ask_again(
    desk: SuggestionDesk, storage: Storage, library: QuizLibrary
) -> None:
    await own_quiz(storage, library)
    suggestion = await desk.submit(ALICE, HERE, "alice", "day49", FORM)
    # Another process (or a race) stored a new version the library has not seen.
    await storage.library.save(HERE, OWN, "v2", uploaded_by=1, now=NOW, replace=True)

    with pytest.raises(SuggestionRefusedError, match=r"changed while you decided.*click Accept again"):
        await desk.accept(ORGANISER, HERE, suggestion.id)

    still = await storage.suggestions.get(HERE, suggestion.id)
    assert still is not None and still.pending
