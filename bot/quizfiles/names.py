"""How quiz files are named: `<id>.yaml` or `<id>.yml`.

The one rule the bot's quiz folder, `quizbot validate` and `quizbot import -o` share, so a file one of
them accepts is never refused (or silently ignored) by another.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from bot.domain.quiz import is_valid_quiz_id

# Both spellings are common for YAML; new files (import into a folder) get the first.
QUIZ_SUFFIXES = (".yaml", ".yml")
DEFAULT_SUFFIX = QUIZ_SUFFIXES[0]


def bad_quiz_id_message(quiz_id: str) -> str:
    return (
        f"'{quiz_id}' is not a valid quiz id; rename the file to lowercase letters, digits, "
        "'-' and '_' (at most 32 characters) followed by .yaml or .yml"
    )


def is_quiz_suffix(path: PurePath) -> bool:
    """True for `.yaml` and `.yml` in any case: a file meant as a quiz (its name may still be refused)."""
    return path.suffix.lower() in QUIZ_SUFFIXES


def name_problem(path: PurePath) -> str | None:
    """Why `path` cannot be a quiz file's name, or None if it can: `<id>.yaml` or `<id>.yml`."""
    if path.suffix not in QUIZ_SUFFIXES:
        if is_quiz_suffix(path):
            return f"quiz files end in lower-case .yaml or .yml; rename it to {path.stem}{path.suffix.lower()}"
        return (
            "not a quiz file: quiz files are named <id>.yaml or <id>.yml, and the bot would not load this one "
            "(`quizbot import` turns markdown, Aiken or CSV quizzes into quiz files)"
        )
    if not is_valid_quiz_id(path.stem):
        return bad_quiz_id_message(path.stem)
    return None


def spellings(folder: Path, quiz_id: str) -> list[Path]:
    """Every name the file of `quiz_id` may have in `folder`, `.yaml` first."""
    return [folder / f"{quiz_id}{suffix}" for suffix in QUIZ_SUFFIXES]


def twins(path: Path) -> list[Path]:
    """The other files beside `path` that hold the same quiz id (`day48.yml` beside `day48.yaml`)."""
    return [other for other in spellings(path.parent, path.stem) if other.name != path.name and other.exists()]


def twin_message(quiz_id: str, paths: list[Path]) -> str:
    names = " and ".join(sorted((path.name for path in paths), key=lambda name: name.endswith(".yml")))
    return f"{names} both hold quiz '{quiz_id}'; keep one of them (the bot refuses both)"
