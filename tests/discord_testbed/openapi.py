"""Request bodies checked against Discord's OpenAPI spec, read from outside the repo when it is there.

The spec is a public preview that disagrees with the docs in places, so the check is loosened where it
would reject what Discord accepts: `oneOf` is treated as `anyOf` (a numeric string nonce matches two
branches), and an integer may be sent as an integer-parseable string (discord.py sends snowflakes and
permission bits as strings). The docs' tighter limits are checked separately in `limits.py`.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_ENV = "QUIZBOT_DISCORD_SPEC"
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "discord-api-spec" / "openapi.json"
_INT_STRING = re.compile(r"^-?\d+$")


def spec_path() -> Path:
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC)


def _is_integer(checker: Any, instance: Any) -> bool:
    if isinstance(instance, str):
        return bool(_INT_STRING.match(instance))
    return Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer")


_LenientValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def _one_of_as_any_of(node: Any) -> Any:
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _one_of_as_any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_one_of_as_any_of(v) for v in node]
    return node


class SpecChecker:
    """Validates bodies per (method, route template); validators are built once per route."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open(encoding="utf-8") as f:
            spec = json.load(f)
        self._paths: dict[str, Any] = spec["paths"]
        self._components = _one_of_as_any_of(spec["components"])
        # Discord takes a snowflake as a string or an integer (discord.py sends attachment ids as ints).
        snowflake = self._components["schemas"]["SnowflakeType"]
        self._components["schemas"]["SnowflakeType"] = {
            "anyOf": [snowflake, {"type": "integer", "minimum": 0}]
        }
        self._validators: dict[tuple[str, str], Draft202012Validator | None] = {}
        self.checked = 0

    def _validator(self, method: str, route: str) -> Draft202012Validator | None:
        key = (method, route)
        if key not in self._validators:
            operation = self._paths.get(route, {}).get(method.lower(), {})
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                self._validators[key] = None
            else:
                root = {**_one_of_as_any_of(schema), "components": self._components}
                self._validators[key] = _LenientValidator(root)
        return self._validators[key]

    def problems(self, method: str, route: str, body: Any) -> list[tuple[str, str]]:
        validator = self._validator(method, route)
        if validator is None:
            return []
        self.checked += 1
        # best_match descends into anyOf branches to the error most likely meant.
        error = best_match(validator.iter_errors(body))
        if error is None:
            return []
        where = ".".join(str(p) for p in error.absolute_path)
        detail = (
            error.message if len(error.message) < 300 else f"{error.validator} {error.validator_value!r:.200}"
        )
        return [(where, f"OpenAPI {error.validator}: {detail}")]


@cache
def load_spec_checker(path: Path) -> SpecChecker | None:
    """One checker per session (the spec is 1 MB of JSON); None when the spec file is absent."""
    return SpecChecker(path) if path.is_file() else None
