"""Logging set-up: one line per event, secrets scrubbed, text or JSON."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable

# Interaction tokens travel in URL paths: follow-ups and edits go to /webhooks/<app id>/<token>/..., the
# first answer to /interactions/<id>/<token>/callback. discord.py puts those URLs in its 429 warnings.
_TOKEN_IN_URL = re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/?#\s'\"]+")
# Raw gateway payloads (discord.py DEBUG) carry the interaction token as a JSON field.
_TOKEN_FIELD = re.compile(r"""(['"]token['"]\s*:\s*['"])[^'"]+""")
# A database URL's password (postgresql://user:password@host/db), wherever a library echoes the URL.
_PASSWORD_IN_URL = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@", re.IGNORECASE)
_REDACTED = "[redacted]"
# discord.py logs request URLs and raw payloads at DEBUG, aiosqlite every statement with its parameters;
# the bot never lets these libraries go below INFO, so LOG_LEVEL=DEBUG is about quizbot's own code.
LIBRARY_MIN_LEVEL = logging.INFO
_CHATTY_LIBRARIES = ("discord", "aiosqlite")


class RedactSecrets(logging.Filter):
    """Remove the bot token, interaction tokens and URL passwords from every record before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        text = _TOKEN_IN_URL.sub(rf"\g<1>{_REDACTED}", text)
        text = _PASSWORD_IN_URL.sub(rf"\g<1>{_REDACTED}@", text)
        return _TOKEN_FIELD.sub(rf"\g<1>{_REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.scrub(formatted)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Send every log line to stderr (journald and Docker collect it) with secrets scrubbed."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Python warnings go through the same handler, so JSON output stays one JSON object per line.
    logging.captureWarnings(True)
    for library in _CHATTY_LIBRARIES:
        logging.getLogger(library).setLevel(max(LIBRARY_MIN_LEVEL, logging.getLevelName(level)))
