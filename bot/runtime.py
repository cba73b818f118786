"""Running the bot process: logging, start-up, graceful shutdown on signals, and one-off command sync."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.app import QuizBot, create_bot
from bot.discord_endpoints import http_failure
from bot.domain.errors import EXIT_CONFIG, EXIT_FAILURE, ConfigError
from bot.domain.shards import ShardSet
from bot.logs import configure_logging
from bot.settings import Settings
from bot.storage import StorageError
from bot.storage.db_lock import DatabaseBusyError, held_by_bot
from bot.storage.maintenance import check_database_file

if TYPE_CHECKING:
    from bot.storage.shard_locks import ShardLocks

log = logging.getLogger(__name__)

# systemd waits 30 s (TimeoutStopSec) and Docker 10 s (stop_grace_period, raised to 30 s in compose.yaml)
# before SIGKILL; in-flight clicks need well under a second, so this leaves room for logging out.
SHUTDOWN_GRACE_SECONDS = 8.0
# Names discord.py gives the tasks that run one interaction or event: slash commands, button callbacks
# (views and dynamic items) and listeners. Waiting for them is how in-flight writes get to finish.
_EVENT_TASK_PREFIXES = ("CommandTree-invoker", "discord-ui-", "discord.py: ")
# A full (generation 2) garbage collection walks every live object. In a burst thousands of queued clicks
# are alive at once, and with Python's default (a full pass every 10 generation-1 passes once the heap
# grew by a quarter) 5,000 clicks in 1 s paused the event loop 6-10 times for 0.05-0.2 s each, about
# 1.2 s in all: the main reason clicks queued towards Discord's 3 s (docs/performance.md). Young cyclic
# garbage is still collected by generations 0 and 1; older garbage waits for a rarer full pass.
GC_THRESHOLDS = (700, 10, 100)


async def run_bot(settings: Settings, token: str) -> int:
    """Run until stopped; SIGTERM/SIGINT shut down gracefully (open runs resume on the next start)."""
    gc.set_threshold(*GC_THRESHOLDS)
    configure_logging(settings.log_level, settings.log_format, secrets=[token, *settings.secrets])
    try:
        # Before logging in: a wrong QUIZBOT_DB must not spend one of the day's 1,000 logins.
        if settings.db_url is not None:
            return await _run_on_server(settings, settings.db_url, token)
        await asyncio.to_thread(check_database_file, settings.db_path)
        with held_by_bot(settings.db_path):
            return await _run_until_stopped(settings, token)
    except ConfigError as error:
        log.error("%s", error)
        return EXIT_CONFIG
    except (DatabaseBusyError, StorageError) as error:
        log.error("%s", error)
        return EXIT_FAILURE


async def _run_on_server(settings: Settings, url: str, token: str) -> int:
    """PostgreSQL: hold this process's shards (refused if another process has one), then run.

    Taking the locks connects, so a wrong URL or password (exit 2) or a server that does not answer
    (exit 1) is reported before the login, as a wrong SQLite path is.
    """
    from bot.storage.shard_locks import ShardLocks  # asyncpg is loaded only by those who use it

    locks = await ShardLocks.take(url, settings.shards or ShardSet.unsharded())
    try:
        return await _run_until_stopped(settings, token, locks)
    finally:
        await locks.release()


async def _run_until_stopped(settings: Settings, token: str, locks: ShardLocks | None = None) -> int:
    bot = create_bot(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[str] = []
    lost_shards: list[str] = []

    def request_stop(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    def shards_lost(reason: str) -> None:
        # Another process holds one of our shards now: driving its servers too would post things twice.
        lost_shards.append(reason)
        stop.set()

    if locks is not None:
        locks.watch(shards_lost)

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, request_stop, sig)
    reloads: set[asyncio.Task[None]] = set()  # held until done, so a reload is never garbage-collected

    def request_reload() -> None:
        task = asyncio.create_task(reload_shared_quizzes(bot), name="quiz-reload")
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    with contextlib.suppress(NotImplementedError, AttributeError):  # no SIGHUP on Windows
        loop.add_signal_handler(signal.SIGHUP, request_reload)

    async def on_ready() -> None:
        user = bot.user
        log.info("connected to Discord as %s (%s) in %d guilds", user, user.id if user else "?", len(bot.guilds))

    bot.add_listener(on_ready)
    async with bot:
        try:
            runner = asyncio.create_task(bot.start(token))
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                if lost_shards:
                    log.error("stopping: %s", lost_shards[0])
                else:
                    log.info("received %s: shutting down", received[0] if received else "a stop request")
                await shut_down(bot)
                await asyncio.gather(runner, return_exceptions=True)
                log.info("quizbot shut down cleanly")
                if lost_shards:
                    return EXIT_FAILURE
            else:
                stopper.cancel()
                runner.result()
        except discord.LoginFailure:
            log.error(
                "Discord refused the token: reset it in the Developer Portal (Bot > Reset Token) "
                "and update DISCORD_TOKEN."
            )
            return EXIT_CONFIG
        except discord.PrivilegedIntentsRequired:
            log.error(
                "Discord refused a privileged intent; quizbot needs none, so this is a bug: please report it."
            )
            return EXIT_FAILURE
        except ConfigError as error:
            log.error("%s", error)
            return EXIT_CONFIG
        except StorageError as error:
            log.error("%s", error)
            return EXIT_FAILURE
        except aiohttp.ClientConnectionError as error:
            log.error("%s", unreachable_message(settings, error))
            return EXIT_FAILURE
        except discord.HTTPException as error:
            failure = http_failure(error, settings.api_base, dev_guild=settings.dev_guild_id)
            log.error("%s", failure.message)
            return failure.exit_code
        except Exception:
            # Logged (and so scrubbed of tokens) instead of Python's bare traceback; the supervisor restarts us.
            log.exception("quizbot stopped on an unexpected error")
            return 1
    return 0


async def reload_shared_quizzes(bot: QuizBot) -> None:
    """SIGHUP: re-read the shared quiz folder; a broken file keeps its last good version (logged)."""
    log.info("SIGHUP: reloading the quiz folder")
    try:
        await bot.reload_quizzes()
    except RuntimeError:
        log.warning("SIGHUP before the bot finished starting: the quiz folder is read at start-up anyway")


def unreachable_message(settings: Settings, error: Exception) -> str:
    """One line for a Discord that cannot be reached at all (DNS, firewall, wrong endpoint), not a traceback."""
    return (
        f"cannot reach Discord at {settings.api_base} ({error}): check the network connection and DNS, "
        "and DISCORD_API_BASE / DISCORD_GATEWAY_URL if you set them."
    )


def in_flight_tasks() -> set[asyncio.Task[object]]:
    """Interaction and event handlers still running (they may be about to write to the database)."""
    current = asyncio.current_task()
    return {
        task
        for task in asyncio.all_tasks()
        if task is not current and not task.done() and task.get_name().startswith(_EVENT_TASK_PREFIXES)
    }


async def shut_down(bot: QuizBot, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
    """Stop taking new runs, let running handlers finish their writes, log out, then close the database.

    Logging out comes before closing the database so that no event can arrive for a closed database;
    statements already queued on the connection still complete before it closes.
    """
    bot.shutting_down = True
    pending = in_flight_tasks()
    if pending:
        log.info("waiting up to %.0f s for %d in-flight handler(s)", grace, len(pending))
        _, unfinished = await asyncio.wait(pending, timeout=grace)
        if unfinished:
            log.warning("%d handler(s) still running after %.0f s; closing anyway", len(unfinished), grace)
    await bot.close()


async def sync_commands(settings: Settings, token: str) -> int:
    """Log in over REST only, register the commands, and exit."""
    configure_logging(settings.log_level, settings.log_format, secrets=[token, *settings.secrets])
    try:
        # The command tree's hash is stored in the database: a wrong QUIZBOT_DB is caught before the login.
        if settings.db_url is not None:
            from bot.storage.postgres import check_connection

            await check_connection(settings.db_url)
        else:
            await asyncio.to_thread(check_database_file, settings.db_path)
    except ConfigError as error:
        log.error("%s", error)
        return EXIT_CONFIG
    except StorageError as error:
        log.error("%s", error)
        return EXIT_FAILURE
    bot = create_bot(settings, sync_on_start=False)
    async with bot:
        try:
            await bot.login(token)
            count = await bot.sync_commands()
        except discord.LoginFailure:
            log.error("Discord refused the token: reset it in the Developer Portal and update DISCORD_TOKEN.")
            return EXIT_CONFIG
        except aiohttp.ClientConnectionError as error:
            log.error("%s", unreachable_message(settings, error))
            return EXIT_FAILURE
        except discord.HTTPException as error:
            failure = http_failure(error, settings.api_base, dev_guild=settings.dev_guild_id)
            log.error("%s", failure.message)
            return failure.exit_code
        except ConfigError as error:
            log.error("%s", error)
            return EXIT_CONFIG
        except StorageError as error:
            log.error("%s", error)
            return EXIT_FAILURE
    print(f"synced {count} slash commands")
    return 0
