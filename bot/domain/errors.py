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
