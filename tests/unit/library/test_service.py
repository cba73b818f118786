"""A server's library: shared quizzes plus its own, managed by organisers, never seen by another server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import NotFoundError
from bot.domain.permissions import Member, NotAllowedError
from bot.library import LibraryRefusedError, QuizLibrary
from bot.library.service import MAX_UPLOAD_BYTES
from bot.storage import Storage
from tests.helpers import REPO_ROOT

ORGANISER = Member(user_id=1, manages_server=True)
MEMBER = Member(user_id=2)
HERE, ELSEWHERE = 10, 20
YAML = """title: {title}
questions:
  - id: q1
    prompt: Which rank does LoRA add?
    choices: [a low one, a high one]
    answer: {answer}
    explanation: Low rank keeps the update small.
"""


def quiz_yaml(title: str = "Day 49", answer: str = "A") -> bytes:
    return YAML.format(title=title, answer=answer).encode()


async def test_an_upload_is_playable_in_its_server_only(library: QuizLibrary) -> None:
    outcome = await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(), name=None, replace=False)

    assert outcome.version == 1 and outcome.replaced is None
    assert library.catalog_for(HERE).ids() == ["day48", "day49"]
    assert library.catalog_for(ELSEWHERE).ids() == ["day48"]
    assert library.catalog_for(None).ids() == ["day48"]


async def test_uploads_survive_a_restart(library: QuizLibrary, storage: Storage) -> None:
    await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(), name=None, replace=False)
    restarted = QuizLibrary(storage, FakeClock(datetime(2026, 12, 2, tzinfo=UTC)), library.shared.folder)
    await restarted.load()
    assert restarted.catalog_for(HERE).ids() == ["day48", "day49"]


async def test_the_same_id_needs_replace_and_replacing_keeps_the_versions_apart(library: QuizLibrary) -> None:
    await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(), name=None, replace=False)
    with pytest.raises(LibraryRefusedError, match="replace:true"):
        await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(answer="B"), name=None, replace=False)

    outcome = await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(answer="B"), name=None, replace=True)
    assert outcome.version == 2 and outcome.replaced == "this server's earlier version"
    quiz = library.catalog_for(HERE).get("day49")
    assert quiz is not None and quiz.questions[0].answer == 1


async def test_a_shared_id_is_taken_over_only_with_replace_and_only_here(library: QuizLibrary) -> None:
    with pytest.raises(LibraryRefusedError, match="shared quizzes"):
        await library.upload(ORGANISER, HERE, "day48.yaml", quiz_yaml("Our day 48"), name=None, replace=False)

    await library.upload(ORGANISER, HERE, "day48.yaml", quiz_yaml("Our day 48"), name=None, replace=True)
    ours, shared = library.catalog_for(HERE).get("day48"), library.catalog_for(ELSEWHERE).get("day48")
    assert ours is not None and ours.title == "Our day 48"
    assert shared is not None and shared.title.startswith("Day 48 Quiz")


async def test_nothing_is_stored_while_an_error_remains(library: QuizLibrary) -> None:
    with pytest.raises(LibraryRefusedError) as refused:
        await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(answer="F"), name=None, replace=False)

    assert refused.value.problems and refused.value.problems[0].startswith("line ")
    assert "day49" not in library.catalog_for(HERE).ids()


async def test_members_cannot_manage_the_library(library: QuizLibrary) -> None:
    with pytest.raises(NotAllowedError):
        await library.upload(MEMBER, HERE, "day49.yaml", quiz_yaml(), name=None, replace=False)
    with pytest.raises(NotAllowedError):
        await library.download(MEMBER, HERE, "day48")


async def test_a_file_over_the_limit_is_refused_from_its_declared_size(library: QuizLibrary) -> None:
    with pytest.raises(LibraryRefusedError, match="KiB"):
        await library.check_upload(ORGANISER, HERE, MAX_UPLOAD_BYTES + 1)


async def test_remove_takes_only_this_servers_own_quiz(library: QuizLibrary) -> None:
    await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(), name=None, replace=False)
    await library.upload(ORGANISER, ELSEWHERE, "day49.yaml", quiz_yaml(), name=None, replace=False)

    removed = await library.remove(ORGANISER, HERE, "day49")
    assert removed.id == "day49"
    assert "day49" not in library.catalog_for(HERE).ids() and "day49" in library.catalog_for(ELSEWHERE).ids()
    with pytest.raises(NotFoundError, match="shared quizzes"):
        await library.remove(ORGANISER, HERE, "day48")


async def test_download_gives_back_what_was_uploaded_or_the_shared_yaml(library: QuizLibrary) -> None:
    await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(), name=None, replace=False)

    assert await library.download(ORGANISER, HERE, "day49") == ("day49.yaml", quiz_yaml())
    name, data = await library.download(ORGANISER, HERE, "day48")
    assert name == "day48.yaml" and data == (REPO_ROOT / "quizzes" / "day48.yaml").read_bytes()
    with pytest.raises(NotFoundError):
        await library.download(ORGANISER, ELSEWHERE, "day49-typo")


async def test_a_shared_file_that_breaks_keeps_its_last_good_version(library: QuizLibrary) -> None:
    path = library.shared.folder / "day48.yaml"
    path.write_text(path.read_text().replace("answer: B", "answer: Z", 1))

    await library.reload_shared()

    assert "day48" in library.catalog_for(HERE).ids()
    assert [p.path for p in library.shared.problems()] == [str(path)]


async def test_a_server_keeps_at_most_its_quota_of_own_quizzes(
    library: QuizLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.library.service.MAX_SERVER_QUIZZES", 1)
    await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(), name=None, replace=False)

    with pytest.raises(LibraryRefusedError, match="already has 1 quizzes of its own"):
        await library.upload(ORGANISER, HERE, "day50.yaml", quiz_yaml(), name=None, replace=False)
    replaced = await library.upload(ORGANISER, HERE, "day49.yaml", quiz_yaml(answer="B"), name=None, replace=True)
    assert replaced.version == 2  # replacing does not count against the quota
    await library.upload(ORGANISER, ELSEWHERE, "day50.yaml", quiz_yaml(), name=None, replace=False)
