"""The example in tests/discord_testbed/README.md runs as written: a how-to that fails would mislead."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from tests.discord_testbed import TestBed
from tests.helpers import REPO_ROOT

README = REPO_ROOT / "tests" / "discord_testbed" / "README.md"


def _readme_example() -> Callable[..., Awaitable[None]]:
    match = re.search(r"```python\n(async def (\w+)\(testbed, running_bot\).*?)```", README.read_text(), re.S)
    assert match, "the README's first example must be an `async def test_...(testbed, running_bot)`"
    namespace: dict[str, Any] = {}
    # Executing our own README is the point: the example must be the code that runs.
    exec(compile(match.group(1), str(README), "exec"), namespace)
    return namespace[match.group(2)]


async def test_the_readme_example_passes_against_the_real_bot(testbed: TestBed, running_bot: object) -> None:
    await _readme_example()(testbed, running_bot)
