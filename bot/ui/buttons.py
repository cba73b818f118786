"""Every persistent button the bot answers, registered once in setup_hook so clicks on old messages work
from the first event after a restart."""

from __future__ import annotations

from typing import Any

import discord

from bot.ui.boards import LeaderboardPageButton
from bot.ui.library import KeepQuizButton, RemoveQuizButton
from bot.ui.live_buttons import DYNAMIC_ITEMS
from bot.ui.privacy import PrivacyButton
from bot.ui.private_views import PRIVATE_BUTTONS
from bot.ui.quiz_list import QuizzesPageButton
from bot.ui.review import DYNAMIC_ITEMS as REVIEW_ITEMS
from bot.ui.suggestions import SuggestionButton

PERSISTENT_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    *DYNAMIC_ITEMS,
    *PRIVATE_BUTTONS,
    QuizzesPageButton,
    LeaderboardPageButton,
    RemoveQuizButton,
    KeepQuizButton,
    SuggestionButton,
    PrivacyButton,
    *REVIEW_ITEMS,
)
