"""Every persistent button the bot answers, registered once in setup_hook so clicks on old messages work
from the first event after a restart: DynamicItems, plus the answer buttons' `on_interaction` router."""

from __future__ import annotations

from typing import Any

import discord

from bot.ui.boards import LeaderboardPageButton
from bot.ui.library import KeepQuizButton, RemoveQuizButton
from bot.ui.live_buttons import DYNAMIC_ITEMS, AnswerClick, route_answer_click
from bot.ui.quiz_list import QuizzesPageButton

PERSISTENT_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    *DYNAMIC_ITEMS,
    QuizzesPageButton,
    LeaderboardPageButton,
    RemoveQuizButton,
    KeepQuizButton,
)

# Clicks answered by an `on_interaction` listener (cheaper than a DynamicItem on the hot path), and the
# classes whose guarded `callback` handles them.
INTERACTION_ROUTERS = (route_answer_click,)
ROUTED_CLICKS = (AnswerClick,)
