"""Running the bot process: logging, start-up, shutdown on signals, and one-off command sync."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import discord

from bot.app import create_bot
from bot.logs import configure_logging
from bot.settings import Settings
from bot.storage import StorageError

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, token: str) -> int:
    """Run until stopped; SIGTERM/SIGINT close the bot cleanly (open runs resume on the next start)."""
    configure_logging(settings.log_level, settings.log_format, secrets=[token])
    bot = create_bot(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with bot:
        try:
            runner = asyncio.create_task(bot.start(token))
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                log.info("shutdown requested; closing")
                await bot.close()
                await asyncio.gather(runner, return_exceptions=True)
            else:
                stopper.cancel()
                runner.result()
        except discord.LoginFailure:
            log.error(
                "Discord refused the token: reset it in the Developer Portal (Bot > Reset Token) "
                "and update DISCORD_TOKEN."
            )
            return 2
        except discord.PrivilegedIntentsRequired:
            log.error(
                "Discord refused a privileged intent; quizbot needs none, so this is a bug: please report it."
            )
            return 1
        except StorageError as error:
            log.error("%s", error)
            return 1
    return 0


async def sync_commands(settings: Settings, token: str) -> int:
    """Log in over REST only, register the commands, and exit."""
    configure_logging(settings.log_level, settings.log_format, secrets=[token])
    bot = create_bot(settings, sync_on_start=False)
    async with bot:
        try:
            await bot.login(token)
        except discord.LoginFailure:
            log.error("Discord refused the token: reset it in the Developer Portal and update DISCORD_TOKEN.")
            return 2
        count = await bot.sync_commands()
    print(f"synced {count} slash commands")
    return 0
