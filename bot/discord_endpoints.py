"""Points discord.py at the Discord endpoints from the settings (the real ones, or the offline test bed)."""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl


def point_discord_at(api_base: str, gateway_url: str) -> None:
    """Send REST calls to `api_base` and open the gateway at `gateway_url`.

    discord.py reads both from class attributes when it builds each request and each connection, so this
    must run before `login()`; `Client.connect()` never asks `/gateway/bot`, hence the gateway setting.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
