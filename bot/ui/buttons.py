"""Every persistent button the bot answers, registered once in setup_hook so clicks on old messages work
from the first event after a restart: DynamicItems, plus the answer buttons' `on_interaction` router."""

from __future__ import annotations

from typing import Any

import discord

from bot.ui.boards import LeaderboardPageButton
from bot.ui.library import KeepQuizButton, RemoveQuizButton
from bot.ui.live_buttons import DYNAMIC_ITEMS, AnswerClick, route_answer_click
from bot.ui.privacy import PrivacyButton
from bot.ui.private_views import PRIVATE_BUTTONS
from bot.ui.quiz_list import QuizzesPageButton
from bot.ui.review import DYNAMIC_ITEMS as REVIEW_ITEMS
from bot.ui.suggestions import SuggestionButton, answer_suggestion_form

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



async def route_interaction(interaction: discord.Interaction[Any]) -> None:
    """The bot's one `on_interaction` listener: answer clicks (cheaper than a DynamicItem on the hot path)
    and suggestion forms (taken by their custom_id after a restart too). One listener, not one each:
    discord.py starts a task per listener for every interaction, answer clicks included."""
    if interaction.type is discord.InteractionType.component:
        await route_answer_click(interaction)
    elif interaction.type is discord.InteractionType.modal_submit:
        await answer_suggestion_form(interaction)


# Added in setup_hook next to PERSISTENT_BUTTONS; ROUTED_CLICKS are the classes whose guarded
# `callback` answers what the router hands them.
INTERACTION_ROUTERS = (route_interaction,)
ROUTED_CLICKS = (AnswerClick,)
