"""deploy/compose.postgres.yaml: one PostgreSQL and two bot processes whose shards add up to the whole bot.

There is no Docker engine here, so the file is read as YAML (anchors and merge keys resolved, as Compose
does) and its ${VAR} references are filled in the way Compose fills them from .env.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.settings import shard_settings
from tests.helpers import DEPLOY, fake_executable

COMPOSE_FILE = DEPLOY / "compose.postgres.yaml"
PASSWORD = "0123456789abcdef"  # what .env would hold


def _interpolated(value: str) -> str:
    """`value` after Compose's interpolation with POSTGRES_PASSWORD set; any other variable is a mistake."""
    filled = re.sub(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", PASSWORD, value)
    assert "$" not in filled, f"{value!r} uses a variable .env does not set, or one that may be empty"
    return filled


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def _bots() -> dict[str, dict[str, Any]]:
    return {name: service for name, service in _compose()["services"].items() if name != "postgres"}


def test_postgres_keeps_its_data_in_a_named_volume_and_is_healthy_only_when_bots_can_connect() -> None:
    compose = _compose()
    postgres = compose["services"]["postgres"]

    assert re.fullmatch(r"postgres:\d+", postgres["image"]), "the official image, major version pinned"
    (volume,) = postgres["volumes"]
    source, target = volume.split(":")
    assert source in compose["volumes"] and target == "/var/lib/postgresql/data"
    assert "${POSTGRES_PASSWORD:?" in postgres["environment"]["POSTGRES_PASSWORD"], "from .env, never written here"
    assert "ports" not in postgres, "only the bots on the project's network reach it"

    test = postgres["healthcheck"]["test"]
    assert test[:2] == ["CMD", "pg_isready"]
    # Over TCP: the image's set-up server listens on the Unix socket only.
    assert "--host=127.0.0.1" in test
    assert f"--dbname={postgres['environment']['POSTGRES_DB']}" in test
    assert postgres["restart"] in {"always", "unless-stopped"}


def test_the_two_bots_hold_every_shard_of_one_count_exactly_once() -> None:
    bots = _bots()
    assert set(bots) == {"bot-a", "bot-b"}

    counts = {bot["environment"]["QUIZBOT_SHARD_COUNT"] for bot in bots.values()}
    assert len(counts) == 1, "every process must use the same shard count"
    (count,) = counts
    held = {
        name: shard_settings(bot["environment"]["QUIZBOT_SHARDS"], bot["environment"]["QUIZBOT_SHARD_COUNT"])
        for name, bot in bots.items()
    }
    shards = sorted(shard for shard_set in held.values() if shard_set is not None for shard in shard_set.ids)
    assert shards == list(range(int(count))) == [0, 1, 2, 3]
    assert held["bot-a"] is not None and held["bot-a"].holds(0), "bot-a syncs the commands"


def test_each_bot_uses_the_postgres_service_once_it_is_healthy() -> None:
    postgres_env = _compose()["services"]["postgres"]["environment"]
    for name, bot in _bots().items():
        url = urlsplit(_interpolated(bot["environment"]["QUIZBOT_DB"]))
        assert url.scheme == "postgresql", name
        assert (url.hostname, url.port) == ("postgres", 5432), name
        assert url.username == postgres_env["POSTGRES_USER"] and url.path == f"/{postgres_env['POSTGRES_DB']}"
        assert url.password == _interpolated(postgres_env["POSTGRES_PASSWORD"]) == PASSWORD

        assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}, name
        assert bot["restart"].startswith("on-failure"), f"{name}: exit 2 (bad configuration) must stay down"
        # The entry point supervises (back-off, health file) only a bare `quizbot run`.
        assert "command" not in bot and "entrypoint" not in bot, name


def test_each_bot_has_its_own_state_volume_and_the_file_its_own_project() -> None:
    compose = _compose()
    data_volumes = []
    for bot in _bots().values():
        mounts = dict(volume.split(":")[:2] for volume in bot["volumes"])
        data_volumes.append(next(source for source, target in mounts.items() if target == "/data"))
    assert len(set(data_volumes)) == 2 and set(data_volumes) <= set(compose["volumes"]), "restart state per bot"
    # compose.yaml has no name, so its project is "deploy" (its folder); sharing it would mix containers.
    assert "name" not in yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert compose["name"] not in {"", "deploy"}


def test_a_refused_configuration_names_this_compose_file_in_its_recreate_hint(tmp_path: Path) -> None:
    (recreate,) = {bot["environment"]["QUIZBOT_RECREATE"] for bot in _bots().values()}
    assert f"-f deploy/{COMPOSE_FILE.name}" in recreate and "--env-file .env" in recreate

    fake_executable(tmp_path / "bin", "quizbot", 'echo "quizbot: DISCORD_TOKEN is not set" >&2\nexit 2\n')
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "QUIZBOT_RESTART_STATE": str(tmp_path / "state"),
        "QUIZBOT_PID_FILE": str(tmp_path / "quizbot.pid"),
        "QUIZBOT_REFUSED_FILE": str(tmp_path / "refused"),
        "QUIZBOT_RECREATE": recreate,
    }
    refused = subprocess.run(
        ["/bin/sh", str(DEPLOY / "entrypoint.sh")], env=env, capture_output=True, text=True, timeout=10
    )
    assert refused.returncode == 2
    assert f"Fix .env, then: {recreate}" in refused.stderr
    assert "deploy/compose.yaml" not in refused.stderr, "that would start the SQLite bot on the same token"
