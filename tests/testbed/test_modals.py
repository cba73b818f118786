"""Modals: what a member's client submits (both layouts discord.py 2.7 sends), refuses, and how bots answer."""

from __future__ import annotations

from typing import Any

import pytest
from discord.ext import commands

from tests.discord_testbed import TestBed
from tests.discord_testbed.forms_bot import FormsBot, create_forms_bot
from tests.discord_testbed.modals import ModalSubmission
from tests.discord_testbed.runner import BotFactory


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_forms_bot


@pytest.fixture
def forms(running_bot: commands.Bot) -> FormsBot:
    assert isinstance(running_bot, FormsBot)
    return running_bot


async def test_a_label_modal_is_submitted_as_discord_sends_it(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    shown = await testbed.slash("feedback", user=alice)
    assert shown.modal is not None and [c["type"] for c in shown.modal["components"]] == [10, 18, 18, 18, 18]
    shot = testbed.attachment("shot.png", b"\x89PNG....")

    sent = await testbed.submit_modal(shown, {"text": "great quiz", "topic": "idea", "files": [shot]})

    assert sent.interaction.type == 5 and sent.response_type == 4
    assert sent.message is not None and sent.ephemeral
    assert sent.message.content == "great quiz|anon|['idea']|shot.png:8"
    data = sent.interaction.payload["data"]
    assert data["custom_id"] == "forms:feedback" and "message" not in sent.interaction.payload
    assert data["components"] == [
        {"type": 10, "id": 1},
        {"type": 18, "id": 2, "component": {"type": 4, "id": 3, "custom_id": "text", "value": "great quiz"}},
        {"type": 18, "id": 4, "component": {"type": 4, "id": 5, "custom_id": "nick", "value": "anon"}},
        {"type": 18, "id": 6, "component": {"type": 3, "id": 7, "custom_id": "topic", "values": ["idea"]}},
        {"type": 18, "id": 8, "component": {"type": 19, "id": 9, "custom_id": "files", "values": [str(shot.id)]}},
    ]
    assert data["resolved"]["attachments"][str(shot.id)]["filename"] == "shot.png"


async def test_an_action_row_modal_is_submitted_as_discord_sends_it(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    shown = await testbed.slash("rename", user=alice)

    sent = await testbed.submit_modal(shown, {"New name": "Quizzy"})  # by label: the custom_id is random

    assert sent.message is not None and sent.message.content == "renamed to Quizzy"
    [row] = sent.interaction.payload["data"]["components"]
    custom_id = shown.modal["components"][0]["components"][0]["custom_id"]
    assert row == {
        "type": 1,
        "id": 1,
        "components": [{"type": 4, "id": 2, "custom_id": custom_id, "value": "Quizzy"}],
    }


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"topic": "idea"}, "required"),
        ({"text": "meh", "topic": "idea"}, r"3 characters is outside 5\.\.50"),
        ({"text": "x" * 51, "topic": "idea"}, r"51 characters is outside 5\.\.50"),
        ({"text": "great", "nick": "a\nb", "topic": "idea"}, "line break"),
        ({"text": "great", "topic": "rant"}, "not among the options"),
        ({"text": "great", "topic": ["bug", "idea"]}, "outside min_values..max_values"),
        ({"text": "great", "topic": "bug", "files": ["a.md"]}, r"testbed\.attachment"),
        ({"text": "great", "colour": "red"}, "has no single input 'colour'"),
    ],
)
async def test_values_the_client_would_not_submit_are_refused(
    testbed: TestBed, forms: FormsBot, values: dict[str, Any], why: str
) -> None:
    alice = testbed.add_member(name="alice")
    shown = await testbed.slash("feedback", user=alice)

    with pytest.raises(AssertionError, match=why):
        await testbed.submit_modal(shown, values)

    fixed = await testbed.submit_modal(shown, {"text": "fixed it", "topic": "bug"})  # still open
    assert fixed.message is not None and fixed.message.content.startswith("fixed it|")


