"""Suggestions in the database: one server each, decided once, and accepted together with the quiz version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.quiz import Question, Quiz
from bot.domain.suggestions import SuggestedQuestion, SuggestionStatus
from bot.storage import Storage
from bot.storage.library import QuizChangedError
from bot.storage.suggestions import AlreadyDecidedError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GUILD, OTHER_GUILD, REVIEW = 10, 20, 30
ASKED = SuggestedQuestion("Which is prime? 'quoted' ✓", ("4", "7", "9"), 1, "7 has no divisors but 1 and 7.")
QUIZ = Quiz(id="day49", title="Day 49", questions=(Question("q1", "Rank?", ("r", "alpha"), 0),))


async def _add(storage: Storage, author_id: int = 5, guild_id: int = GUILD) -> int:
    suggestion = await storage.suggestions.add(
        guild_id, "day49", author_id=author_id, author_name="alice", question=ASKED, review_channel_id=REVIEW, now=NOW
    )
    return suggestion.id


def _with_question(quiz: Quiz, suggestion_id: int) -> Quiz:
    return replace(quiz, questions=(*quiz.questions, ASKED.as_question(f"suggestion-{suggestion_id}", "alice")))


async def test_a_suggestion_reads_back_as_written_and_only_in_its_server(storage: Storage) -> None:
    suggestion_id = await _add(storage)
    await storage.suggestions.set_review_message(suggestion_id, 99)

    stored = await storage.suggestions.get(GUILD, suggestion_id)

    assert stored is not None and stored.question == ASKED and stored.quiz_id == "day49"
    assert (stored.author_id, stored.author_name, stored.status) == (5, "alice", SuggestionStatus.PENDING)
    assert (stored.review_channel_id, stored.review_message_id, stored.created_at) == (REVIEW, 99, NOW)
    assert await storage.suggestions.get(OTHER_GUILD, suggestion_id) is None
    assert await storage.suggestions.pending_count(GUILD, 5) == 1
    assert await storage.suggestions.pending_count(OTHER_GUILD, 5) == 0


async def test_accepting_stores_the_quiz_version_and_counts_for_the_author(storage: Storage) -> None:
    await storage.library.save(GUILD, QUIZ, "v1", uploaded_by=1, now=NOW, replace=False)
    suggestion_id = await _add(storage)
    grown = _with_question(QUIZ, suggestion_id)

    stored = await storage.suggestions.accept(
        suggestion_id, GUILD, grown, "v2", question_id=f"suggestion-{suggestion_id}", based_on=1, decided_by=7,
        now=NOW + timedelta(hours=1),
    )

    assert stored.version == 2
    current = await storage.library.current(GUILD, "day49")
    assert current is not None and current.quiz == grown and current.quiz.questions[-1].author == "alice"
    accepted = await storage.suggestions.get(GUILD, suggestion_id)
    assert accepted is not None and accepted.status is SuggestionStatus.ACCEPTED
    assert (accepted.decided_by, accepted.decided_at) == (7, NOW + timedelta(hours=1))
    assert (accepted.accepted_quiz_id, accepted.accepted_version) == ("day49", 2)
    assert accepted.accepted_question_id == f"suggestion-{suggestion_id}"
    assert await storage.suggestions.authored_count(GUILD, 5) == 1
    assert await storage.suggestions.authored_count(OTHER_GUILD, 5) == 0
    assert await storage.suggestions.pending_count(GUILD, 5) == 0


async def test_a_suggestion_is_decided_once(storage: Storage) -> None:
    suggestion_id = await _add(storage)
    await storage.suggestions.reject(suggestion_id, decided_by=7, now=NOW)

    with pytest.raises(AlreadyDecidedError):
        await storage.suggestions.reject(suggestion_id, decided_by=8, now=NOW)
    with pytest.raises(AlreadyDecidedError):
        await storage.suggestions.accept(
            suggestion_id, GUILD, QUIZ, "v", question_id="x", based_on=None, decided_by=8, now=NOW
        )
    with pytest.raises(AlreadyDecidedError):
        await storage.suggestions.edit(suggestion_id, ASKED, edited_by=8, now=NOW)
    rejected = await storage.suggestions.get(GUILD, suggestion_id)
    assert rejected is not None and rejected.status is SuggestionStatus.REJECTED and rejected.decided_by == 7
    assert await storage.library.current(GUILD, "day49") is None  # the refused accept stored nothing
    assert await storage.suggestions.authored_count(GUILD, 5) == 0


async def test_an_accept_built_on_an_old_version_stores_nothing(storage: Storage) -> None:
    await storage.library.save(GUILD, QUIZ, "v1", uploaded_by=1, now=NOW, replace=False)
    await storage.library.save(GUILD, QUIZ, "v2", uploaded_by=1, now=NOW, replace=True)
    suggestion_id = await _add(storage)

    with pytest.raises(QuizChangedError):
        await storage.suggestions.accept(
            suggestion_id, GUILD, _with_question(QUIZ, suggestion_id), "v3", question_id="x", based_on=1,
            decided_by=7, now=NOW,
        )

    still = await storage.suggestions.get(GUILD, suggestion_id)
    assert still is not None and still.pending  # rolled back with the quiz version
    current = await storage.library.current(GUILD, "day49")
    assert current is not None and current.source == "v2"


async def test_an_edit_replaces_the_question_and_a_delete_forgets_a_pending_one(storage: Storage) -> None:
    suggestion_id = await _add(storage)
    fixed = SuggestedQuestion("Which is even?", ("3", "8"), 1)

    await storage.suggestions.edit(suggestion_id, fixed, edited_by=7, now=NOW)

    edited = await storage.suggestions.get(GUILD, suggestion_id)
    assert edited is not None and edited.question == fixed and edited.edited_by == 7 and edited.author_name == "alice"
    await storage.suggestions.delete(suggestion_id)
    assert await storage.suggestions.get(GUILD, suggestion_id) is None


async def test_the_author_exports_and_forgets_their_suggestions_and_the_quiz_keeps_the_question(
    storage: Storage,
) -> None:
    accepted, waiting = await _add(storage), await _add(storage)
    elsewhere, someone_elses = await _add(storage, guild_id=OTHER_GUILD), await _add(storage, author_id=6)
    await storage.suggestions.edit(someone_elses, ASKED, edited_by=5, now=NOW)  # 5 also reviews others' ones
    grown = _with_question(QUIZ, accepted)
    await storage.suggestions.accept(
        accepted, GUILD, grown, "v1", question_id="x", based_on=None, decided_by=7, now=NOW
    )

    data = await storage.privacy.member_data(5, GUILD)

    assert [(row["suggestion_id"], row["status"]) for row in data["suggestions"]] == [
        (accepted, "accepted"),
        (waiting, "pending"),
    ]
    first = data["suggestions"][0]
    assert (first["name_shown"], first["answer"], first["prompt"], first["accepted_quiz_id"]) == (
        "alice", "B", ASKED.prompt, "day49"
    )  # fmt: skip
    assert [row["suggestion_id"] for row in data["suggestions_edited"]] == [someone_elses]
    assert [row["suggestion_id"] for row in (await storage.privacy.member_data(7, GUILD))["suggestions_decided"]] == [
        accepted
    ]

    forgotten = await storage.privacy.forget(5, GUILD)

    assert forgotten.deleted["suggestions"] == 2
    assert [await storage.suggestions.get(GUILD, gone) for gone in (accepted, waiting)] == [None, None]
    assert await storage.suggestions.get(OTHER_GUILD, elsewhere) is not None  # another server's are its own
    kept = await storage.suggestions.get(GUILD, someone_elses)
    assert kept is not None and kept.edited_by == 5  # someone else's suggestion keeps who edited it
    current = await storage.library.current(GUILD, "day49")
    assert current is not None and current.quiz == grown  # quiz content stays, with its author: credit
    assert await storage.suggestions.authored_count(GUILD, 5) == 0
