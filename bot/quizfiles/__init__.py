"""Quiz files: load and validate `quizzes/<id>.yaml`, write the canonical YAML, and the quiz catalog."""

from bot.quizfiles.catalog import QuizCatalog, resolve_quiz_path
from bot.quizfiles.loader import load_quiz_file, parse_quiz_text
from bot.quizfiles.problems import Problem, QuizFileError
from bot.quizfiles.safe_yaml import MAX_FILE_BYTES
from bot.quizfiles.writer import dump_quiz

__all__ = [
    "MAX_FILE_BYTES",
    "Problem",
    "QuizCatalog",
    "QuizFileError",
    "dump_quiz",
    "load_quiz_file",
    "parse_quiz_text",
    "resolve_quiz_path",
]
