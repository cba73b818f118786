"""All quizzes of the quiz folder, loaded once; lookups by untrusted id never touch the file system."""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.quiz import Quiz, is_valid_quiz_id
from bot.quizfiles.loader import bad_quiz_id_message, load_quiz_file
from bot.quizfiles.problems import Problem, QuizFileError, summarize

log = logging.getLogger(__name__)

QUIZ_SUFFIX = ".yaml"
CLOSE_ENOUGH = 0.5


def resolve_quiz_path(folder: Path, quiz_id: str) -> Path | None:
    """Return the file of `quiz_id` inside `folder`, or None if the id or where it leads is refused.

    Only ids matching QUIZ_ID_PATTERN are considered (no `..`, `/`, NUL or upper case), and the file,
    after following symlinks, must be a regular file inside the folder.
    """
    if not isinstance(quiz_id, str) or not is_valid_quiz_id(quiz_id):
        return None
    candidate = folder / f"{quiz_id}{QUIZ_SUFFIX}"
    return candidate if _stays_inside(folder, candidate) else None


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
        """Load every `<id>.yaml` in `folder`; a bad file is logged and skipped, never fatal."""
        quizzes: dict[str, Quiz] = {}
        problems: list[Problem] = []
        try:
            entries = sorted(folder.iterdir())
        except OSError as error:
            problem = Problem(
                str(folder),
                0,
                f"cannot read the quiz folder ({error.strerror}); create it or set QUIZBOT_QUIZZES",
            )
            log.warning("no quizzes loaded: %s", problem)
            return cls(folder, {}, (problem,))
        for path in entries:
            file_problems = _entry_problems(folder, path)
            if file_problems is None:
                continue
            if not file_problems:
                try:
                    quiz = load_quiz_file(path)
                except QuizFileError as error:
                    file_problems = error.problems
                else:
                    quizzes[quiz.id] = quiz
            if file_problems:
                log.warning("refused %s: %s", path, summarize(file_problems))
                problems.extend(file_problems)
        log.info("loaded %d quizzes from %s", len(quizzes), folder)
        return cls(folder, quizzes, tuple(problems))

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


def _entry_problems(folder: Path, path: Path) -> list[Problem] | None:
    """Return why a folder entry cannot be a quiz ([] if it can be loaded), or None to ignore it quietly."""
    shown = str(path)
    if path.name.startswith("."):
        return None
    if path.suffix == ".yml":
        return [Problem(shown, 1, f"quiz files end in .yaml; rename it to {path.stem}{QUIZ_SUFFIX}")]
    if path.suffix != QUIZ_SUFFIX:
        return None
    if not is_valid_quiz_id(path.stem):
        return [Problem(shown, 1, bad_quiz_id_message(path.stem))]
    if resolve_quiz_path(folder, path.stem) is None:
        return [
            Problem(
                shown,
                1,
                "refused: not a regular file inside the quiz folder (a symlink pointing outside?); "
                "copy the quiz file into the folder instead",
            )
        ]
    return []
