"""A server's quiz library: what it may play (the shared folder plus its own uploads), and managing it.

Server quizzes live in the database and are cached here, so every lookup (autocomplete, /quiz, daily
posts) stays in memory; uploads and removals update the cache after they are committed. A server
quiz with the id of a shared one wins in that server only. The shared folder reloads on request
(SIGHUP); a file that stops validating keeps its last good version until it is fixed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.clock import Clock
from bot.domain.errors import NotFoundError, QuizbotError
from bot.domain.permissions import Member, require_may_manage_library
from bot.domain.quiz import Quiz
from bot.library.reading import Reading, read_upload
from bot.quizfiles import QuizCatalog
from bot.quizfiles.writer import dump_quiz
from bot.storage import Storage
from bot.storage.library import QuizExistsError, StoredQuiz

log = logging.getLogger(__name__)

# Limits an organiser meets (docs/library.md): a file larger than this is refused from its declared size
# before anything is downloaded; a server keeps at most this many quizzes of its own.
MAX_UPLOAD_BYTES = 512 * 1024
MAX_SERVER_QUIZZES = 100


class LibraryRefusedError(QuizbotError):
    """An upload, removal or download was refused; `problems` lists every error when there are several."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class UploadOutcome:
    quiz: Quiz
    version: int
    replaced: str | None  # "your earlier version" / "the shared quiz", when replace:true took its place
    warnings: list[str] = field(default_factory=list)


