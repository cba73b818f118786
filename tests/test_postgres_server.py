"""The suite's PostgreSQL is a real server, its fresh databases are separate, and the throw-away server
(tests/postgres_server.py) starts, stops, cleans up and fails in one clear line."""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests import postgres_server
from tests.postgres_databases import PostgresDatabases

ROOT = Path(__file__).resolve().parents[1]


async def test_the_server_is_a_real_postgresql(fresh_postgres_url: str) -> None:
    connection = await asyncpg.connect(fresh_postgres_url)
    try:
        version = await connection.fetchval("SELECT version()")
    finally:
        await connection.close()
    assert version.startswith("PostgreSQL "), version


async def test_a_unique_violation_raises(fresh_postgres_url: str) -> None:
    connection = await asyncpg.connect(fresh_postgres_url)
    try:
        await connection.execute("CREATE TABLE answers (member BIGINT, question INT, UNIQUE (member, question))")
        await connection.execute("INSERT INTO answers VALUES (1, 7)")
        with pytest.raises(asyncpg.UniqueViolationError):
            await connection.execute("INSERT INTO answers VALUES (1, 7)")
        assert await connection.fetchval("SELECT count(*) FROM answers") == 1
    finally:
        await connection.close()


async def test_two_fresh_databases_are_separate(postgres_database_factory: PostgresDatabases) -> None:
    first_url, second_url = await postgres_database_factory.create(), await postgres_database_factory.create()
    first, second = await asyncpg.connect(first_url), await asyncpg.connect(second_url)
    try:
        await first.execute("CREATE TABLE only_here (id INT)")
        assert await first.fetchval("SELECT to_regclass('only_here')::text") == "only_here"
        assert await second.fetchval("SELECT to_regclass('only_here')") is None
        assert await first.fetchval("SELECT current_database()") != await second.fetchval("SELECT current_database()")
    finally:
        await first.close()
        await second.close()
        await postgres_database_factory.drop(first_url)
        await postgres_database_factory.drop(second_url)


async def test_copies_of_a_template_hold_its_content_and_stay_separate(
    postgres_database_factory: PostgresDatabases,
) -> None:
    fills: list[str] = []

    async def fill(url: str) -> None:
        fills.append(url)
        connection = await asyncpg.connect(url)
        await connection.execute("CREATE TABLE quizzes (id TEXT PRIMARY KEY); INSERT INTO quizzes VALUES ('day48')")
        await connection.close()

    await postgres_database_factory.template("one quiz", fill)
    await postgres_database_factory.template("one quiz", fill)
    copies = [await postgres_database_factory.create(template="one quiz") for _ in range(2)]
    first, second = await asyncpg.connect(copies[0]), await asyncpg.connect(copies[1])
    try:
        await first.execute("INSERT INTO quizzes VALUES ('day49')")
        assert await first.fetchval("SELECT count(*) FROM quizzes") == 2
        assert await second.fetch("SELECT id FROM quizzes") == [("day48",)]
    finally:
        await first.close()
        await second.close()
    assert len(fills) == 1, "a template is filled once per session"


async def test_dropping_a_database_ends_its_sessions(
    postgres_database_factory: PostgresDatabases, postgres_server_url: str
) -> None:
    url = await postgres_database_factory.create()
    left_open = await asyncpg.connect(url)
    await postgres_database_factory.drop(url)
    admin = await asyncpg.connect(postgres_server_url)
    try:
        name = url.rsplit("/", 1)[1]
        assert await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name) == 0
    finally:
        await admin.close()
        left_open.terminate()


def test_the_server_module_needs_only_the_standard_library() -> None:
    """.ci/run starts the server with the machine's python3, before the venv exists."""
    tree = ast.parse((ROOT / "tests" / "postgres_server.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    foreign = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert foreign == set(), f"tests/postgres_server.py imports {foreign}"


def test_missing_binaries_fail_in_one_line_that_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(postgres_server.BIN_OVERRIDE, str(tmp_path))
    with pytest.raises(postgres_server.PostgresUnavailableError) as missing:
        postgres_server.start(tmp_path / "server")
    message = str(missing.value)
    assert "\n" not in message
    assert "apt-get install postgresql" in message
    assert "QUIZBOT_TEST_POSTGRES=postgresql://" in message


@pytest.fixture
def bin_folder_whose_server_cannot_start() -> Iterator[Path]:
    """The real initdb beside a pg_ctl that fails like a server that cannot start."""
    # Not tmp_path: as root the server's tools run as `postgres`, which cannot enter pytest's folders.
    initdb = postgres_server.find_bin_folder() / "initdb"
    folder = Path(tempfile.mkdtemp(prefix="quizbot-broken-postgres-"))
    folder.chmod(0o755)
    (folder / "initdb").symlink_to(initdb)
    pg_ctl = folder / "pg_ctl"
    pg_ctl.write_text("#!/bin/sh\necho 'pg_ctl: could not start server' >&2\nexit 1\n", encoding="utf-8")
    pg_ctl.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_a_server_that_cannot_start_fails_in_one_line_and_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, bin_folder_whose_server_cannot_start: Path
) -> None:
    monkeypatch.setenv(postgres_server.BIN_OVERRIDE, str(bin_folder_whose_server_cannot_start))
    server_folder = bin_folder_whose_server_cannot_start / "server"
    with pytest.raises(postgres_server.PostgresUnavailableError) as failed:
        postgres_server.start(server_folder)
    assert str(failed.value) == "PostgreSQL did not start: pg_ctl: could not start server"
    assert not server_folder.exists(), "a failed start removes its folder"


def _postmaster_pid(server_folder: Path) -> int:
    return int((server_folder / "data" / "postmaster.pid").read_text(encoding="utf-8").split()[0])


def _wait_until_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


async def test_a_throwaway_server_answers_and_stops_without_a_trace() -> None:
    server = postgres_server.start()
    pid = _postmaster_pid(server.folder)
    try:
        connection = await asyncpg.connect(server.url)
        assert await connection.fetchval("SELECT 1") == 1
        await connection.close()
    finally:
        server.stop()
    assert _wait_until_gone(pid, seconds=5), f"postmaster {pid} still runs after stop()"
    assert not server.folder.exists()


def test_the_guard_stops_the_server_when_its_owner_is_killed() -> None:
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tests import postgres_server; import time\n"
            "server = postgres_server.start()\n"
            "postgres_server.stop_when_owner_exits(server)\n"
            "print(server.folder, flush=True)\n"
            "time.sleep(120)\n",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    folder = Path(owner.stdout.readline().strip())
    pid = _postmaster_pid(folder)
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    owner.stdout.close()
    assert _wait_until_gone(pid, seconds=30), f"postmaster {pid} outlived its killed owner"
    deadline = time.monotonic() + 10
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not folder.exists(), "the guard removes the server's folder after stopping it"
