"""Points discord.py at the Discord endpoints from the settings (the real ones, or the offline test bed),
and says in one line what went wrong when an endpoint answers with an HTTP error."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import discord.gateway
import discord.http
import discord.voice_client
import yarl

from bot.domain.errors import EXIT_CONFIG, EXIT_FAILURE
from bot.settings import DISCORD_API_BASE


def point_discord_at(api_base: str, gateway_url: str) -> None:
    """Send REST calls to `api_base` and open the gateway at `gateway_url`.

    discord.py reads both from class attributes when it builds each request and each connection, so this
    must run before `login()`; `Client.connect()` never asks `/gateway/bot`, hence the gateway setting.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    # This bot has no voice: without PyNaCl and davey, every new client would warn that voice is off.
    discord.voice_client.VoiceClient.warn_nacl = False
    discord.voice_client.VoiceClient.warn_dave = False


@dataclass(frozen=True)
class DiscordFailure:
    """One line for the admin, and whether retrying can help (exit 1) or a setting must change (exit 2)."""

    message: str
    exit_code: int


def http_failure(error: discord.HTTPException, api_base: str, *, dev_guild: int | None = None) -> DiscordFailure:
    """What an HTTP error from Discord (or from whatever DISCORD_API_BASE points at) means for the admin."""
    response = error.response
    request = "a request"
    if isinstance(response, aiohttp.ClientResponse):
        request = f"{response.method} {response.url.path}"
    reason = getattr(response, "reason", None) or ""
    answer = f"{error.status} {reason}".strip()
    if error.status == 403 and error.code == 50001 and dev_guild is not None and f"/guilds/{dev_guild}/" in request:
        return DiscordFailure(
            f"Discord refused the slash commands for server {dev_guild} (403 Missing Access): the bot is not in "
            "that server, or was invited without the applications.commands scope; check the server id "
            "(--dev-guild / QUIZBOT_DEV_GUILD), or invite the bot again with the bot and applications.commands "
            "scopes.",
            EXIT_CONFIG,
        )
    if error.status >= 500:
        return DiscordFailure(
            f"Discord at {api_base} answered {answer} to {request}, also after discord.py's retries: Discord, or "
            "a proxy in front of it, is failing; quizbot exits 1 so that its supervisor retries later.",
            EXIT_FAILURE,
        )
    if error.status == 429:
        return DiscordFailure(
            f"Discord at {api_base} refuses requests from this address for now ({answer} to {request}): "
            "wait a while, then try again.",
            EXIT_FAILURE,
        )
    if api_base.rstrip("/") != DISCORD_API_BASE:
        # Discord itself answers its own routes; a 4xx here means the setting points somewhere else.
        return DiscordFailure(
            f"{api_base} answered {answer} to {request}: DISCORD_API_BASE does not point at a Discord API "
            "(one that ends in /api/v10); correct it, or remove it to use Discord itself.",
            EXIT_CONFIG,
        )
    return DiscordFailure(
        f"Discord answered {answer} to {request} ({error.text or 'no details'}): try again later, and "
        "upgrade quizbot if it keeps happening.",
        EXIT_FAILURE,
    )