class QuizLibrary:
    def __init__(self, storage: Storage, clock: Clock, folder: Path) -> None:
        self._storage = storage
        self._clock = clock
        self._folder = folder
        self.shared = QuizCatalog(folder=folder)
        self._server: dict[int, dict[str, StoredQuiz]] = {}
        self._views: dict[int | None, QuizCatalog] = {}

    # --- what a server may play -------------------------------------------------------------------

    def catalog_for(self, guild_id: int | None) -> QuizCatalog:
        """The quizzes playable in `guild_id` (the shared folder only outside a server)."""
        view = self._views.get(guild_id)
        if view is None:
            own = self._server.get(guild_id, {}) if guild_id is not None else {}
            by_id = {**self.shared.by_id, **{quiz_id: stored.quiz for quiz_id, stored in own.items()}}
            view = QuizCatalog(self._folder, by_id, self.shared.refused)
            self._views[guild_id] = view
        return view

    async def load(self) -> None:
        """Read the shared folder and every server's quizzes (at start-up)."""
        await self.reload_shared()
        self._server = {}
        for stored in await self._storage.library.current_quizzes():
            self._server.setdefault(stored.guild_id, {})[stored.quiz.id] = stored
        self._views.clear()
        log.info("loaded %d server quizzes for %d servers", sum(map(len, self._server.values())), len(self._server))

    async def reload_shared(self) -> QuizCatalog:
        """Re-read the shared folder; a file that no longer validates keeps its last good version."""
        # YAML parsing is CPU work; keep it off the event loop.
        fresh = await asyncio.to_thread(QuizCatalog.load, self._folder)
        kept = _last_good(self.shared.by_id, fresh)
        self.shared = QuizCatalog(self._folder, {**fresh.by_id, **kept}, fresh.refused)
        for quiz_id in sorted(kept):
            log.warning("kept the last good version of %s until its file is fixed", quiz_id)
        self._views.clear()
        return self.shared

    # --- managing a server's own quizzes ------------------------------------------------------------

    async def _require_organiser(self, guild_id: int, member: Member) -> None:
        require_may_manage_library(await self._storage.settings.guild_settings(guild_id), member)

    async def check_upload(self, member: Member, guild_id: int, declared_size: int) -> None:
        """Refuse before downloading: who uploads, and a file larger than the limit."""
        await self._require_organiser(guild_id, member)
        if declared_size > MAX_UPLOAD_BYTES:
            raise LibraryRefusedError(
                f"That file is {declared_size // 1024} KiB; quiz files are limited to {MAX_UPLOAD_BYTES // 1024} KiB. "
                "Split it into several quizzes."
            )

    async def upload(
        self, member: Member, guild_id: int, filename: str, data: bytes, *, name: str | None, replace: bool
    ) -> UploadOutcome:
        """Read, check and store an uploaded quiz; nothing is stored while any error remains."""
        await self.check_upload(member, guild_id, len(data))
        reading = await asyncio.to_thread(read_upload, filename, data, _normalised(name))
        quiz, source = _accepted(reading)
        replaced = self._what_it_replaces(guild_id, quiz.id, replace)
        if replaced is None and len(self._server.get(guild_id, {})) >= MAX_SERVER_QUIZZES:
            raise LibraryRefusedError(
                f"This server already has {MAX_SERVER_QUIZZES} quizzes of its own, the most it may keep. "
                "Remove one with /quiz-remove first."
            )
        try:
            stored = await self._storage.library.save(
                guild_id, quiz, source, uploaded_by=member.user_id, now=self._clock.now(), replace=replace
            )
        except QuizExistsError:
            raise self._exists(quiz.id) from None
        self._server.setdefault(guild_id, {})[quiz.id] = stored
        self._views.pop(guild_id, None)
        log.info("quiz %s v%d uploaded in guild %d by %d", quiz.id, stored.version, guild_id, member.user_id)
        return UploadOutcome(quiz, stored.version, replaced, reading.warnings)

    def _what_it_replaces(self, guild_id: int, quiz_id: str, replace: bool) -> str | None:
        if quiz_id in self._server.get(guild_id, {}):
            if not replace:
                raise self._exists(quiz_id)
            return "this server's earlier version"
        if quiz_id in self.shared.by_id:
            if not replace:
                raise LibraryRefusedError(
                    f"`{quiz_id}` is one of the bot's shared quizzes. Upload with another name:, or with "
                    "replace:true to play yours instead in this server only."
                )
            return "the shared quiz of that name (in this server only)"
        return None

    @staticmethod
    def _exists(quiz_id: str) -> LibraryRefusedError:
        return LibraryRefusedError(
            f"This server already has a quiz `{quiz_id}`. Upload again with replace:true to replace it "
            "(past results keep the version that was played), or choose another name:."
        )

    async def remove(self, member: Member, guild_id: int, quiz_id: str) -> Quiz:
        """Take the server's own quiz out of play; past results stay."""
        await self._require_organiser(guild_id, member)
        stored = self._own(guild_id, quiz_id)
        await self._storage.library.retire(guild_id, stored.quiz.id, self._clock.now())
        self._server[guild_id].pop(stored.quiz.id, None)
        self._views.pop(guild_id, None)
        log.info("quiz %s removed in guild %d by %d", stored.quiz.id, guild_id, member.user_id)
        return stored.quiz

    async def removable(self, member: Member, guild_id: int, quiz_id: str) -> Quiz:
        """The server's own quiz, before asking whether to remove it; NotFoundError otherwise."""
        await self._require_organiser(guild_id, member)
        return self._own(guild_id, quiz_id).quiz

    def server_quiz(self, guild_id: int, quiz_id: str) -> StoredQuiz | None:
        """The current version of the server's own quiz `quiz_id`, if it has one."""
        return self._server.get(guild_id, {}).get(quiz_id)

    def own_count(self, guild_id: int) -> int:
        return len(self._server.get(guild_id, {}))

    def adopt(self, stored: StoredQuiz) -> None:
        """Play a server quiz version another service committed (an accepted suggestion) from now on."""
        self._server.setdefault(stored.guild_id, {})[stored.quiz.id] = stored
        self._views.pop(stored.guild_id, None)

    def own_quizzes(self, guild_id: int) -> list[Quiz]:
        """This server's uploads, by id."""
        own = self._server.get(guild_id, {})
        return [own[quiz_id].quiz for quiz_id in sorted(own)]

    def _own(self, guild_id: int, quiz_id: str) -> StoredQuiz:
        stored = self._server.get(guild_id, {}).get(quiz_id.strip().lower())
        if stored is None:
            shared = quiz_id.strip().lower() in self.shared.by_id
            hint = " It is one of the bot's shared quizzes, which only the bot's host can remove." if shared else ""
            raise NotFoundError(f"This server has no quiz of its own called `{_shown(quiz_id)}`.{hint}")
        return stored

    async def download(self, member: Member, guild_id: int, quiz_id: str) -> tuple[str, bytes]:
        """(file name, YAML) of a quiz this server can play, for editing and uploading again."""
        await self._require_organiser(guild_id, member)
        key = quiz_id.strip().lower()
        stored = self._server.get(guild_id, {}).get(key)
        if stored is not None:
            return f"{stored.quiz.id}.yaml", stored.source.encode()
        quiz = self.shared.get(key)
        if quiz is None:
            raise NotFoundError(f"There is no quiz called `{_shown(quiz_id)}` here. Use /quizzes to list them.")
        return f"{quiz.id}.yaml", dump_quiz(quiz).encode()


def _normalised(name: str | None) -> str | None:
    return None if name is None or not name.strip() else name.strip().lower()


def _shown(text: str) -> str:
    return "".join(c for c in text.strip() if c.isalnum() or c in "-_ .")[:40]


def _accepted(reading: Reading) -> tuple[Quiz, str]:
    if reading.quiz is None or reading.source is None or reading.errors:
        count = len(reading.errors)
        raise LibraryRefusedError(
            f"The quiz was not stored: {count} problem{'s' if count != 1 else ''} to fix.", reading.errors
        )
    return reading.quiz, reading.source


def _last_good(previous: Mapping[str, Quiz], fresh: QuizCatalog) -> dict[str, Quiz]:
    """Quizzes whose file is now refused but that loaded before: keep playing the old version."""
    refused_ids = {Path(problem.path).stem for problem in fresh.refused}
    kept = {quiz_id: quiz for quiz_id, quiz in previous.items() if quiz_id in refused_ids}
    for problem in fresh.refused:
        if Path(problem.path).stem in kept:
            log.warning("%s", problem)
    return kept
