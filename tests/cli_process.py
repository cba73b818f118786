"""Running the real `quizbot` entry point as an admin would, and endpoints that answer every request badly."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from tests.helpers import REPO_ROOT

__all__ = ["REPO_ROOT", "SHAPED_TOKEN", "aquizbot", "endpoint_answering", "error_lines", "quizbot"]
# Shaped like a bot token (three dot-separated parts), so settings accept it; no Discord ever sees it.
SHAPED_TOKEN = "MTA4NjQ2MTk4NzY1NDMyMTA5OA.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any quizbot or Discord setting, plus `extra`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "QUIZBOT_"))}
    return {**base, **(extra or {}), "PYTHONPATH": str(REPO_ROOT)}


def quizbot(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path, time_limit: float = 60
) -> subprocess.CompletedProcess[str]:
    """`quizbot ARGS` in `cwd` (a temp folder, so no .env is picked up) with only the settings in `env`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=time_limit,
        check=False,
        stdin=subprocess.DEVNULL,
    )


async def aquizbot(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path, time_limit: float = 60
) -> subprocess.CompletedProcess[str]:
    """`quizbot()` in a thread, so a server in this test's event loop keeps answering meanwhile."""
    return await asyncio.to_thread(quizbot, *args, env=env, cwd=cwd, time_limit=time_limit)


def error_lines(output: str) -> list[str]:
    """The ERROR lines of a text log."""
    return [line for line in output.splitlines() if " ERROR " in line]


@asynccontextmanager
async def endpoint_answering(status: int) -> AsyncIterator[str]:
    """An HTTP server on 127.0.0.1 that answers every request with `status`; yields its /api/v10 base URL.

    Like a wrong DISCORD_API_BASE (404 for everything) or a broken proxy in front of Discord (502).
    """

    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=status, text=f"{status} from a test endpoint", content_type="text/plain")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/v10"
    finally:
        await runner.cleanup()
