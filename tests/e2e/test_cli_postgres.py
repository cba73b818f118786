"""The command line on a PostgreSQL URL (QUIZBOT_DB or --db): every failure one line with the right exit code, the
password never printed, `run` checks the server before it logs in, backups pointed at pg_dump, the ops work,
and the doctor reports the schema version and which shards running processes hold."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.domain.database_target import redacted
from bot.domain.shards import ShardSet, ShardState
from bot.settings import Settings
from bot.storage import open_storage
from bot.storage.pg_migrations import PG_MIGRATIONS
from bot.storage.shard_locks import ShardLocks
from tests.discord_testbed.runner import process_env
from tests.discord_testbed.testbed import TestBed
from tests.helpers import aquizbot, error_lines, quizbot

PASSWORD_MARK = "pw-never-printed"
TINY_QUIZ = """\
title: Tiny
questions:
  - id: one
    prompt: Which letter comes first?
    choices: ["A", "B"]
    answer: A
"""


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}:{password}@{parts.hostname}:{parts.port or 5432}"
    return parts._replace(netloc=netloc).geturl()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unreachable_url() -> str:
    return f"postgresql://quizbot:{PASSWORD_MARK}@127.0.0.1:{free_port()}/quizbot"


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr and PASSWORD_MARK not in stderr, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("quizbot: "), stderr
    return stderr


@pytest.fixture
async def migrated_url(fresh_postgres_url: str) -> str:
    storage = await open_storage(fresh_postgres_url)
    await storage.close()
    return fresh_postgres_url


async def test_run_with_a_wrong_password_is_one_line_exit_2_and_no_login(
    testbed: TestBed, bot_settings: Settings, fresh_postgres_url: str, tmp_path: Path
) -> None:
    wrong = with_password(fresh_postgres_url, PASSWORD_MARK)
    result = await aquizbot("run", env=process_env(replace(bot_settings, db_url=wrong)), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert PASSWORD_MARK not in result.stderr and "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert "password authentication failed" in line and "QUIZBOT_DB" in line, line
    assert testbed.requests == [], "a wrong database setting spends no Discord login"


async def test_run_against_a_server_that_does_not_answer_is_one_line_exit_1_and_no_login(
    testbed: TestBed, bot_settings: Settings, tmp_path: Path
) -> None:
    result = await aquizbot("run", env=process_env(replace(bot_settings, db_url=unreachable_url())), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert PASSWORD_MARK not in result.stderr and "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert "cannot reach PostgreSQL at postgresql://quizbot@127.0.0.1:" in line, line
    assert testbed.requests == []


@pytest.mark.parametrize("command", ["backup", "restore"])
@pytest.mark.parametrize("given", ["--db", "QUIZBOT_DB"])
def test_backup_and_restore_of_a_server_point_at_pg_dump_in_one_line(tmp_path: Path, command: str, given: str) -> None:
    url = unreachable_url()
    args = [command, str(tmp_path / "file.db")]
    env = {}
    if given == "--db":
        args += ["--db", url]
    else:
        env["QUIZBOT_DB"] = url
    result = quizbot(*args, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = one_line(result.stderr)
    assert "pg_dump -Fc" in line and "pg_restore" in line and "postgresql://quizbot@127.0.0.1:" in line, line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["export", "--guild", "1", "-o", "a.csv"], 1),
        (["forget", "123"], 1),
        (["rescore", "tiny"], 1),
    ],
)
def test_ops_on_a_server_that_does_not_answer_are_one_line_and_exit_1(
    quizzes_env: dict[str, str], tmp_path: Path, args: list[str], code: int
) -> None:
    result = quizbot(*args, "--db", unreachable_url(), env=quizzes_env, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert "cannot reach PostgreSQL" in one_line(result.stderr)


def test_ops_with_a_wrong_password_are_one_line_and_exit_2(fresh_postgres_url: str, tmp_path: Path) -> None:
    wrong = with_password(fresh_postgres_url, PASSWORD_MARK)
    result = quizbot("forget", "123", "--db", wrong, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "password authentication failed" in one_line(result.stderr)


@pytest.fixture
def quizzes_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "tiny.yaml").write_text(TINY_QUIZ, encoding="utf-8")
    return {"QUIZBOT_QUIZZES": "quizzes"}


async def test_export_works_on_a_url(migrated_url: str, tmp_path: Path) -> None:
    exported = await aquizbot("export", "--guild", "1", "-o", "a.csv", "--db", migrated_url, cwd=tmp_path)
    assert (exported.returncode, exported.stdout.strip()) == (0, "wrote 0 answers to a.csv"), exported.stderr
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").count("\n") == 1, "the header line alone"


async def test_forget_works_on_a_url_from_quizbot_db(migrated_url: str, tmp_path: Path) -> None:
    forgot = await aquizbot("forget", "123", env={"QUIZBOT_DB": migrated_url}, cwd=tmp_path)
    assert forgot.returncode == 0, forgot.stderr
    assert forgot.stdout.strip() == "nothing stored for member 123 in every server: no answers to forget"


async def test_rescore_works_on_a_url(migrated_url: str, quizzes_env: dict[str, str], tmp_path: Path) -> None:
    rescored = await aquizbot("rescore", "tiny", "--db", migrated_url, env=quizzes_env, cwd=tmp_path)
    assert rescored.returncode == 0, rescored.stderr
    assert rescored.stdout.startswith("rescored tiny: 0 answers changed"), rescored.stdout


async def test_doctor_reports_the_schema_version_and_which_shards_running_processes_hold(
    migrated_url: str, tmp_path: Path
) -> None:
    storage = await open_storage(migrated_url)
    try:
        since = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
        for shard_id in (0, 1):
            state = ShardState(shard_id, 4, True, since)
            await storage.settings.set_meta(state.key, state.encode())
    finally:
        await storage.close()
    # A process holding shards 0-1 of 4; none holds 2-3.
    locks = await ShardLocks.take(migrated_url, ShardSet.parse("0-1", 4))
    try:
        result = await aquizbot("doctor", "--offline", env={"QUIZBOT_DB": migrated_url}, cwd=tmp_path)
    finally:
        await locks.release()
    out = result.stdout
    assert f"[ ok ] database: {redacted(migrated_url)} (PostgreSQL " in out, out
    assert f"schema version {len(PG_MIGRATIONS)}" in out
    assert "[ ok ] database: 1 bot process(es) hold shards on it" in out, out
    assert "[ ok ] shards: shard 0 of 4 is up (since 2026-12-02 09:30:00 UTC)" in out, out
    assert "[ ok ] shards: shard 1 of 4 is up" in out
    assert "[warn] shards: shard 2 of 4 is held by no running process" in out
    assert "[warn] shards: shard 3 of 4 is held by no running process" in out
    password = urlsplit(migrated_url).password
    assert password is None or password not in out + result.stderr


async def test_doctor_with_a_wrong_password_fails_the_database_check_with_exit_2(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    wrong = with_password(fresh_postgres_url, PASSWORD_MARK)
    result = await aquizbot("doctor", "--offline", env={"QUIZBOT_DB": wrong}, cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("[FAIL] database:")]
    assert "password authentication failed" in line and PASSWORD_MARK not in result.stdout + result.stderr
