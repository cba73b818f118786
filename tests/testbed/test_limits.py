"""The test bed refuses exactly what Discord's documented limits refuse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.discord_testbed.limits import check_commands, check_message_body, discord_errors


def button(label: str = "A", custom_id: str | None = None) -> dict[str, Any]:
    custom_id = f"id:{label}" if custom_id is None else custom_id
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def rows(*buttons_per_row: int) -> list[dict[str, Any]]:
    return [
        {"type": 1, "components": [button(f"{r}{i}") for i in range(n)]}
        for r, n in enumerate(buttons_per_row)
    ]


def embed(**fields: Any) -> dict[str, Any]:
    return {"embeds": [fields]}


AT_THE_LIMIT = [
    {"content": "x" * 2000},
    {"embeds": [{"title": "t"}] * 10},
    embed(title="x" * 256, description="x" * 4096),
    embed(fields=[{"name": "n" * 40, "value": "v" * 40}] * 25),
    embed(footer={"text": "x" * 2048}, author={"name": "x" * 256}),
    {"components": rows(5, 5, 5, 5, 5)},
    {"components": [{"type": 1, "components": [button("x" * 80, "c" * 100)]}]},
]

OVER_THE_LIMIT = [
    ({"content": "x" * 2001}, "content"),
    ({"embeds": [{"title": "t"}] * 11}, "embeds"),
    (embed(title="x" * 257), "embeds.0.title"),
    (embed(description="x" * 4097), "embeds.0.description"),
    (embed(fields=[{"name": "n", "value": "v"}] * 26), "embeds.0.fields"),
    (embed(fields=[{"name": "n" * 257, "value": "v"}]), "embeds.0.fields.0.name"),
    (embed(fields=[{"name": "n", "value": "v" * 1025}]), "embeds.0.fields.0.value"),
    (embed(footer={"text": "x" * 2049}), "embeds.0.footer.text"),
    (embed(author={"name": "x" * 257}), "embeds.0.author.name"),
    ({"embeds": [{"description": "x" * 4000}, {"description": "x" * 2001}]}, "embeds"),
    ({"components": rows(1, 1, 1, 1, 1, 1)}, "components"),
    ({"components": rows(6)}, "components.0.components"),
    ({"components": [{"type": 1, "components": [button("x" * 81)]}]}, "components.0.components.0.label"),
    (
        {"components": [{"type": 1, "components": [button("A", "c" * 101)]}]},
        "components.0.components.0.custom_id",
    ),
    ({"components": [{"type": 1, "components": [button("A", "")]}]}, "components.0.components.0.custom_id"),
    (
        {"components": [{"type": 1, "components": [button("A", "same"), button("B", "same")]}]},
        "components.0.components.1.custom_id",
    ),
]


@pytest.mark.parametrize("body", AT_THE_LIMIT)
def test_bodies_at_the_documented_limits_pass(body: dict[str, Any]) -> None:
    assert check_message_body(body) == []


@pytest.mark.parametrize(("body", "path"), OVER_THE_LIMIT)
def test_bodies_over_a_documented_limit_name_the_offending_field(body: dict[str, Any], path: str) -> None:
    assert [p for p, _ in check_message_body(body)] == [path]


def command(**overrides: Any) -> dict[str, Any]:
    return {"name": "quiz", "description": "Start a quiz", "type": 1, **overrides}


def option(name: str = "name", otype: int = 3, **overrides: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": otype, **overrides}


def test_valid_commands_with_subcommands_pass() -> None:
    daily = command(name="daily", options=[option("set", 1, options=[option("hour", 4, required=True)])])
    assert check_commands([command(options=[option(required=True), option("count", 4)]), daily]) == []


@pytest.mark.parametrize(
    ("cmd", "path"),
    [
        (command(name="Quiz"), "0.name"),
        (command(name="x" * 33), "0.name"),
        (command(name="two words"), "0.name"),
        (command(description=""), "0.description"),
        (command(description="x" * 101), "0.description"),
        (command(options=[option(f"o{i}") for i in range(26)]), "0.options"),
        (command(options=[option(), option("second", required=True)]), "0.options.1.required"),
        (command(options=[option(choices=[{"name": "c", "value": "c"}] * 26)]), "0.options.0.choices"),
        (
            command(options=[option(choices=[{"name": "c" * 101, "value": "c"}])]),
            "0.options.0.choices.0.name",
        ),
        (
            command(options=[option("g", 2, options=[option("h", 2, options=[])])]),
            "0.options.0.options.0.type",
        ),
    ],
)
def test_command_limits(cmd: dict[str, Any], path: str) -> None:
    assert [p for p, _ in check_commands([cmd])] == [path]


def test_duplicate_command_names_are_refused() -> None:
    assert [p for p, _ in check_commands([command(), command()])] == ["1.name"]


def test_errors_are_nested_like_discords_invalid_form_body() -> None:
    errors = discord_errors([("embeds.0.title", "too long")])
    assert errors == {
        "embeds": {"0": {"title": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": "too long"}]}}}
    }
