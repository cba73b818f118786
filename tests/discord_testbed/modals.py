"""What a member's Discord client sends when they submit a modal, and what it will not let them submit.

The submit mirrors the modal's layout (docs: components/reference.mdx, "… Interaction Response
Structure"): an action row of text inputs comes back as `{type: 1, id, components: [{type: 4, id,
custom_id, value}]}`, a Label (type 18) as `{type: 18, id, component: {...}}`, a Text Display as
`{type: 10, id}`; file uploads send attachment ids with the attachments in `resolved`. Components
without an `id` get one generated sequentially, skipping ids the bot set, as Discord does.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from typing import Any

from tests.discord_testbed.attachments import CdnFile

TEXT_INPUT_MAX = 4000
SHORT = 1
# Entity selects need the test bed's users/roles/channels; no modal of ours uses one yet.
UNSUPPORTED = {5: "user select", 6: "role select", 7: "mentionable select", 8: "channel select"}


def _walk(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for comp in components:
        yield comp
        if comp.get("type") == 1:
            yield from _walk(comp.get("components") or [])
        elif comp.get("type") == 18 and comp.get("component"):
            yield from _walk([comp["component"]])


def _inputs(components: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str | None]]:
    """The inputs with the label a member reads next to them (a Label's, or a legacy text input's)."""
    found: list[tuple[dict[str, Any], str | None]] = []
    for comp in components:
        if comp.get("type") == 1:
            found += [(c, c.get("label")) for c in comp.get("components") or [] if c.get("custom_id")]
        elif comp.get("type") == 18 and (child := comp.get("component")):
            found.append((child, comp.get("label")))
    return found


def _component_ids(components: list[dict[str, Any]]) -> dict[int, int]:
    """id(component dict) -> its `id`: the bot's own, else the next free number from 1 (0 counts as unset)."""
    taken = {c["id"] for c in _walk(components) if c.get("id")}
    ids: dict[int, int] = {}
    counter = 0
    for comp in _walk(components):
        if comp.get("id"):
            ids[id(comp)] = comp["id"]
            continue
        counter += 1
        while counter in taken:
            counter += 1
        ids[id(comp)] = counter
    return ids


