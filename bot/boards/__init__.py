"""Leaderboards, member statistics and quiz reports: which board a request means, and reading it."""

from bot.boards.service import BOARD_LIFETIME, BoardRequest, BoardService, BoardUnavailableError, ShownBoard, ShownStats

__all__ = ["BOARD_LIFETIME", "BoardRequest", "BoardService", "BoardUnavailableError", "ShownBoard", "ShownStats"]
