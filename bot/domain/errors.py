"""The one base class of every error quizbot raises on purpose.

Its message is written for the person who caused it: one line that says what went wrong and what to
do. Anything that is not a QuizbotError is a bug, and is answered with a short apology and an error id
(see bot/ui/failures.py) instead of its text.
"""

from __future__ import annotations


class QuizbotError(Exception):
    """An expected failure; `str(error)` is safe and useful to show to the member, organiser or admin."""


class InvalidOptionError(QuizbotError):
    """An option the member typed is not valid; the message says what would be."""


class NotFoundError(QuizbotError):
    """What the member asked about does not exist here; the message says how to find what does."""


class UnavailableError(QuizbotError):
    """Something the bot depends on (its database server) cannot be reached right now; nothing was changed.

    Retrying later may work, so members are told to try again and supervisors restart the bot.
    """


class ConfigError(QuizbotError):
    """Something the admin must change before trying again: a setting, a path or an argument.

    Commands exit with status 2 on it, which systemd and the Docker entry point do not retry; every other
    QuizbotError on the command line exits 1 (it may work later, so a supervisor retries).
    """


# Exit statuses of the `quizbot` commands.
EXIT_FAILURE = 1  # it failed now and may work later: a supervisor retries
EXIT_CONFIG = 2  # a setting, a path or an argument must change first: supervisors do not retry


def exit_code(error: QuizbotError) -> int:
    return EXIT_CONFIG if isinstance(error, ConfigError) else EXIT_FAILURE
