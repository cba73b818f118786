"""Limits a quiz file must respect beyond the domain model, so the live quiz can always show it."""

from __future__ import annotations

import string
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.domain import limits
from bot.domain.quiz import letter_of

DESCRIPTION = limits.EXPLANATION
SERIES = 100
TAG = 32
MAX_TAGS = 10
# The prompt and its "A) choice" lines share one embed description with the live quiz's own lines.
QUESTION_BODY = limits.EMBED_DESCRIPTION - limits.QUESTION_CHROME


def question_body(prompt: str, choices: Sequence[str]) -> str:
    """Return the text a question is shown with: the prompt, a blank line, then one "A) choice" line each."""
    lines = [f"{letter_of(index)}) {choice}" for index, choice in enumerate(choices)]
    return "\n".join([prompt, "", *lines])


# What RFC 3986 allows in a URI; anything else (spaces, quotes, <>, non-ASCII letters) must be %-encoded.
_URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")


def image_url_problem(url: str) -> str | None:
    """Why `url` cannot be a question's image (the end of a message starting "image ..."), or None if it can.

    Discord shows an embed image from an http(s) URL of at most 2048 characters; quizzes take https only,
    so no image is fetched over an unencrypted connection.
    """
    if any(character.isspace() for character in url):
        return "must be one URL without spaces or line breaks; write a space as %20"
    if not url.lower().startswith("https://"):
        return f"must be an https:// URL, got '{url[:60]}'"
    odd = next((character for character in url if character not in _URL_CHARACTERS), None)
    if odd is not None:
        return f"contains '{odd}', which a URL cannot hold as it is; percent-encode it (a space is %20)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return f"is not a valid URL: '{url[:60]}'"
    if not parts.hostname:
        return f"has no host name: '{url[:60]}'; write it as https://example.com/picture.png"
    if "@" in parts.netloc:
        return "must not contain a user name or password (user@host); link a public image"
    return None
