"""Discord's documented request limits, checked on every body the bot sends (docs win over the spec)."""

from __future__ import annotations

import re
from typing import Any

from bot.domain import limits as documented

# (path inside the body, what is wrong) — the path uses Discord's `a.0.b` error notation.
Problem = tuple[str, str]

COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$", re.UNICODE)
MODAL_TITLE = 45
OPTIONS_PER_COMMAND = 25
CHOICES_PER_OPTION = 25
COMMAND_TOTAL_CHARS = 4000
CHAT_INPUT_COMMANDS = 100
ATTACHMENTS_PER_MESSAGE = 10


def _max_len(problems: list[Problem], path: str, value: Any, limit: int) -> int:
    if value is None:
        return 0
    if not isinstance(value, str):
        problems.append((path, f"must be a string, got {type(value).__name__}"))
        return 0
    if len(value) > limit:
        problems.append((path, f"must be {limit} or fewer in length (got {len(value)})"))
    return len(value)


def check_message_body(body: dict[str, Any]) -> list[Problem]:
    """Content, embeds and legacy components of a create/edit message or interaction-response body."""
    problems: list[Problem] = []
    _max_len(problems, "content", body.get("content"), documented.MESSAGE_CONTENT)
    embeds = body.get("embeds") or []
    if len(embeds) > documented.EMBEDS_PER_MESSAGE:
        problems.append(
            ("embeds", f"must be {documented.EMBEDS_PER_MESSAGE} or fewer in length (got {len(embeds)})")
        )
    total = 0
    for i, embed in enumerate(embeds):
        total += _check_embed(problems, f"embeds.{i}", embed)
    if total > documented.EMBED_TOTAL:
        problems.append(
            ("embeds", f"embed text must total {documented.EMBED_TOTAL} or fewer characters (got {total})")
        )
    attachments = body.get("attachments") or []
    if len(attachments) > ATTACHMENTS_PER_MESSAGE:
        problems.append(
            ("attachments", f"must be {ATTACHMENTS_PER_MESSAGE} or fewer in length (got {len(attachments)})")
        )
    components = body.get("components") or []
    if not (body.get("flags") or 0) & (1 << 15):
        _check_legacy_components(problems, components)
    return problems


def _check_embed(problems: list[Problem], path: str, embed: dict[str, Any]) -> int:
    total = _max_len(problems, f"{path}.title", embed.get("title"), documented.EMBED_TITLE)
    total += _max_len(problems, f"{path}.description", embed.get("description"), documented.EMBED_DESCRIPTION)
    fields = embed.get("fields") or []
    if len(fields) > documented.EMBED_FIELDS:
        problems.append(
            (f"{path}.fields", f"must be {documented.EMBED_FIELDS} or fewer in length (got {len(fields)})")
        )
    for j, fld in enumerate(fields):
        fpath = f"{path}.fields.{j}"
        for key, limit in (("name", documented.EMBED_FIELD_NAME), ("value", documented.EMBED_FIELD_VALUE)):
            value = fld.get(key)
            if not value:
                problems.append((f"{fpath}.{key}", "this field is required and may not be empty"))
            total += _max_len(problems, f"{fpath}.{key}", value, limit)
    total += _max_len(
        problems, f"{path}.footer.text", (embed.get("footer") or {}).get("text"), documented.EMBED_FOOTER
    )
    total += _max_len(
        problems, f"{path}.author.name", (embed.get("author") or {}).get("name"), documented.EMBED_AUTHOR
    )
    return total


