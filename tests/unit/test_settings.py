"""Configuration from the environment and .env."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.shards import ShardSet
from bot.settings import DISCORD_API_BASE, ConfigError, Secret, load_settings, shard_settings

TOKEN = "TEST.fake-token.for-settings-tests"


def test_defaults_without_anything(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=tmp_path / "missing.env")
    assert settings.token is None
    assert (settings.db_path, settings.quizzes_dir, settings.dev_guild_id) == (
        Path("quizbot.db"),
        Path("quizzes"),
        None,
    )
    assert (settings.log_level, settings.log_format, settings.api_base) == ("INFO", "text", DISCORD_API_BASE)
    with pytest.raises(ConfigError, match=r"DISCORD_TOKEN is not set: copy \.env\.example to \.env"):
        settings.require_token()


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={TOKEN}\nQUIZBOT_DB=from-file.db\nLOG_LEVEL=debug\n")
    settings = load_settings({"QUIZBOT_DB": "from-env.db", "QUIZBOT_DEV_GUILD": "123"}, env_file=env_file)
    assert settings.require_token() == TOKEN
    assert (settings.db_path, settings.dev_guild_id, settings.log_level) == (Path("from-env.db"), 123, "DEBUG")


def test_token_never_shows_in_repr(tmp_path: Path) -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN}, env_file=None)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.token)
    assert settings.token == Secret(TOKEN)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DISCORD_TOKEN": "not a token"}, "DISCORD_TOKEN looks malformed"),
        ({"DISCORD_TOKEN": '"a.b.c"x y'}, "DISCORD_TOKEN looks malformed"),
        ({"QUIZBOT_DEV_GUILD": "my-server"}, "QUIZBOT_DEV_GUILD must be a numeric Discord id"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG, INFO"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of text, json"),
        ({"DISCORD_API_BASE": "notaurl"}, r"DISCORD_API_BASE must be a https:// or http:// URL, got 'notaurl'"),
        ({"DISCORD_API_BASE": "ftp://example.org/api"}, "DISCORD_API_BASE must be a https:// or http:// URL"),
        ({"DISCORD_GATEWAY_URL": "https://gateway.example"}, "DISCORD_GATEWAY_URL must be a wss:// or ws:// URL"),
        ({"DISCORD_GATEWAY_URL": "wss://"}, "DISCORD_GATEWAY_URL must be a wss:// or ws:// URL"),
        ({"QUIZBOT_SHARDS": "0-3"}, "QUIZBOT_SHARDS needs QUIZBOT_SHARD_COUNT too"),
        ({"QUIZBOT_SHARDS": "0-3", "QUIZBOT_SHARD_COUNT": "four"}, "QUIZBOT_SHARD_COUNT must be a whole number"),
        ({"QUIZBOT_SHARDS": "0-4", "QUIZBOT_SHARD_COUNT": "4"}, "shard id 4 is outside 0-3"),
        ({"QUIZBOT_SHARDS": "zero", "QUIZBOT_SHARD_COUNT": "4"}, "not a list of shard ids like 0-3 or 0,2"),
        ({"QUIZBOT_SHARD_COUNT": "0"}, "the shard count must be between 1 and"),
    ],
)
def test_malformed_values_say_what_to_do(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ, env_file=None)


def test_test_bed_endpoints(tmp_path: Path) -> None:
    settings = load_settings(
        {"DISCORD_API_BASE": "http://127.0.0.1:9/api/v10/", "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gw"},
        env_file=None,
    )
    assert (settings.api_base, settings.gateway_url) == ("http://127.0.0.1:9/api/v10", "ws://127.0.0.1:9/gw")


def test_shards_default_to_unsharded_and_come_from_the_settings() -> None:
    assert load_settings({}, env_file=None).shards is None
    sharded = load_settings({"QUIZBOT_SHARDS": "0-3", "QUIZBOT_SHARD_COUNT": "8"}, env_file=None).shards
    assert sharded == ShardSet((0, 1, 2, 3), 8)
    # A count alone: this one process holds every shard of it.
    assert load_settings({"QUIZBOT_SHARD_COUNT": "2"}, env_file=None).shards == ShardSet((0, 1), 2)


def test_shard_flags_name_themselves_in_errors() -> None:
    with pytest.raises(ConfigError, match=r"--shards needs --shard-count too"):
        shard_settings("0-1", None, via="flags")
    assert shard_settings("0,2", "4", via="flags") == ShardSet((0, 2), 4)


SERVER_URL = "postgresql://quizbot:s3cret-pw@db.example:5433/quizbot"


def test_a_postgresql_url_in_quizbot_db_is_the_database_and_its_password_stays_hidden() -> None:
    settings = load_settings({"QUIZBOT_DB": SERVER_URL, "DISCORD_TOKEN": TOKEN}, env_file=None)
    assert settings.on_server and settings.db_url == SERVER_URL and settings.database == SERVER_URL
    assert settings.database_label == "postgresql://quizbot@db.example:5433/quizbot"
    assert "s3cret-pw" not in repr(settings)
    assert settings.secrets == [TOKEN, "s3cret-pw"]


def test_a_path_in_quizbot_db_stays_a_sqlite_file() -> None:
    settings = load_settings({"QUIZBOT_DB": "data/quiz.db"}, env_file=None)
    assert not settings.on_server and settings.db_url is None
    assert settings.database == Path("data/quiz.db") and settings.database_label == "data/quiz.db"
    assert settings.secrets == []


def test_a_server_url_with_a_port_that_is_not_a_number_is_refused_without_its_password() -> None:
    with pytest.raises(ConfigError, match="port that is not a number") as refused:
        load_settings({"QUIZBOT_DB": "postgresql://quizbot:s3cret-pw@db.example:54x2/quizbot"}, env_file=None)
    assert "s3cret-pw" not in str(refused.value)
