"""Attachments: the files the bot uploads, the files members attach, and the CDN that serves their bytes.

Discord keeps an uploaded file's bytes on its CDN and puts only an attachment object (id, filename, size,
url, proxy_url, content_type) in messages and interactions; a bot downloads the bytes with a plain GET,
without its token (discord.py's `Attachment.read()`). The test bed does the same on 127.0.0.1, and a test
can make a member's file lie about its size, or its CDN URL slow or failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from tests.discord_testbed import limits
from tests.discord_testbed.rest import DiscordError, invalid_form

if TYPE_CHECKING:
    from tests.discord_testbed.model import Message

# Documented: a request is at most 25 MiB; each file at most the interaction's `attachment_size_limit`
# (10 MiB unless the server is boosted). At most 10 files per message (limits.ATTACHMENTS_PER_MESSAGE).
REQUEST_SIZE_LIMIT = 25 * 1024 * 1024
# Discord signs CDN URLs (`ex`/`is`/`hm` query parameters); they are valid for about a day.
URL_LIFETIME = 24 * 60 * 60


def guess_content_type(filename: str) -> str | None:
    """The media type Discord reports for a file name (it goes by the extension; text gets a charset)."""
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    if guessed is None and filename.lower().endswith((".md", ".markdown")):
        guessed = "text/markdown"
    if guessed is not None and guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed


@dataclass(eq=False)
class CdnFile:
    """One file on the CDN: an upload of the bot's, or a file a member attached (`testbed.attachment`).

    `size` is what Discord reports (the real length unless a test says otherwise); `status` and `delay`
    are what the CDN does when the file is downloaded: answer after `delay` seconds with `status`
    (200 serves the bytes; 404, 403, 500... fail like Discord's CDN). `downloads` counts the GETs.
    """

    id: int
    filename: str
    data: bytes
    content_type: str | None
    size: int
    url: str
    proxy_url: str
    ephemeral: bool = False
    description: str | None = None
    message_id: int | None = None
    status: int = 200
    delay: float = 0.0
    downloads: int = 0

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.proxy_url,
        }
        if self.content_type is not None:
            payload["content_type"] = self.content_type
        if self.description is not None:
            payload["description"] = self.description
        if self.ephemeral:
            payload["ephemeral"] = True
        return payload


class Cdn:
    """Discord's CDN on the test bed's port: `/attachments/…` and `/ephemeral-attachments/…` (+ `/media/…`)."""

    def __init__(self, base_url: Callable[[], str], still_attached: Callable[[CdnFile], bool]) -> None:
        self._base_url = base_url
        # A bot upload is served while its message exists and still lists it (Discord drops the rest).
        self._still_attached = still_attached
        self.files: dict[int, CdnFile] = {}
        self._closing = asyncio.Event()

    def install(self, app: web.Application) -> None:
        path = "/{kind:(ephemeral-)?attachments}/{scope:[0-9]+}/{file_id:[0-9]+}/{filename}"
        app.router.add_get(path, self.serve)
        app.router.add_get("/media" + path, self.serve)

    def close(self) -> None:
        """Let downloads a test made hang finish now, so the server can shut down."""
        self._closing.set()

    def publish(
        self,
        file_id: int,
        filename: str,
        data: bytes,
        *,
        scope: int,
        ephemeral: bool,
        content_type: str | None = None,
        size: int | None = None,
        message_id: int | None = None,
    ) -> CdnFile:
        kind = "ephemeral-attachments" if ephemeral else "attachments"
        path = f"/{kind}/{scope}/{file_id}/{quote(filename)}"
        issued = int(time.time())
        signature = hashlib.sha256(f"{path}{issued}".encode()).hexdigest()
        query = f"?ex={issued + URL_LIFETIME:x}&is={issued:x}&hm={signature}&"
        base = self._base_url()
        file = CdnFile(
            id=file_id,
            filename=filename,
            data=data,
            content_type=content_type if content_type is not None else guess_content_type(filename),
            size=len(data) if size is None else size,
            url=f"{base}{path}{query}",
            proxy_url=f"{base}/media{path}{query}",
            ephemeral=ephemeral,
            message_id=message_id,
        )
        self.files[file_id] = file
        return file

    async def serve(self, request: web.Request) -> web.Response:
        file = self.files.get(int(request.match_info["file_id"]))
        if file is None or file.filename != request.match_info["filename"] or not self._still_attached(file):
            return web.Response(status=404, text="This content is no longer available.")
        file.downloads += 1
        if file.delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), file.delay)
        if file.status != 200:
            return web.Response(status=file.status, text=f"{file.status}: CDN fault injected by the test")
        ctype = file.content_type or "application/octet-stream"
        return web.Response(body=file.data, headers={"Content-Type": ctype})


def message_attachments(
    cdn: Cdn,
    new_id: Callable[[], int],
    message: Message,
    body: dict[str, Any],
    files: dict[str, bytes],
    *,
    size_limit: int,
) -> list[CdnFile] | None:
    """The files a create/edit leaves on `message` (None: the request does not touch attachments).

    As documented: `attachments` lists every file to keep (by id) and every new one (by the `n` of its
    `files[n]` part); without that list, uploaded files are appended; `attachments: []` removes them all.
    Raises Discord's errors for unknown ids, more than 10 files, or a file over the size limit.
    """
    listed = body.get("attachments")
    if listed is None and not files:
        return None
    current = {str(a["id"]): cdn.files[int(a["id"])] for a in message.attachments}
    names = list(files)
    if listed is None:
        listed = [{"id": key} for key in current] + [{"id": n, "filename": name} for n, name in enumerate(names)]
        if len(listed) > limits.ATTACHMENTS_PER_MESSAGE:  # an explicit list is checked with the body
            raise invalid_form([("attachments", f"must be {limits.ATTACHMENTS_PER_MESSAGE} or fewer in length")])
    too_big = [name for name, data in files.items() if len(data) > size_limit]
    if too_big or sum(len(d) for d in files.values()) > REQUEST_SIZE_LIMIT:
        raise DiscordError(413, 40005, "Request entity too large", violation="limits")
    result: list[CdnFile] = []
    for i, item in enumerate(listed):
        key = str(item.get("id"))
        if key in current:
            kept = current[key]
            if item.get("description") is not None:
                kept.description = item["description"]
            result.append(kept)
            continue
        if not (key.isdigit() and int(key) < len(names)):
            raise invalid_form(
                [(f"attachments.{i}.id", f"{key} is neither an attachment of this message nor a files[n] part")],
                kind="attachments",
            )
        part = names[int(key)]
        upload = cdn.publish(
            new_id(),
            item.get("filename") or part,
            files[part],
            scope=message.channel_id,
            ephemeral=message.ephemeral,
            message_id=message.id,
        )
        upload.description = item.get("description")
        result.append(upload)
    return result
