"""Logs: no bot token or interaction token at any level the bot configures; JSON lines for log shippers."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import RedactSecrets, configure_logging

BOT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpzZWNyZXQ"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    libraries = [logging.getLogger(name) for name in ("discord", "aiosqlite")]
    saved = root.handlers[:], root.level, [library.level for library in libraries]
    stream = io.StringIO()
    yield stream
    root.handlers[:], level, library_levels = saved
    root.setLevel(level)
    for library, library_level in zip(libraries, library_levels, strict=True):
        library.setLevel(library_level)
    logging.captureWarnings(False)


def _configure(stream: io.StringIO, level: str, fmt: str = "text") -> None:
    configure_logging(level, fmt, secrets=[BOT_TOKEN])
    logging.getLogger().handlers[0].setStream(stream)


@pytest.mark.parametrize(
    "url",
    [
        f"https://discord.com/api/v10/interactions/1234567890/{INTERACTION_TOKEN}/callback?with_response=1",
        f"https://discord.com/api/v10/webhooks/1234567890/{INTERACTION_TOKEN}/messages/@original",
        f"https://discord.com/api/v10/webhooks/1234567890/{INTERACTION_TOKEN}",
    ],
)
def test_discord_rate_limit_warnings_lose_the_interaction_token(captured: io.StringIO, url: str) -> None:
    _configure(captured, "INFO")
    # The exact format discord.py's HTTP client logs a 429 with, at WARNING.
    logging.getLogger("discord.http").warning(
        "We are being rate limited. %s %s responded with 429. Retrying in %.2f seconds.", "POST", url, 1.5
    )
    text = captured.getvalue()
    assert "responded with 429" in text and "[redacted]" in text
    assert INTERACTION_TOKEN not in text


def test_bot_token_payload_tokens_and_tracebacks_are_scrubbed(captured: io.StringIO) -> None:
    _configure(captured, "DEBUG")
    log = logging.getLogger("bot.something")
    log.debug("payload %s", {"token": INTERACTION_TOKEN, "type": 2})
    log.info("Authorization: Bot %s", BOT_TOKEN)
    try:
        raise RuntimeError(f"failed with {BOT_TOKEN}")
    except RuntimeError:
        log.exception("boom")
    text = captured.getvalue()
    assert BOT_TOKEN not in text and INTERACTION_TOKEN not in text
    assert text.count("[redacted]") == 3


def test_discord_logger_never_goes_below_info(captured: io.StringIO) -> None:
    _configure(captured, "DEBUG")
    logging.getLogger("discord.http").debug("GET /webhooks/1/%s has returned 200", INTERACTION_TOKEN)
    logging.getLogger("discord.gateway").debug("WebSocket Event: %s", {"token": INTERACTION_TOKEN})
    logging.getLogger("aiosqlite").debug("executing %s", "INSERT INTO answers ...")
    assert captured.getvalue() == ""
    assert logging.getLogger("bot").getEffectiveLevel() == logging.DEBUG


def test_json_format_is_one_object_per_line(captured: io.StringIO) -> None:
    _configure(captured, "INFO", "json")
    logging.getLogger("bot.runs").info("quiz started: %s", "day48")
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        logging.getLogger("bot.runs").exception("failed")
    lines = captured.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 2
    assert entries[0]["message"] == "quiz started: day48" and entries[0]["level"] == "INFO"
    assert "ValueError" in entries[1]["exception"]


def test_filter_leaves_ordinary_messages_alone() -> None:
    scrub = RedactSecrets([BOT_TOKEN]).scrub
    assert scrub("synced 3 slash commands to dev guild 42") == "synced 3 slash commands to dev guild 42"


def test_a_database_url_password_is_scrubbed_wherever_a_library_prints_the_url(captured: io.StringIO) -> None:
    _configure(captured, "INFO")
    logging.getLogger("asyncpg").warning("connecting to %s", "postgresql://bot:hunter2-pw@db:5432/quizbot")
    text = captured.getvalue()
    assert "hunter2-pw" not in text and "postgresql://bot:[redacted]@db:5432/quizbot" in text
