"""Each server's quiz library: the shared quiz folder plus the quizzes the server uploaded from Discord."""

from bot.library.reading import Reading, read_upload
from bot.library.service import LibraryRefusedError, QuizLibrary, UploadOutcome

__all__ = ["LibraryRefusedError", "QuizLibrary", "Reading", "UploadOutcome", "read_upload"]
