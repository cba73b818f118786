"""`quizbot validate [PATH ...]`: check quiz files the way the bot will load them."""

from __future__ import annotations

from pathlib import Path

from bot.domain.quiz import question_count_text
from bot.quizfiles.catalog import scan_folder
from bot.quizfiles.lint import lint_quiz
from bot.quizfiles.loader import LoadedQuiz, read_quiz_file
from bot.quizfiles.names import name_problem, twin_message, twins
from bot.quizfiles.problems import Problem, QuizFileError

DEFAULT_FOLDER = Path("quizzes")


def run_validate(paths: list[Path], default_folder: Path = DEFAULT_FOLDER) -> int:
    """Print every problem as `path:line: message` and return 1, or one line per quiz and return 0.

    Warnings (`path:line: warning: message`, see bot.quizfiles.lint) are printed too but never fail it.
    With no paths, validates `default_folder` (the CLI passes the configured QUIZBOT_QUIZZES folder).
    """
    loaded: list[LoadedQuiz] = []
    problems: list[Problem] = []
    for path in paths or [default_folder]:
        found, refused = _check(path)
        loaded.extend(found)
        problems.extend(refused)
    for problem in problems:
        print(problem)
    for quiz_file in loaded:
        for warning in lint_quiz(quiz_file):
            print(warning)
    if problems:
        return 1
    for quiz in (quiz_file.quiz for quiz_file in loaded):
        print(f'{quiz.id}: {question_count_text(quiz)}, "{quiz.title}"')
    return 0


def _check(path: Path) -> tuple[list[LoadedQuiz], list[Problem]]:
    if path.is_dir():
        # Not QuizCatalog.load: it also logs each refused file, which printed every problem twice.
        scan = scan_folder(path)
        if not scan.loaded and not scan.problems():
            return [], [
                Problem(str(path), 0, "no quiz files (*.yaml or *.yml) here; add one or check the path")
            ]
        return sorted(scan.loaded, key=lambda quiz_file: quiz_file.quiz.id), scan.problems()
    if not path.exists():
        return [], [Problem(str(path), 0, "no such file or folder; check the path")]
    # The bot only loads files named by the same rule, so a file it would skip or refuse is not "OK".
    problem = name_problem(path)
    if problem is not None:
        return [], [Problem(str(path), 1, problem)]
    others = twins(path)
    if others:
        return [], [Problem(str(path), 1, twin_message(path.stem, [path, *others]))]
    try:
        return [read_quiz_file(path)], []
    except QuizFileError as error:
        return [], error.problems
