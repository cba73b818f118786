"""The member behind an interaction, as the permission rules in bot.domain.permissions see them."""

from __future__ import annotations

from typing import Any

import discord

from bot.domain.permissions import Member


def member_of(interaction: discord.Interaction[Any]) -> Member:
    """Who clicked or typed: their roles (in a server) and Manage Server in this channel."""
    user = interaction.user
    roles = frozenset(role.id for role in user.roles) if isinstance(user, discord.Member) else frozenset()
    return Member(user_id=user.id, role_ids=roles, manages_server=interaction.permissions.manage_guild)