async def test_too_many_files_or_a_file_over_the_limit_cannot_be_uploaded(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    shown = await testbed.slash("feedback", user=alice)
    files = [testbed.attachment(f"{n}.txt", "x") for n in range(3)]
    with pytest.raises(AssertionError, match=r"outside min_values\.\.max_values 1\.\.2"):
        await testbed.submit_modal(shown, {"text": "great", "topic": "bug", "files": files})
    big = testbed.attachment("big.txt", "x" * 50)
    testbed.attachment_size_limit = 10
    with pytest.raises(AssertionError, match="over the 10 limit"):
        await testbed.submit_modal(shown, {"text": "great", "topic": "bug", "files": big})


async def test_only_the_member_it_was_shown_to_submits_it_and_only_once(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")
    shown = await testbed.slash("rename", user=alice)

    with pytest.raises(AssertionError, match="only alice sees this modal"):
        await testbed.submit_modal(shown, {"New name": "x"}, user=bob)
    await testbed.submit_modal(shown, {"New name": "x"}, user=alice)
    with pytest.raises(AssertionError, match="already submitted"):
        await testbed.submit_modal(shown, {"New name": "y"})
    not_a_modal = await testbed.slash("panel", user=alice)
    with pytest.raises(AssertionError, match="not a modal"):
        await testbed.submit_modal(not_a_modal, {})


async def test_a_modal_submit_can_be_answered_thinking_then_followed_up(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    forms.modal_reply = "think"
    shown = await testbed.slash("rename", user=alice)

    sent = await testbed.submit_modal(shown, {"New name": "Quizzy"})

    assert sent.response_type == 5
    final = await sent.wait_final()
    assert final.content == "renamed to Quizzy" and final.ephemeral


async def test_a_modal_from_a_command_can_be_deferred_silently_but_not_updated(
    testbed: TestBed, forms: FormsBot
) -> None:
    alice = testbed.add_member(name="alice")
    forms.modal_reply = "defer"
    deferred = await testbed.submit_modal(await testbed.slash("rename", user=alice), {"New name": "a"})
    assert (deferred.response_type, deferred.message) == (6, None)

    forms.modal_reply = "update"
    await testbed.submit_modal(await testbed.slash("rename", user=alice), {"New name": "b"}, wait=False)

    await testbed.wait_until(lambda: forms.errors, what="the refused update")
    assert [(e.status, e.code) for e in forms.errors] == [(400, 50035)]
    assert [v.kind for v in testbed.take_violations()] == ["bad-callback"]


async def test_a_modal_from_a_button_updates_the_message_it_came_from(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    panel = await testbed.slash("panel", user=alice)
    assert panel.message is not None
    forms.modal_reply = "update"

    shown = await testbed.click(panel.message, "Rename", user=alice)
    sent = await testbed.submit_modal(shown, {"New name": "Quizzy"})

    assert sent.response_type == 7
    assert sent.interaction.payload["message"]["id"] == str(panel.message.id)
    assert sent.message is panel.message and panel.message.content == "renamed to Quizzy"
    assert panel.message.ephemeral and testbed.ephemerals(alice) == [panel.message]


async def test_a_modal_from_a_button_can_defer_then_edit_the_message(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    panel = await testbed.slash("panel", user=alice)
    assert panel.message is not None
    forms.modal_reply = "defer"

    sent = await testbed.submit_modal(await testbed.click(panel.message, "Rename", user=alice), {"New name": "Q"})

    assert sent.response_type == 6
    await testbed.wait_until(lambda: panel.message.content == "renamed to Q", what="the edit of @original")


def _submit(components: list[dict[str, Any]], values: dict[str, Any], size_limit: int = 100) -> list[Any]:
    modal = {"custom_id": "m", "title": "Form", "components": components}
    return list(ModalSubmission(modal, values, size_limit=size_limit).data()["components"])


def _label(component: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": 18, "label": "L", "component": component, **extra}


def test_generated_ids_skip_the_ids_the_bot_set() -> None:
    row = {"type": 1, "components": [{"type": 4, "custom_id": "a", "style": 1, "id": 2}]}
    box = _label({"type": 23, "custom_id": "ok"})

    assert _submit([row, box], {"a": "x"}) == [
        {"type": 1, "id": 1, "components": [{"type": 4, "id": 2, "custom_id": "a", "value": "x"}]},
        {"type": 18, "id": 3, "component": {"type": 23, "id": 4, "custom_id": "ok", "value": False}},
    ]


def test_radio_checkbox_groups_and_checkboxes_take_their_values_and_defaults() -> None:
    options = [{"label": v, "value": v} for v in ("a", "b", "c")]
    radio = _label({"type": 21, "custom_id": "r", "options": [*options[:2], {**options[2], "default": True}]})
    group = _label({"type": 22, "custom_id": "g", "options": options, "required": False})
    box = _label({"type": 23, "custom_id": "x", "default": True})

    submitted = _submit([radio, group, box], {"g": ["a", "c"]})

    assert [c["component"].get("value", c["component"].get("values")) for c in submitted] == ["c", ["a", "c"], True]
    with pytest.raises(AssertionError, match="True or False"):
        _submit([box], {"x": "yes"})
    with pytest.raises(AssertionError, match="radio group is required"):
        _submit([_label({"type": 21, "custom_id": "r", "options": options})], {})
    assert _submit([group], {})[0]["component"]["values"] == [], "an optional group may stay empty"


def test_file_uploads_filter_by_type_and_optional_text_may_stay_empty(testbed: TestBed) -> None:
    upload = _label({"type": 19, "custom_id": "f", "file_types": ["image", ".md"], "max_values": 2})
    note = _label({"type": 4, "custom_id": "n", "style": 2, "required": False, "min_length": 5})
    png, md, pdf = (testbed.attachment(name, "x") for name in ("a.png", "b.md", "c.pdf"))

    assert _submit([upload, note], {"f": [png, md]})[1]["component"]["value"] == ""
    with pytest.raises(AssertionError, match="file types"):
        _submit([upload], {"f": pdf})
    with pytest.raises(AssertionError, match="required"):
        _submit([upload], {})
    with pytest.raises(AssertionError, match="cannot submit a user select"):
        _submit([_label({"type": 5, "custom_id": "u"})], {})
