"""`quizbot doctor`: check what a self-hosted bot needs and say what to fix, one line per finding."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, TextIO

import aiohttp
import discord

from bot.discord_endpoints import http_failure, point_discord_at
from bot.domain.database_target import redacted
from bot.domain.errors import EXIT_CONFIG, EXIT_FAILURE
from bot.domain.shards import ShardState
from bot.quizfiles import QuizCatalog
from bot.settings import ConfigError, Settings, load_settings
from bot.storage.database import StorageError
from bot.storage.db_lock import bot_is_running
from bot.storage.maintenance import check_database_file, daily_channels, inspect, shard_states
from bot.storage.migrations import MIGRATIONS

if TYPE_CHECKING:
    from bot.storage.shard_locks import HeldShard

# Past this the WAL is not being checkpointed (a long-lived reader, or a disk that refuses writes).
WAL_WARN_BYTES = 64 * 1024 * 1024
MAX_QUIZ_PROBLEMS_SHOWN = 10
# What posting a daily question needs in its channel: see it, post, embed, and find its earlier posts.
DAILY_CHANNEL_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True
)


class Level(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    level: Level
    area: str
    message: str
    # A failure that a setting must fix: `quizbot run` stops on it with exit 2, and so does the doctor.
    setting: bool = False

    def __str__(self) -> str:
        return f"[{self.level.value:^4}] {self.area}: {self.message}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: Level, area: str, message: str, *, setting: bool = False) -> None:
        self.findings.append(Finding(level, area, message, setting))

    @property
    def failures(self) -> int:
        return sum(f.level is Level.FAIL for f in self.findings)

    @property
    def exit_code(self) -> int:
        """0: nothing to fix; 2: a setting to fix first (as `quizbot run` would exit); 1: other problems."""
        if any(f.level is Level.FAIL and f.setting for f in self.findings):
            return EXIT_CONFIG
        return EXIT_FAILURE if self.failures else 0


def run_doctor_cli(*, offline: bool = False, out: TextIO = sys.stdout) -> int:
    from bot.logs import configure_logging

    try:
        settings = load_settings()
    except ConfigError as error:
        print(Finding(Level.FAIL, "config", str(error)), file=out)
        return EXIT_CONFIG
    token = settings.token.reveal() if settings.token else ""
    # Only errors from libraries: the doctor's own findings already say what the warnings would.
    configure_logging("ERROR", settings.log_format, secrets=[token, *settings.secrets])
    return asyncio.run(run_doctor(settings, out=out, offline=offline))


async def run_doctor(settings: Settings, *, out: TextIO, offline: bool = False) -> int:
    """Print every finding; exit 0 when nothing needs fixing, else `Report.exit_code`."""
    report = Report()
    check_config(settings, report)
    if settings.db_url is not None:
        channels = await check_server_database(settings.db_url, report)
    else:
        channels = await asyncio.to_thread(check_database, settings, report)
    await asyncio.to_thread(check_quizzes, settings, report)
    if offline:
        report.add(Level.WARN, "discord", "skipped (--offline)")
    elif settings.token is None:
        report.add(Level.WARN, "discord", "skipped: no DISCORD_TOKEN to check the token and permissions with")
    else:
        await check_discord(settings, settings.token.reveal(), channels, report)
    for finding in report.findings:
        print(finding, file=out)
    if report.failures:
        print(f"{report.failures} problem(s) to fix; see docs/operations.md", file=out)
        return report.exit_code
    print("everything quizbot needs looks fine", file=out)
    return 0


def check_config(settings: Settings, report: Report) -> None:
    where = "to dev guild " + str(settings.dev_guild_id) if settings.dev_guild_id else "globally"
    report.add(
        Level.OK,
        "config",
        f"settings load; commands sync {where}; LOG_LEVEL={settings.log_level} LOG_FORMAT={settings.log_format}",
    )
    try:
        settings.require_token()
    except ConfigError as error:
        # `quizbot run` stops on this with exit 2, so the doctor cannot call the setup fine.
        report.add(Level.FAIL, "config", str(error), setting=True)


def check_database(settings: Settings, report: Report) -> list[tuple[int, int]]:
    """Version, integrity and WAL of the database; returns the daily channels it schedules."""
    path = settings.db_path
    try:
        # The checks `quizbot run` makes before logging in; a failure here stops it with exit 2.
        check_database_file(path)
    except ConfigError as error:
        report.add(Level.FAIL, "database", str(error), setting=True)
        return []
    if not path.is_file():
        report.add(Level.WARN, "database", f"{path} does not exist yet; `quizbot run` creates it")
        return []
    try:
        facts = inspect(path)
    except Exception as error:  # sqlite3.DatabaseError: damaged past its header, or unreadable
        report.add(Level.FAIL, "database", f"cannot read {path} ({error}): restore a backup (quizbot restore)")
        return []
    known = len(MIGRATIONS)
    if facts.schema_version > known:
        report.add(
            Level.FAIL,
            "database",
            f"schema version {facts.schema_version} is newer than this quizbot ({known}): upgrade quizbot",
        )
    elif facts.schema_version < known:
        report.add(
            Level.OK, "database", f"schema version {facts.schema_version}; the next start migrates it to {known}"
        )
    else:
        report.add(Level.OK, "database", f"{path}: schema version {known}")
    if facts.intact:
        report.add(Level.OK, "database", "integrity_check ok")
    else:
        report.add(
            Level.FAIL,
            "database",
            f"integrity_check found: {'; '.join(facts.integrity[:3])}. Stop the bot and restore the latest "
            "backup (quizbot restore BACKUP.db)",
        )
    wal = path.with_name(path.name + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    if facts.journal_mode != "wal":
        report.add(Level.WARN, "database", f"journal_mode is {facts.journal_mode}; the next start switches it to WAL")
    elif wal_size > WAL_WARN_BYTES:
        report.add(
            Level.WARN,
            "database",
            f"WAL file is {wal_size // 1_048_576} MiB: something keeps a read open; restart the bot to checkpoint it",
        )
    else:
        report.add(Level.OK, "database", f"WAL mode, WAL file {wal_size // 1024} KiB")
    running = bot_is_running(path)
    report.add(Level.OK, "database", "a bot process is using it" if running else "no bot process is using it")
    if facts.is_quizbot:
        check_shards(shard_states(path), running, report)
    return daily_channels(path) if facts.is_quizbot else []


async def check_server_database(url: str, report: Report) -> list[tuple[int, int]]:
    """PostgreSQL: that it answers, its schema version, and which shards running processes hold."""
    from bot.storage.pg_maintenance import inspect_server  # asyncpg is loaded only by those who use it
    from bot.storage.pg_migrations import PG_MIGRATIONS

    where = redacted(url)
    try:
        facts = await inspect_server(url)
    except ConfigError as error:  # a wrong URL, password, role or database name: `quizbot run` exits 2 on it
        report.add(Level.FAIL, "database", str(error), setting=True)
        return []
    except StorageError as error:
        report.add(Level.FAIL, "database", str(error))
        return []
    if not facts.is_quizbot:
        report.add(
            Level.WARN,
            "database",
            f"{where} (PostgreSQL {facts.server_version}) has no quizbot tables yet; `quizbot run` creates them",
        )
        return []
    known = len(PG_MIGRATIONS)
    version = facts.schema_version
    if version > known:
        report.add(
            Level.FAIL, "database", f"schema version {version} is newer than this quizbot ({known}): upgrade quizbot"
        )
    elif version < known:
        report.add(Level.OK, "database", f"{where}: schema version {version}; the next start migrates it to {known}")
    else:
        report.add(Level.OK, "database", f"{where} (PostgreSQL {facts.server_version}): schema version {known}")
    processes = len({held.pid for held in facts.held})
    report.add(
        Level.OK,
        "database",
        f"{processes} bot process(es) hold shards on it" if processes else "no bot process is using it",
    )
    check_held_shards(facts.shard_states, facts.held, report)
    return facts.daily_channels


def check_held_shards(states: list[ShardState], held: list[HeldShard], report: Report) -> None:
    """PostgreSQL: a shard is served when a live process holds its lock; its gateway state says if it is up."""
    if not held:
        check_shards(states, False, report)
        return
    recorded = {state.shard_id: state for state in states}
    count = held[0].shard_count
    held_ids = {h.shard_id for h in held}
    if count == 1 and held_ids == {0} and not states:
        return  # one unsharded process: "a bot process is using it" said everything
    for shard_id in range(count):
        state = recorded.get(shard_id)
        if shard_id not in held_ids:
            report.add(
                Level.WARN,
                "shards",
                f"shard {shard_id} of {count} is held by no running process: its servers get no live quizzes or "
                "daily posts; start the process for its range",
            )
        elif state is None or state.shard_count != count:
            report.add(Level.OK, "shards", f"shard {shard_id} of {count} is held by a process, not connected yet")
        else:
            check_shards([state], True, report)


def check_shards(states: list[ShardState], running: bool, report: Report) -> None:
    """Which gateway shards the bot last reported up or down (a sharded bot records them as they change)."""
    if not states:
        return
    if not running:
        report.add(Level.OK, "shards", f"last run held shard(s) {', '.join(str(s.shard_id) for s in states)}")
        return
    for state in states:
        since = f"since {state.since:%Y-%m-%d %H:%M:%S} UTC"
        if state.up:
            report.add(Level.OK, "shards", f"shard {state.shard_id} of {state.shard_count} is up ({since})")
        else:
            report.add(
                Level.WARN,
                "shards",
                f"shard {state.shard_id} of {state.shard_count} is disconnected ({since}); discord.py reconnects it "
                "by itself, restart the bot if it stays down",
            )


def check_quizzes(settings: Settings, report: Report) -> None:
    catalog = QuizCatalog.load(settings.quizzes_dir)
    problems = list(catalog.problems())
    count = len(catalog.ids())
    level = Level.OK if count else Level.WARN
    report.add(level, "quizzes", f"{count} quiz(zes) load from {settings.quizzes_dir}")
    for problem in problems[:MAX_QUIZ_PROBLEMS_SHOWN]:
        report.add(Level.FAIL, "quizzes", f"{problem} (this quiz is not offered until fixed)")
    if len(problems) > MAX_QUIZ_PROBLEMS_SHOWN:
        rest = len(problems) - MAX_QUIZ_PROBLEMS_SHOWN
        report.add(Level.FAIL, "quizzes", f"... and {rest} more: run `quizbot validate` for all of them")


async def check_discord(settings: Settings, token: str, channels: Iterable[tuple[int, int]], report: Report) -> None:
    """Log in over REST (no gateway, so no IDENTIFY is spent) and check guilds and channel permissions."""
    point_discord_at(settings.api_base, settings.gateway_url)
    client = discord.Client(intents=discord.Intents.none())
    try:
        try:
            await client.login(token)
        except discord.LoginFailure:
            report.add(
                Level.FAIL,
                "discord",
                "the token was refused: reset it (Developer Portal > Bot > Reset Token) and update DISCORD_TOKEN",
                setting=True,
            )
            return
        except (aiohttp.ClientError, OSError) as error:
            report.add(Level.FAIL, "discord", f"cannot reach {settings.api_base} ({error}): check the network")
            return
        except discord.HTTPException as error:
            _add_http_failure(report, error, settings)
            return
        me = client.user
        assert me is not None
        report.add(Level.OK, "discord", f"token valid: logged in as {me} ({me.id})")
        try:
            guilds = {guild.id: guild async for guild in client.fetch_guilds(limit=None)}
        except discord.HTTPException as error:
            _add_http_failure(report, error, settings)
            return
        if guilds:
            names = ", ".join(sorted(g.name for g in guilds.values())[:5])
            report.add(Level.OK, "discord", f"in {len(guilds)} server(s): {names}")
        else:
            report.add(
                Level.WARN,
                "discord",
                "the bot is in no server: invite it (OAuth2 URL with the bot and applications.commands scopes)",
            )
        for guild_id, channel_id in channels:
            if guild_id not in guilds:
                report.add(
                    Level.FAIL,
                    "discord",
                    f"a daily schedule posts in server {guild_id}, which the bot has left: "
                    "invite it again or remove the schedule",
                )
                continue
            try:
                await _check_channel(client, guild_id, channel_id, me.id, report)
            except discord.HTTPException as error:
                _add_http_failure(report, error, settings)
                return
    finally:
        await client.close()


def _add_http_failure(report: Report, error: discord.HTTPException, settings: Settings) -> None:
    failure = http_failure(error, settings.api_base)
    report.add(Level.FAIL, "discord", failure.message, setting=failure.exit_code == EXIT_CONFIG)


async def _check_channel(client: discord.Client, guild_id: int, channel_id: int, me: int, report: Report) -> None:
    http = client.http
    try:
        channel = await http.get_channel(channel_id)
        guild = await http.get_guild(guild_id)
        roles = await http.get_roles(guild_id)
        member = await http.get_member(guild_id, me)
    except discord.Forbidden:
        report.add(
            Level.FAIL,
            "discord",
            f"the bot cannot see daily channel {channel_id}: give its role View Channel there",
        )
        return
    except discord.NotFound:
        report.add(
            Level.FAIL,
            "discord",
            f"daily channel {channel_id} no longer exists: remove or move that daily schedule",
        )
        return
    granted = discord.Permissions(effective_permissions(guild, roles, member, channel, me))
    missing = [name for name, needed in DAILY_CHANNEL_PERMISSIONS if needed and not getattr(granted, name)]
    label = f"#{channel.get('name', channel_id)} ({guild.get('name', guild_id)})"
    if missing:
        pretty = ", ".join(name.replace("_", " ").title() for name in missing)
        report.add(
            Level.FAIL,
            "discord",
            f"daily channel {label} is missing {pretty}: allow these for the bot's role in the channel settings",
        )
    else:
        report.add(Level.OK, "discord", f"daily channel {label}: permissions ok")


def effective_permissions(
    guild: Mapping[str, Any],
    roles: Sequence[Mapping[str, Any]],
    member: Mapping[str, Any],
    channel: Mapping[str, Any],
    me: int,
) -> int:
    """Discord's permission algorithm: @everyone and role grants, then the channel's overwrites in order."""
    everything = discord.Permissions.all().value
    if int(guild.get("owner_id", 0)) == me:
        return everything
    guild_id = int(guild["id"])
    by_role = {int(r["id"]): int(r["permissions"]) for r in roles}
    my_roles = {int(r) for r in member.get("roles", [])}
    base = by_role.get(guild_id, 0)
    for role_id in my_roles:
        base |= by_role.get(role_id, 0)
    if base & discord.Permissions(administrator=True).value:
        return everything
    overwrites = channel.get("permission_overwrites", [])

    def apply(matching: list[dict[str, Any]], value: int) -> int:
        allow = deny = 0
        for overwrite in matching:
            allow |= int(overwrite.get("allow", 0))
            deny |= int(overwrite.get("deny", 0))
        return (value & ~deny) | allow

    base = apply([o for o in overwrites if int(o["type"]) == 0 and int(o["id"]) == guild_id], base)
    base = apply([o for o in overwrites if int(o["type"]) == 0 and int(o["id"]) in my_roles], base)
    return apply([o for o in overwrites if int(o["type"]) == 1 and int(o["id"]) == me], base)
