"""Where the database is: a SQLite file path, or a PostgreSQL server named by its URL.

QUIZBOT_DB (and `--db`) take either. A URL may carry a password, so everything that shows one to a
person (logs, errors, the doctor) shows `redacted(url)` instead.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SERVER_URL_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target: str | Path) -> bool:
    """QUIZBOT_DB names a PostgreSQL server by its URL; anything else is a SQLite file."""
    return isinstance(target, str) and target.startswith(SERVER_URL_SCHEMES)


def url_password(url: str) -> str | None:
    """The password in a server URL, so the log filter can mask it wherever it turns up."""
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: still never show the password next to it
        port = None
    if port is not None:
        host = f"{host}:{port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def describe(target: str | Path) -> str:
    """How messages name the database: the file path, or the server URL without its password."""
    return redacted(target) if isinstance(target, str) and is_server_url(target) else str(target)
