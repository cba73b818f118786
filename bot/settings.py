"""Configuration, read once at start-up from the environment and `.env` into a typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.domain.database_target import describe, is_server_url, redacted, url_password
from bot.domain.errors import ConfigError
from bot.domain.shards import ShardSet

__all__ = ["ConfigError", "Secret", "Settings", "database_setting", "load_settings"]

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


class Secret:
    """A string that never shows itself in repr(), str() or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to run; built by `load_settings` and passed down explicitly."""

    token: Secret | None = None
    # The SQLite file, used unless db_url is set.
    db_path: Path = Path("quizbot.db")
    # QUIZBOT_DB as a PostgreSQL server URL (postgresql://...). Out of repr: it may carry a password.
    db_url: str | None = field(default=None, repr=False)
    quizzes_dir: Path = Path("quizzes")
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    log_format: str = "text"
    api_base: str = DISCORD_API_BASE
    gateway_url: str = DISCORD_GATEWAY_URL
    # None: one unsharded gateway connection, as a bot in under 2,500 servers needs (the default).
    shards: ShardSet | None = None
    # Every QUIZBOT_* value as given; out of repr, as QUIZBOT_DB may be a URL with a password.
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def database(self) -> Path | str:
        """What `open_storage` opens: the server URL when there is one, else the SQLite file."""
        return self.db_url if self.db_url is not None else self.db_path

    @property
    def on_server(self) -> bool:
        """Whether the database is a PostgreSQL server (several processes may share it) rather than a file."""
        return self.db_url is not None

    @property
    def database_label(self) -> str:
        """The database as messages name it: the file, or the URL without its password."""
        return describe(self.database)

    @property
    def secrets(self) -> list[str]:
        """What the log filter must never let through: the bot token and the database password."""
        found = [self.token.reveal()] if self.token is not None else []
        password = url_password(self.db_url) if self.db_url is not None else None
        return found + ([password] if password else [])

    def require_token(self) -> str:
        """Return the token, or raise ConfigError telling the admin how to provide one."""
        if self.token is None:
            raise ConfigError(
                "DISCORD_TOKEN is not set: copy .env.example to .env and paste your bot token "
                "(Discord Developer Portal > your application > Bot > Reset Token)."
            )
        return self.token.reveal()


def _check_token(raw: str) -> Secret:
    token = raw.strip()
    # A bot token is three base64url parts joined by dots; anything else is a paste error.
    parts = token.split(".")
    if len(parts) != 3 or not all(parts) or any(ch.isspace() for ch in token):
        raise ConfigError(
            "DISCORD_TOKEN looks malformed (expected three dot-separated parts, no spaces or quotes): "
            "copy the token again from the Developer Portal > Bot > Reset Token."
        )
    return Secret(token)


def _optional_int(name: str, raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a numeric Discord id, got {raw!r}.") from None


def _choice(name: str, raw: str | None, allowed: tuple[str, ...], default: str) -> str:
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    normalized = value.upper() if allowed is LOG_LEVELS else value.lower()
    if normalized not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}.")
    return normalized


def _endpoint(name: str, raw: str | None, schemes: tuple[str, ...], default: str) -> str:
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    scheme, separator, rest = value.partition("://")
    # Caught here, or aiohttp fails at login with a traceback that does not name the setting.
    if not separator or scheme.lower() not in schemes or not rest.split("/")[0]:
        raise ConfigError(
            f"{name} must be a {' or '.join(f'{s}://' for s in schemes)} URL, got {raw!r}; "
            "leave it empty to use Discord itself."
        )
    return value


def database_setting(raw: str | None, *, name: str = "QUIZBOT_DB") -> Path | str:
    """QUIZBOT_DB (or --db): a `postgresql://` URL, or else a SQLite file path (quizbot.db when empty)."""
    text = (raw or "").strip()
    if not is_server_url(text):
        return Path(raw) if raw else Path("quizbot.db")
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ConfigError(f"{name} {redacted(text)} has a port that is not a number: check the URL.") from None
    return text


def shard_settings(shards: str | None, shard_count: str | None, *, via: str = "settings") -> ShardSet | None:
    """The shards this process holds, from QUIZBOT_SHARDS / QUIZBOT_SHARD_COUNT (or --shards / --shard-count).

    Neither set: unsharded. A count alone: every shard of it in this process. Shard ids need the count.
    """
    names = ("--shards", "--shard-count") if via == "flags" else ("QUIZBOT_SHARDS", "QUIZBOT_SHARD_COUNT")
    ids_text = (shards or "").strip()
    count_text = (shard_count or "").strip()
    if not ids_text and not count_text:
        return None
    if not count_text:
        raise ConfigError(
            f"{names[0]} needs {names[1]} too: the total number of shards across all processes "
            f"(e.g. {names[0]} 0-3 with {names[1]} 8)."
        )
    try:
        count = int(count_text)
    except ValueError:
        raise ConfigError(f"{names[1]} must be a whole number of shards, got {shard_count!r}.") from None
    try:
        return ShardSet.parse(ids_text, count) if ids_text else ShardSet.all_of(count)
    except ValueError as error:
        raise ConfigError(f"{names[0]}={ids_text!r} with {names[1]}={count_text}: {error}.") from None


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Build Settings from `.env` (if present) overlaid by the real environment."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    raw_token = values.get("DISCORD_TOKEN", "").strip()
    database = database_setting(values.get("QUIZBOT_DB"))
    return Settings(
        token=_check_token(raw_token) if raw_token else None,
        db_path=database if isinstance(database, Path) else Path("quizbot.db"),
        db_url=database if isinstance(database, str) else None,
        quizzes_dir=Path(values.get("QUIZBOT_QUIZZES") or "quizzes"),
        dev_guild_id=_optional_int("QUIZBOT_DEV_GUILD", values.get("QUIZBOT_DEV_GUILD")),
        log_level=_choice("LOG_LEVEL", values.get("LOG_LEVEL"), LOG_LEVELS, "INFO"),
        log_format=_choice("LOG_FORMAT", values.get("LOG_FORMAT"), LOG_FORMATS, "text"),
        api_base=_endpoint(
            "DISCORD_API_BASE", values.get("DISCORD_API_BASE"), ("https", "http"), DISCORD_API_BASE
        ).rstrip("/"),
        gateway_url=_endpoint(
            "DISCORD_GATEWAY_URL", values.get("DISCORD_GATEWAY_URL"), ("wss", "ws"), DISCORD_GATEWAY_URL
        ),
        shards=shard_settings(values.get("QUIZBOT_SHARDS"), values.get("QUIZBOT_SHARD_COUNT")),
        extra={k: v for k, v in values.items() if k.startswith("QUIZBOT_")},
    )