def _check_legacy_components(problems: list[Problem], rows: list[dict[str, Any]]) -> None:
    if len(rows) > documented.ACTION_ROWS:
        problems.append(
            ("components", f"must be {documented.ACTION_ROWS} or fewer in length (got {len(rows)})")
        )
    seen: set[str] = set()
    for i, row in enumerate(rows):
        path = f"components.{i}"
        if row.get("type") != 1:
            problems.append((f"{path}.type", "top-level components must be action rows (type 1)"))
            continue
        children = row.get("components") or []
        if not children:
            problems.append((f"{path}.components", "an action row needs at least one component"))
        buttons = [c for c in children if c.get("type") == 2]
        if len(buttons) > documented.BUTTONS_PER_ROW:
            problems.append((f"{path}.components", f"must be {documented.BUTTONS_PER_ROW} or fewer buttons"))
        if buttons and len(buttons) != len(children):
            problems.append((f"{path}.components", "a row holds either buttons or one select menu"))
        for j, comp in enumerate(children):
            cpath = f"{path}.components.{j}"
            if comp.get("type") == 2:
                _max_len(problems, f"{cpath}.label", comp.get("label"), documented.BUTTON_LABEL)
                if comp.get("style") == 5:
                    if not comp.get("url"):
                        problems.append((f"{cpath}.url", "a link button needs a url"))
                    continue
                if comp.get("style") == 6:
                    continue
                if not comp.get("label") and not comp.get("emoji"):
                    problems.append((cpath, "a button needs a label or an emoji"))
            _check_custom_id(problems, f"{cpath}.custom_id", comp.get("custom_id"), seen)


def _check_custom_id(problems: list[Problem], path: str, custom_id: Any, seen: set[str]) -> None:
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= documented.CUSTOM_ID:
        problems.append((path, f"custom_id must be 1..{documented.CUSTOM_ID} characters, got {custom_id!r}"))
        return
    if custom_id in seen:
        problems.append((path, f"custom_id {custom_id!r} is used twice in this message"))
    seen.add(custom_id)


