"""A PostgreSQL server for the benchmarks: a throw-away one on loopback, or one named by URL.

    python -m bench.backends --postgres auto              # a throw-away server, data in the temp dir
    python -m bench.backends --postgres auto --pg-dir /dev/shm
    python -m bench.backends --postgres postgresql://user:pw@127.0.0.1:5432/postgres

Every bot gets a fresh database on it (dropped afterwards). The server's CPU is read from /proc: its
postmaster, every backend and helper it forked, and the backends it has already reaped, so the server
must run on this machine for that figure (it is 0 otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench.procstats import command_name, proc_stat
from bench.turns import database_place
from tests import postgres_server
from tests.postgres_databases import PostgresDatabases

AUTO = "auto"


@dataclass
class BenchPostgres:
    """A server the bench may create databases on; `postmaster_pid` is None when it is not on this machine."""

    server_url: str
    postmaster_pid: int | None
    # Where its data lives, what kind of file system that is, and the durability settings in force.
    facts: dict[str, str] = field(default_factory=dict)
    databases: PostgresDatabases = field(init=False)

    def __post_init__(self) -> None:
        self.databases = PostgresDatabases(self.server_url)

    async def fresh_database(self) -> str:
        return await self.databases.create()

    async def drop(self, url: str) -> None:
        await self.databases.drop(url)


async def _describe(url: str) -> tuple[int | None, dict[str, str]]:
    connection = await asyncpg.connect(url)
    try:
        postmaster: int | None = None
        # Read while the backend lives: it exits as its connection closes. The postmaster forked it.
        with contextlib.suppress(OSError):
            backend = int(await connection.fetchval("SELECT pg_backend_pid()"))
            # A server on another machine may have a backend whose pid is some other local process's.
            if command_name(backend).startswith("postgres"):
                postmaster = proc_stat(backend).ppid
        settings = {
            name: str(await connection.fetchval(f"SHOW {name}"))
            for name in (
                "server_version",
                "data_directory",
                "fsync",
                "synchronous_commit",
                "wal_sync_method",
                "shared_buffers",
                "max_connections",
            )
        }
    finally:
        await connection.close()
    if postmaster is not None:
        settings["data_directory"] = database_place(Path(settings["data_directory"]))
    return postmaster, settings


@asynccontextmanager
async def bench_postgres(url: str, data_parent: Path | None = None) -> AsyncIterator[BenchPostgres]:
    """`url` = "auto": start a throw-away server with its data under `data_parent` (the temp dir by default),
    stop and remove it afterwards. Any other value is the URL of a running server to use as it is."""
    folder: Path | None = None
    if url == AUTO:
        folder = Path(tempfile.mkdtemp(prefix="quizbot-bench-pg-", dir=data_parent))
        server = await asyncio.to_thread(postgres_server.start, folder)
        url = server.url
    try:
        postmaster, facts = await _describe(url)
        server_handle = BenchPostgres(url, postmaster, facts)
        try:
            yield server_handle
        finally:
            await server_handle.databases.drop_all()
    finally:
        if folder is not None:
            await asyncio.to_thread(postgres_server.stop, folder)
