"""Running a bot against the test bed: in the test's event loop, or as a separate process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.discord_endpoints import point_discord_at
from bot.settings import Secret, Settings
from tests.discord_testbed.gateway import GatewaySession
from tests.discord_testbed.testbed import FAKE_TOKEN, TestBed

REPO_ROOT = Path(__file__).resolve().parents[2]
BotFactory = Callable[[Settings], commands.Bot]
# discord.py waits this long after the last GUILD_CREATE before `on_ready`; 2 s by default.
FAST_GUILD_READY_TIMEOUT = 0.02


def default_bot_factory() -> BotFactory:
    """Our real bot once `bot.app.create_bot` exists; the minimal test bot until then."""
    try:
        from bot.app import create_bot
    except ImportError:
        from tests.discord_testbed.minimal_bot import create_minimal_bot

        return create_minimal_bot
    return create_bot


def default_bot_command() -> list[str]:
    if (REPO_ROOT / "bot" / "__main__.py").is_file():
        return [sys.executable, "-m", "bot", "run"]
    return [sys.executable, "-m", "tests.discord_testbed.minimal_bot"]


def settings_for(tb: TestBed, tmp_path: Path, **overrides: Any) -> Settings:
    return replace(
        Settings(
            token=Secret(FAKE_TOKEN),
            db_path=tmp_path / "quizbot.db",
            quizzes_dir=REPO_ROOT / "quizzes",
            api_base=tb.api_base,
            gateway_url=tb.gateway_url,
        ),
        **overrides,
    )


def command_payloads(bot: commands.Bot, tb: TestBed) -> dict[int | None, list[dict[str, Any]]]:
    """What `tree.sync()` would register, per scope (None = global)."""
    found: dict[int | None, list[dict[str, Any]]] = {
        None: [c.to_dict(bot.tree) for c in bot.tree.get_commands()]
    }
    for guild_id in tb.guilds:
        scoped = bot.tree.get_commands(guild=discord.Object(guild_id))
        if scoped:
            found[guild_id] = [c.to_dict(bot.tree) for c in scoped]
    return found


def preload_if_unsynced(bot: commands.Bot, tb: TestBed) -> None:
    """A bot that syncs only on an admin's request finds its commands already registered, as in prod."""
    if any(tb.commands.values()):
        return
    for scope, payloads in command_payloads(bot, tb).items():
        if payloads:
            tb.preload_commands(payloads, tb.guilds[scope] if scope is not None else None)


async def preload_commands_from(tb: TestBed, factory: BotFactory, settings: Settings) -> None:
    """Register a bot's command tree without connecting it (for a bot process that never syncs itself)."""
    point_discord_at(settings.api_base, settings.gateway_url)
    bot = factory(settings)
    try:
        await bot.login(settings.require_token())
        preload_if_unsynced(bot, tb)
    finally:
        await bot.close()


class InProcessBot:
    """A bot started in the current event loop, connected to the test bed."""

    def __init__(self, tb: TestBed, factory: BotFactory, settings: Settings) -> None:
        self.tb, self.factory, self.settings = tb, factory, settings
        self.bot: commands.Bot | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> commands.Bot:
        point_discord_at(self.settings.api_base, self.settings.gateway_url)
        bot = self.factory(self.settings)
        # The factory builds the bot as production does; only the test run shortens the on_ready delay.
        bot._connection.guild_ready_timeout = FAST_GUILD_READY_TIMEOUT
        identifies = self.tb.gateway.identifies
        await bot.login(self.settings.require_token())
        preload_if_unsynced(bot, self.tb)
        self.bot = bot
        self.tb.on_stop.append(self.stop)
        self._task = task = asyncio.create_task(bot.connect(reconnect=True), name="testbed-bot")
        await self.tb.wait_until(
            lambda: self.tb.gateway.identifies > identifies or task.done(), 10.0, what="the bot to IDENTIFY"
        )
        ready = asyncio.ensure_future(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=5.0, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task.done():
                task.result()  # re-raises why the bot stopped
            raise AssertionError("the bot connected but never became ready")
        return bot

    async def stop(self) -> None:
        if self.bot is not None and not self.bot.is_closed():
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 5.0)


class BotProcess:
    """The bot as a separate process (`quizbot run`), so a test can kill -9 it and start it again."""

    def __init__(
        self,
        tb: TestBed,
        command: Sequence[str],
        settings: Settings,
        log_path: Path,
        command_source: BotFactory | None = None,
    ) -> None:
        self.tb, self.command, self.settings, self.log_path = tb, list(command), settings, log_path
        self.env = process_env(settings)
        # Whose command tree to preload if the process registers none itself (it may sync only on demand).
        self.command_source = command_source
        self.proc: asyncio.subprocess.Process | None = None
        self.session: GatewaySession | None = None
        self._identifies_at_start = 0
        self.starts = 0

    async def start(self) -> None:
        self._identifies_at_start = self.tb.gateway.identifies
        self.starts += 1
        log = self.log_path.open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        finally:
            log.close()

    async def wait_connected(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109 - test-facing API
        """Wait for this start's IDENTIFY (READY and GUILD_CREATEs sent)."""
        try:
            await self.tb.wait_until(
                lambda: self.tb.gateway.identifies > self._identifies_at_start or self._exited(),
                timeout,
                what="the bot process to connect",
            )
        except AssertionError:
            raise AssertionError(
                f"bot process did not connect; its output:\n{self.output()[-3000:]}"
            ) from None
        if self.tb.gateway.identifies <= self._identifies_at_start:
            raise AssertionError(
                f"bot process exited with {self.proc.returncode if self.proc else None}:\n"
                f"{self.output()[-3000:]}"
            )
        self.session = self.tb.gateway.sessions[self._identifies_at_start]
        if self.command_source is not None and not any(self.tb.commands.values()):
            await preload_commands_from(self.tb, self.command_source, self.settings)

    def _exited(self) -> bool:
        return self.proc is not None and self.proc.returncode is not None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def kill9(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        session = self.session
        if session is not None:
            await self.tb.wait_until(lambda: not session.live, 5.0, what="the killed bot's gateway to drop")

    async def restart(self) -> None:
        await self.kill9()
        await self.start()
        await self.wait_connected()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5.0)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def process_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "QUIZBOT_"))}
    env.update(
        DISCORD_TOKEN=settings.require_token(),
        DISCORD_API_BASE=settings.api_base,
        DISCORD_GATEWAY_URL=settings.gateway_url,
        QUIZBOT_DB=str(settings.database),
        QUIZBOT_QUIZZES=str(settings.quizzes_dir),
        PYTHONUNBUFFERED="1",
    )
    return env