def check_autocomplete_result(body: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    choices = body.get("choices")
    if not isinstance(choices, list):
        return [("choices", "autocomplete result needs a choices list")]
    if len(choices) > CHOICES_PER_OPTION:
        problems.append(("choices", f"must be {CHOICES_PER_OPTION} or fewer in length (got {len(choices)})"))
    for i, choice in enumerate(choices):
        name = choice.get("name")
        if not name:
            problems.append((f"choices.{i}.name", "this field is required"))
        _max_len(problems, f"choices.{i}.name", name, documented.CHOICE_NAME)
        if isinstance(choice.get("value"), str):
            _max_len(problems, f"choices.{i}.value", choice["value"], 100)
    return problems


def check_modal(body: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    title = body.get("title")
    if not title:
        problems.append(("title", "this field is required"))
    _max_len(problems, "title", title, MODAL_TITLE)
    _check_custom_id(problems, "custom_id", body.get("custom_id"), set())
    rows = body.get("components") or []
    if not 1 <= len(rows) <= documented.ACTION_ROWS:
        problems.append(("components", f"a modal holds 1..{documented.ACTION_ROWS} components"))
    return problems


def check_commands(commands: list[dict[str, Any]]) -> list[Problem]:
    """A bulk overwrite: every command's names, descriptions, options and choices."""
    problems: list[Problem] = []
    names: set[tuple[int, str]] = set()
    chat_input = 0
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1)
        chat_input += ctype == 1
        key = (ctype, cmd.get("name", ""))
        if key in names:
            problems.append((f"{i}.name", f"command name {key[1]!r} is registered twice"))
        names.add(key)
        problems += [(f"{i}.{p}", m) for p, m in check_command(cmd)]
    if chat_input > CHAT_INPUT_COMMANDS:
        problems.append(("", f"at most {CHAT_INPUT_COMMANDS} slash commands (got {chat_input})"))
    return problems


def check_command(cmd: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    ctype = cmd.get("type", 1)
    total = _check_name_and_description(problems, "", cmd, needs_description=ctype == 1)
    if ctype == 1:
        total += _check_options(problems, "options", cmd.get("options") or [], depth=0)
    if total > COMMAND_TOTAL_CHARS:
        problems.append(
            ("", f"names, descriptions and choices total {total} > {COMMAND_TOTAL_CHARS} characters")
        )
    return problems


def _check_name_and_description(
    problems: list[Problem], path: str, obj: dict[str, Any], *, needs_description: bool
) -> int:
    prefix = f"{path}." if path else ""
    name = obj.get("name")
    if (
        not isinstance(name, str)
        or not COMMAND_NAME_RE.match(name)
        or (needs_description and name != name.lower())
    ):
        problems.append(
            (f"{prefix}name", f"name must be 1..32 lowercase letters, digits, - or _, got {name!r}")
        )
    description = obj.get("description", "")
    if needs_description and not 1 <= len(description or "") <= documented.COMMAND_DESCRIPTION:
        problems.append(
            (f"{prefix}description", f"description must be 1..{documented.COMMAND_DESCRIPTION} characters")
        )
    return len(name or "") + len(description or "")


def _check_options(problems: list[Problem], path: str, options: list[dict[str, Any]], depth: int) -> int:
    if len(options) > OPTIONS_PER_COMMAND:
        problems.append((path, f"must be {OPTIONS_PER_COMMAND} or fewer in length (got {len(options)})"))
    total = 0
    seen_optional = False
    seen_names: set[str] = set()
    for i, opt in enumerate(options):
        opath = f"{path}.{i}"
        total += _check_name_and_description(problems, opath, opt, needs_description=True)
        if opt.get("name") in seen_names:
            problems.append((f"{opath}.name", f"option name {opt.get('name')!r} is used twice"))
        seen_names.add(opt.get("name"))
        otype = opt.get("type")
        if otype in (1, 2):
            if (otype == 2 and depth > 0) or (otype == 1 and depth > 1):
                problems.append((f"{opath}.type", "subcommands nest at most group > subcommand"))
            total += _check_options(problems, f"{opath}.options", opt.get("options") or [], depth + 1)
            continue
        if opt.get("required"):
            if seen_optional:
                problems.append((f"{opath}.required", "required options must come before optional ones"))
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > CHOICES_PER_OPTION:
            problems.append((f"{opath}.choices", f"must be {CHOICES_PER_OPTION} or fewer in length"))
        if choices and opt.get("autocomplete"):
            problems.append((f"{opath}.autocomplete", "an option cannot have both choices and autocomplete"))
        for j, choice in enumerate(choices):
            total += _max_len(
                problems, f"{opath}.choices.{j}.name", choice.get("name"), documented.CHOICE_NAME
            )
            if isinstance(choice.get("value"), str):
                total += _max_len(problems, f"{opath}.choices.{j}.value", choice["value"], 100)
    return total


def discord_errors(problems: list[Problem]) -> dict[str, Any]:
    """Discord's nested `errors` object for a 50035 Invalid Form Body."""
    errors: dict[str, Any] = {}
    for path, message in problems:
        node = errors
        for part in [p for p in path.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return errors


MESSAGE_ROUTES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
}
CALLBACK_ROUTE = ("POST", "/interactions/{interaction_id}/{interaction_token}/callback")


def check_request(method: str, route: str, body: Any) -> list[Problem]:
    """The documented limits for a request body, by route; runs before the (looser) OpenAPI check."""
    if not isinstance(body, dict | list):
        return []
    key = (method, route)
    if key in MESSAGE_ROUTES and isinstance(body, dict):
        return check_message_body(body)
    if key == CALLBACK_ROUTE and isinstance(body, dict):
        data = body.get("data") or {}
        checker = {4: check_message_body, 7: check_message_body, 8: check_autocomplete_result, 9: check_modal}
        check = checker.get(body.get("type"))
        return [(f"data.{p}" if p else "data", m) for p, m in check(data)] if check else []
    if route.endswith("/commands"):
        if method == "PUT":
            return check_commands(body) if isinstance(body, list) else [("", "expected a list of commands")]
        if method == "POST" and isinstance(body, dict):
            return check_command(body)
    return []


def check_no_pings(method: str, route: str, body: Any) -> list[Problem]:
    """Project rule, not Discord's: text the bot sends must carry `allowed_mentions: {"parse": []}`."""
    if not isinstance(body, dict):
        return []
    key = (method, route)
    if key == CALLBACK_ROUTE and body.get("type") in (4, 7):
        return [
            (f"data.{p}", m)
            for p, m in check_no_pings("POST", "/channels/{channel_id}/messages", body.get("data") or {})
        ]
    if key not in MESSAGE_ROUTES or not body.get("content"):
        return []
    mentions = body.get("allowed_mentions")
    if mentions is None or mentions.get("parse") or mentions.get("users") or mentions.get("roles"):
        return [("allowed_mentions", f"text is sent with allowed_mentions={mentions!r}; it could ping")]
    return []
