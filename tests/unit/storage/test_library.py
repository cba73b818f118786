"""Server quizzes in the database: versions, one current version per quiz, retiring, and one server each."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.quiz import Question, Quiz
from bot.storage import ConstraintError, Storage
from bot.storage.library import QuizExistsError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
QUIZ = Quiz(id="day49", title="Day 49", questions=(Question("q1", "Rank?", ("r", "alpha"), 0),))


async def test_a_replacement_is_a_new_version_and_the_old_one_is_kept(storage: Storage) -> None:
    first = await storage.library.save(10, QUIZ, "v1 yaml", uploaded_by=1, now=NOW, replace=False)
    fixed = replace(QUIZ, questions=(Question("q1", "Rank?", ("r", "alpha"), 1),))
    second = await storage.library.save(10, fixed, "v2 yaml", uploaded_by=2, now=NOW + timedelta(hours=1), replace=True)

    assert (first.version, second.version) == (1, 2)
    current = await storage.library.current(10, "day49")
    assert current is not None and current.version == 2 and current.source == "v2 yaml"
    assert current.quiz.questions[0].answer == 1 and current.uploaded_by == 2
    versions = await storage.database.fetch_all(
        "SELECT version, CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END FROM server_quizzes "
        "WHERE quiz_id = 'day49' ORDER BY version"
    )
    assert [tuple(row) for row in versions] == [(1, 0), (2, 1)]


async def test_the_same_id_again_is_refused_without_replace(storage: Storage) -> None:
    await storage.library.save(10, QUIZ, "v1", uploaded_by=1, now=NOW, replace=False)
    with pytest.raises(QuizExistsError):
        await storage.library.save(10, QUIZ, "v2", uploaded_by=1, now=NOW, replace=False)
    current = await storage.library.current(10, "day49")
    assert current is not None and current.source == "v1"


async def test_the_database_allows_one_current_version_per_quiz(storage: Storage) -> None:
    await storage.library.save(10, QUIZ, "v1", uploaded_by=1, now=NOW, replace=False)
    # SQLite says "UNIQUE constraint failed", PostgreSQL "violates unique constraint".
    with pytest.raises(ConstraintError, match=r"(?i)unique"):
        await storage.database.execute(
            "INSERT INTO server_quizzes (guild_id, quiz_id, version, source, snapshot, uploaded_by, uploaded_at) "
            "VALUES (10, 'day49', 9, 'x', '{}', 1, 0)"
        )


async def test_each_server_sees_only_its_own_quizzes(storage: Storage) -> None:
    await storage.library.save(10, QUIZ, "ten", uploaded_by=1, now=NOW, replace=False)
    await storage.library.save(20, QUIZ, "twenty", uploaded_by=1, now=NOW, replace=False)

    assert [q.source for q in await storage.library.current_quizzes(10)] == ["ten"]
    assert [q.guild_id for q in await storage.library.current_quizzes()] == [10, 20]
    assert await storage.library.count_current(20) == 1


async def test_a_retired_quiz_is_no_longer_current_and_can_be_uploaded_again(storage: Storage) -> None:
    await storage.library.save(10, QUIZ, "v1", uploaded_by=1, now=NOW, replace=False)

    assert await storage.library.retire(10, "day49", NOW)
    assert not await storage.library.retire(10, "day49", NOW)
    assert await storage.library.current(10, "day49") is None
    again = await storage.library.save(10, QUIZ, "v2", uploaded_by=1, now=NOW, replace=False)
    assert again.version == 2


async def test_current_quizzes_come_by_server_then_id_in_code_point_order(storage: Storage) -> None:
    # Saved out of order, ids differing only in punctuation: a language collation would interleave them.
    for guild_id, quiz_id in [(20, "a"), (10, "day_9"), (10, "day9"), (10, "day-9"), (10, "day-10"), (10, "b")]:
        await storage.library.save(guild_id, replace(QUIZ, id=quiz_id), quiz_id, uploaded_by=1, now=NOW, replace=False)

    listed = [(q.guild_id, q.quiz.id) for q in await storage.library.current_quizzes()]

    assert listed == [(10, "b"), (10, "day-10"), (10, "day-9"), (10, "day9"), (10, "day_9"), (20, "a")]
    assert [q.quiz.id for q in await storage.library.current_quizzes(10)] == ["b", "day-10", "day-9", "day9", "day_9"]
