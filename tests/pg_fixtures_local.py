"""Stand-ins for the suite's shared PostgreSQL fixtures until they land in tests/conftest.py (branch pgtests).

QUIZBOT_TEST_POSTGRES names a server; each test gets a fresh database on it, dropped WITH (FORCE) after.
Unset, every test that needs PostgreSQL fails: a missing database never passes as a skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest

TEST_POSTGRES = "QUIZBOT_TEST_POSTGRES"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get(TEST_POSTGRES)
    if not url:
        pytest.fail(f"{TEST_POSTGRES} is not set: point it at a PostgreSQL server (postgresql://user:pw@host:port/db)")
    return url


@pytest.fixture
async def fresh_postgres_url(postgres_server_url: str) -> AsyncIterator[str]:
    name = f"quizbot_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(postgres_server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield urlsplit(postgres_server_url)._replace(path=f"/{name}").geturl()
    admin = await asyncpg.connect(postgres_server_url)
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()
