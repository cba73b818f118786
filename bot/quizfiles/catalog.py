"""All quizzes of the quiz folder, loaded once; lookups by untrusted id never touch the file system."""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.quiz import Quiz, is_valid_quiz_id
from bot.quizfiles.loader import LoadedQuiz, read_quiz_file
from bot.quizfiles.names import is_quiz_suffix, name_problem, spellings, twin_message
from bot.quizfiles.problems import Problem, QuizFileError, summarize

log = logging.getLogger(__name__)

CLOSE_ENOUGH = 0.5


def resolve_quiz_path(folder: Path, quiz_id: str) -> Path | None:
    """Return the file of `quiz_id` inside `folder`, or None if the id or where it leads is refused.

    Only ids matching QUIZ_ID_PATTERN are considered (no `..`, `/`, NUL or upper case), and the file
    (`<id>.yaml`, else `<id>.yml`), after following symlinks, must be a regular file inside the folder.
    """
    if not isinstance(quiz_id, str) or not is_valid_quiz_id(quiz_id):
        return None
    return next((path for path in spellings(folder, quiz_id) if _stays_inside(folder, path)), None)


def _stays_inside(folder: Path, candidate: Path) -> bool:
    try:
        target = candidate.resolve(strict=True)
        return target.is_relative_to(folder.resolve(strict=True)) and target.is_file()
    except (OSError, RuntimeError):
        return False


@dataclass(frozen=True)
class QuizCatalog:
    """An immutable snapshot of the quiz folder: the quizzes that loaded and the problems of the rest."""

    folder: Path
    by_id: dict[str, Quiz] = field(default_factory=dict)
    refused: tuple[Problem, ...] = ()

    @classmethod
    def load(cls, folder: Path) -> QuizCatalog:
        """Load every `<id>.yaml` and `<id>.yml` in `folder`; a bad file is logged and skipped, never fatal."""
        scan = scan_folder(folder)
        if scan.unreadable is not None:
            log.warning("no quizzes loaded: %s", scan.unreadable)
        for path, file_problems in scan.refused.items():
            log.warning("refused %s: %s", path, summarize(file_problems))
        log.info("loaded %d quizzes from %s", len(scan.loaded), folder)
        return cls(folder, {loaded.quiz.id: loaded.quiz for loaded in scan.loaded}, tuple(scan.problems()))

    def get(self, quiz_id: str) -> Quiz | None:
        """Return the quiz with this (untrusted) id, or None; only well-formed ids are looked up."""
        if not isinstance(quiz_id, str) or not is_valid_quiz_id(quiz_id):
            return None
        return self.by_id.get(quiz_id)

    def ids(self) -> list[str]:
        return sorted(self.by_id)

    def quizzes(self) -> list[Quiz]:
        return [self.by_id[quiz_id] for quiz_id in self.ids()]

    def problems(self) -> list[Problem]:
        return list(self.refused)

    def search(self, text: str, limit: int = 25) -> list[Quiz]:
        """Quizzes whose id or title contains `text` (case-insensitive), those starting with it first."""
        needle = " ".join(text.casefold().split())
        ranked: list[tuple[int, str, Quiz]] = []
        for quiz in self.quizzes():
            haystacks = (quiz.id.casefold(), quiz.title.casefold())
            if any(haystack.startswith(needle) for haystack in haystacks):
                ranked.append((0, quiz.id, quiz))
            elif any(needle in haystack for haystack in haystacks):
                ranked.append((1, quiz.id, quiz))
        ranked.sort(key=lambda entry: entry[:2])
        return [quiz for _, _, quiz in ranked[: max(limit, 0)]]

    def closest(self, text: str, n: int = 3) -> list[str]:
        """Ids that look like `text`, best first, for "unknown quiz, did you mean ...?" replies."""
        wanted = text.strip().casefold()
        scored = []
        for quiz_id in self.ids():
            matcher = difflib.SequenceMatcher(None, wanted, quiz_id)
            if matcher.real_quick_ratio() >= CLOSE_ENOUGH and matcher.ratio() >= CLOSE_ENOUGH:
                scored.append((-matcher.ratio(), quiz_id))
        # Equally close ids come out in alphabetical order, so suggestions are stable.
        return [quiz_id for _, quiz_id in sorted(scored)[: max(n, 0)]]


@dataclass(frozen=True)
class FolderScan:
    """What a quiz folder holds: the quizzes that load and, by file, why the others are refused."""

    loaded: list[LoadedQuiz]
    refused: dict[Path, list[Problem]]
    unreadable: Problem | None = None  # the folder itself cannot be listed

    def problems(self) -> list[Problem]:
        head = [self.unreadable] if self.unreadable is not None else []
        return head + [problem for problems in self.refused.values() for problem in problems]


def scan_folder(folder: Path) -> FolderScan:
    """Check every quiz file of `folder` as the bot loads it, without logging (validate prints instead)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        problem = Problem(
            str(folder), 0, f"cannot read the quiz folder ({error.strerror}); create it or set QUIZBOT_QUIZZES"
        )
        return FolderScan([], {}, problem)
    loaded: list[LoadedQuiz] = []
    refused: dict[Path, list[Problem]] = {}
    twins = _twins(entries)
    for path in entries:
        file_problems = twins.get(path) or _entry_problems(folder, path)
        if file_problems is None:
            continue
        if not file_problems:
            try:
                loaded.append(read_quiz_file(path))
            except QuizFileError as error:
                file_problems = error.problems
        if file_problems:
            refused[path] = file_problems
    return FolderScan(loaded, refused)


def _twins(entries: list[Path]) -> dict[Path, list[Problem]]:
    """Problems of the files whose quiz id another file also has (`day48.yaml` and `day48.yml`)."""
    by_id: dict[str, list[Path]] = {}
    for path in entries:
        if not path.name.startswith(".") and name_problem(path) is None:
            by_id.setdefault(path.stem, []).append(path)
    return {
        path: [Problem(str(path), 1, twin_message(quiz_id, paths))]
        for quiz_id, paths in by_id.items()
        if len(paths) > 1
        for path in paths
    }


def _entry_problems(folder: Path, path: Path) -> list[Problem] | None:
    """Return why a folder entry cannot be a quiz ([] if it can be loaded), or None to ignore it quietly."""
    shown = str(path)
    if path.name.startswith(".") or not is_quiz_suffix(path):
        return None
    problem = name_problem(path)
    if problem is not None:
        return [Problem(shown, 1, problem)]
    if not _stays_inside(folder, path):
        return [
            Problem(
                shown,
                1,
                "refused: not a regular file inside the quiz folder (a symlink pointing outside?); "
                "copy the quiz file into the folder instead",
            )
        ]
    return []
