"""Fresh PostgreSQL databases for tests: empty ones, and quick copies of a template filled once per session.

Each call opens its own short admin connection, so one factory serves every test although pytest-asyncio
gives each test its own event loop (a connection belongs to the loop that opened it).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import asyncpg

NAME_PREFIX = "quizbot_test_"


def database_url(server_url: str, database: str) -> str:
    """`server_url` with its database replaced: same host, port, user, password and options."""
    return urlunsplit(urlsplit(server_url)._replace(path="/" + database))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class PostgresDatabases:
    """Creates databases on one server and drops every one of them at `drop_all()`.

    `await create()` gives an empty database. For many databases with the same content (a migrated
    schema, seed rows), fill a template once with `await template("migrated", fill)` and then
    `await create(template="migrated")` per test: PostgreSQL copies the template's files instead of
    replaying the fill.
    """

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._templates: dict[str, str] = {}
        self._created: list[str] = []

    async def create(self, template: str | None = None) -> str:
        """The URL of a new database: empty, or a copy of the template of that name."""
        # template0 rather than template1: a developer's own server may have put objects in template1.
        source = self._templates[template] if template is not None else "template0"
        name = self._new_name()
        await self._admin(f"CREATE DATABASE {_quoted(name)} TEMPLATE {_quoted(source)}")
        self._created.append(name)
        return database_url(self.server_url, name)

    async def template(self, key: str, fill: Callable[[str], Awaitable[None]]) -> str:
        """The database name of the template `key`, filled by `fill(url)` the first time it is asked for."""
        if key in self._templates:
            return self._templates[key]
        name = self._new_name("template_")
        await self._admin(f"CREATE DATABASE {_quoted(name)} TEMPLATE template0")
        try:
            await fill(database_url(self.server_url, name))
            # CREATE DATABASE ... TEMPLATE refuses a source with sessions: close the template to new ones and
            # end any the fill left behind (a pool closing in the background).
            await self._admin(
                f"ALTER DATABASE {_quoted(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {_literal(name)}",
            )
        except BaseException:
            await self._drop_template(name)
            raise
        self._templates[key] = name
        return name

    async def drop(self, url: str) -> None:
        """Drop a database `create` made, ending its sessions (a failed test may have left some open)."""
        name = urlsplit(url).path.lstrip("/")
        await self._admin(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
        self._created.remove(name)

    async def drop_all(self) -> None:
        """Drop every database and template this factory made."""
        while self._created:
            await self.drop(database_url(self.server_url, self._created[-1]))
        while self._templates:
            await self._drop_template(self._templates.popitem()[1])

    async def _drop_template(self, name: str) -> None:
        # PostgreSQL refuses to drop a database marked as a template.
        await self._admin(
            f"ALTER DATABASE {_quoted(name)} WITH IS_TEMPLATE false",
            f"DROP DATABASE {_quoted(name)} WITH (FORCE)",
        )

    def _new_name(self, kind: str = "") -> str:
        # Unique across runs too: two suites may share one QUIZBOT_TEST_POSTGRES server.
        return f"{NAME_PREFIX}{kind}{uuid.uuid4().hex[:16]}"

    async def _admin(self, *statements: str) -> None:
        connection = await asyncpg.connect(self.server_url)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()