class ModalSubmission:
    """Builds `data.components` and `data.resolved` for one submit, checking values like the client does."""

    def __init__(self, modal: dict[str, Any], values: dict[str, Any], *, size_limit: int) -> None:
        self.modal = modal
        self.size_limit = size_limit
        self.resolved: dict[str, dict[str, Any]] = {}
        self._ids = _component_ids(modal.get("components") or [])
        self._given: dict[int, Any] = {}
        inputs = _inputs(modal.get("components") or [])
        for key, value in values.items():
            # By custom_id, or by the label the member reads (discord.py makes up custom_ids).
            matches = [c for c, _ in inputs if c.get("custom_id") == key] or [c for c, lbl in inputs if lbl == key]
            if len(matches) != 1:
                shown = [(lbl, c.get("custom_id")) for c, lbl in inputs]
                raise AssertionError(f"modal {self._title} has no single input {key!r}; it has {shown}")
            self._given[id(matches[0])] = value

    @property
    def _title(self) -> str:
        return repr(self.modal.get("title"))

    def data(self) -> dict[str, Any]:
        components = [self._submitted(c) for c in self.modal.get("components") or []]
        data: dict[str, Any] = {"custom_id": self.modal.get("custom_id"), "components": components}
        if self.resolved:
            data["resolved"] = self.resolved
        return data

    def _submitted(self, comp: dict[str, Any]) -> dict[str, Any]:
        ctype = comp.get("type")
        out: dict[str, Any] = {"type": ctype, "id": self._ids[id(comp)]}
        if ctype == 1:
            out["components"] = [self._submitted(c) for c in comp.get("components") or []]
        elif ctype == 18:
            out["component"] = self._submitted(comp["component"])
        elif ctype == 10:
            pass  # a Text Display comes back with its type and id only
        elif ctype in UNSUPPORTED:
            raise AssertionError(f"the test bed cannot submit a {UNSUPPORTED[ctype]} yet (modal {self._title})")
        else:
            out["custom_id"] = comp["custom_id"]
            out.update(self._value(comp))
        return out

    def _fail(self, comp: dict[str, Any], why: str) -> AssertionError:
        return AssertionError(
            f"{why}: Discord's client would not submit modal {self._title} (input {comp.get('custom_id')!r})"
        )

    def _value(self, comp: dict[str, Any]) -> dict[str, Any]:
        ctype = comp["type"]
        given = self._given.get(id(comp))
        required = comp.get("required", True) is not False
        if ctype == 4:
            return {"value": self._text(comp, given, required)}
        if ctype in (21, 23):
            return {"value": self._single(comp, given, required)}
        if ctype in (3, 22):
            return {"values": self._choices(comp, given, required)}
        if ctype == 19:
            return {"values": self._files(comp, given, required)}
        raise AssertionError(f"component type {ctype} does not belong in a modal ({self._title})")

    def _text(self, comp: dict[str, Any], given: Any, required: bool) -> str:
        value = (comp.get("value") or "") if given is None else given
        if not isinstance(value, str):
            raise self._fail(comp, f"a text input takes a string, got {value!r}")
        if comp.get("style", SHORT) == SHORT and "\n" in value:
            raise self._fail(comp, "a short (one-line) text input cannot hold a line break")
        if not value:
            if required:
                raise self._fail(comp, "this text input is required")
            return value
        low, high = comp.get("min_length") or 0, comp.get("max_length") or TEXT_INPUT_MAX
        if not low <= len(value) <= high:
            raise self._fail(comp, f"{len(value)} characters is outside {low}..{high}")
        return value

    def _options(self, comp: dict[str, Any]) -> list[str]:
        return [o["value"] for o in comp.get("options") or []]

    def _defaults(self, comp: dict[str, Any]) -> list[str]:
        return [o["value"] for o in comp.get("options") or [] if o.get("default")]

    def _single(self, comp: dict[str, Any], given: Any, required: bool) -> Any:
        if comp["type"] == 23:  # a checkbox: never required, true or false
            value = bool(comp.get("default", False)) if given is None else given
            if not isinstance(value, bool):
                raise self._fail(comp, f"a checkbox takes True or False, got {value!r}")
            return value
        value = next(iter(self._defaults(comp)), None) if given is None else given
        if value is None and required:
            raise self._fail(comp, "this radio group is required")
        if value is not None and value not in self._options(comp):
            raise self._fail(comp, f"{value!r} is not one of the options {self._options(comp)}")
        return value

    def _choices(self, comp: dict[str, Any], given: Any, required: bool) -> list[str]:
        chosen = self._defaults(comp) if given is None else [given] if isinstance(given, str) else list(given)
        options = self._options(comp)
        wrong = [v for v in chosen if v not in options]
        if wrong:
            raise self._fail(comp, f"{wrong} are not among the options {options}")
        if len(set(chosen)) != len(chosen):
            raise self._fail(comp, f"an option is chosen twice in {chosen}")
        default_max = len(options) if comp["type"] == 22 else 1
        self._count(comp, len(chosen), required, default_max)
        return chosen

    def _count(self, comp: dict[str, Any], count: int, required: bool, default_max: int) -> None:
        if count == 0 and not required:
            return
        low = comp.get("min_values")
        low = 1 if low is None else low
        high = comp.get("max_values") or default_max
        if count == 0 and required:
            raise self._fail(comp, "this input is required")
        if not low <= count <= high:
            raise self._fail(comp, f"{count} chosen is outside min_values..max_values {low}..{high}")

    def _files(self, comp: dict[str, Any], given: Any, required: bool) -> list[str]:
        files = [] if given is None else [given] if isinstance(given, CdnFile) else list(given)
        for file in files:
            if not isinstance(file, CdnFile):
                raise self._fail(comp, f"a file upload takes testbed.attachment(...) files, got {file!r}")
            if file.size > self.size_limit:
                raise self._fail(comp, f"{file.filename} is {file.size} bytes, over the {self.size_limit} limit")
            if not _type_allowed(file.filename, comp.get("file_types")):
                raise self._fail(comp, f"{file.filename} is not among the file types {comp.get('file_types')}")
        self._count(comp, len(files), required, 1)
        attachments = self.resolved.setdefault("attachments", {})
        for file in files:
            attachments[str(file.id)] = file.to_payload()
        return [str(f.id) for f in files]


def _type_allowed(filename: str, file_types: list[str] | None) -> bool:
    """Discord's file type filter: `image`/`video`/`audio` or a dot-prefixed extension, by extension only."""
    if not file_types:
        return True
    lowered = filename.lower()
    guessed = mimetypes.guess_type(lowered, strict=False)[0] or ""
    return any(
        lowered.endswith(kind.lower()) if kind.startswith(".") else guessed.startswith(f"{kind}/")
        for kind in file_types
    )
