"""Daily question posts: the scheduler service and what it needs from the Discord side."""

from bot.daily.presenter import ChannelUnavailableError, DailyPresenter, QuestionPost, RevealPost
from bot.daily.scheduler import DailyScheduler, NowRefusedError

__all__ = [
    "ChannelUnavailableError",
    "DailyPresenter",
    "DailyScheduler",
    "NowRefusedError",
    "QuestionPost",
    "RevealPost",
]
