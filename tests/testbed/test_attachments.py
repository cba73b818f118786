"""Files: a member's upload as a command option, the CDN serving bytes, and files on interaction responses."""

from __future__ import annotations

import asyncio
import io
import json
import time

import aiohttp
import discord
import pytest
from discord.ext import commands

from tests.discord_testbed import TestBed
from tests.discord_testbed.forms_bot import FormsBot, create_forms_bot
from tests.discord_testbed.runner import BotFactory


@pytest.fixture
def bot_factory() -> BotFactory:
    return create_forms_bot


@pytest.fixture
def forms(running_bot: commands.Bot) -> FormsBot:
    assert isinstance(running_bot, FormsBot)
    return running_bot


async def test_an_attachment_option_arrives_resolved_and_its_bytes_download(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    upload = testbed.attachment("day49.md", "# Day 49\nQ1?")

    result = await testbed.slash("quiz-upload", {"file": upload}, user=alice)

    final = await result.wait_final()
    assert final.content == "day49.md|text/markdown; charset=utf-8|12|12|# Day 49\nQ1?"
    data = result.interaction.payload["data"]
    assert data["options"] == [{"name": "file", "type": 11, "value": str(upload.id)}]
    sent = data["resolved"]["attachments"][str(upload.id)]
    assert {k: sent[k] for k in ("id", "filename", "size", "content_type", "ephemeral")} == {
        "id": str(upload.id),
        "filename": "day49.md",
        "size": 12,
        "content_type": "text/markdown; charset=utf-8",
        "ephemeral": True,
    }
    assert f"/ephemeral-attachments/{testbed.application_id}/{upload.id}/day49.md?ex=" in sent["url"]
    assert upload.downloads == 1


async def test_a_declared_size_over_the_bots_limit_is_refused_without_downloading(
    testbed: TestBed, forms: FormsBot
) -> None:
    alice = testbed.add_member(name="alice")
    upload = testbed.attachment("big.md", b"tiny", size=5000)  # Discord says 5000 bytes

    result = await testbed.slash("quiz-upload", {"file": upload}, user=alice)

    assert result.message is not None and result.message.content == "too big: 5000"
    assert upload.downloads == 0


async def test_bytes_larger_than_declared_still_download_whole(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    upload = testbed.attachment("liar.md", b"x" * 4000, size=10)  # the bot must not trust `size` alone

    final = await (await testbed.slash("quiz-upload", {"file": upload}, user=alice)).wait_final()

    assert final.content.startswith("liar.md|text/markdown; charset=utf-8|10|4000|")


async def test_a_failing_cdn_url_raises_in_attachment_read(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    gone = testbed.attachment("gone.md", "q", status=404)
    broken = testbed.attachment("broken.md", "q", status=503)

    first = await (await testbed.slash("quiz-upload", {"file": gone}, user=alice)).wait_final()
    second = await (await testbed.slash("quiz-upload", {"file": broken}, user=alice)).wait_final()

    assert (first.content, second.content) == ("download failed: 404", "download failed: 503")


async def test_a_hanging_cdn_url_trips_the_bots_download_timeout(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    forms.download_timeout = 0.2
    upload = testbed.attachment("slow.md", "q", delay=30)

    final = await (await testbed.slash("quiz-upload", {"file": upload}, user=alice)).wait_final()

    assert final.content == "download timed out"
    assert upload.downloads == 1


async def test_stopping_the_test_bed_releases_a_hanging_download() -> None:
    tb = TestBed(spec=False)
    await tb.start()
    upload = tb.attachment("slow.md", "q", delay=60)
    async with aiohttp.ClientSession() as http:
        pending = asyncio.create_task(http.get(upload.url))
        await tb.wait_until(lambda: upload.downloads == 1, what="the download to start")

        started = time.monotonic()
        await tb.stop()

        assert time.monotonic() - started < 2, "stop() must not wait out the injected delay"
        (await pending).release()


async def test_a_slow_cdn_url_that_answers_in_time_downloads(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    upload = testbed.attachment("slow.md", "quiz", delay=0.1)

    final = await (await testbed.slash("quiz-upload", {"file": upload}, user=alice)).wait_final(timeout=5)

    assert final.content.endswith("|4|4|quiz")


async def test_members_cannot_attach_files_over_the_attachment_size_limit(testbed: TestBed) -> None:
    testbed.attachment_size_limit = 100
    with pytest.raises(AssertionError, match="attachment_size_limit"):
        testbed.attachment("huge.md", b"x" * 101)
    with pytest.raises(AssertionError, match="attachment_size_limit"):
        testbed.attachment("huge.md", b"x", size=101)


async def test_an_attachment_option_needs_a_testbed_attachment(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    with pytest.raises(AssertionError, match=r"testbed\.attachment"):
        await testbed.slash("quiz-upload", {"file": "day49.md"}, user=alice)


async def test_files_on_responses_followups_and_edits_keep_their_bytes(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")

    result = await testbed.slash("report", user=alice)

    await testbed.wait_until(lambda: result.message and len(result.message.attachments) == 2, what="the edit")
    assert result.message is not None
    assert result.message.files == {"report.csv": b"a,b\n1,2\n", "chart.png": b"\x89PNG fake"}
    assert [a["content_type"] for a in result.message.attachments] == ["text/csv; charset=utf-8", "image/png"]
    [appendix] = result.followups
    assert appendix.files == {"appendix.txt": b"more"}
    assert testbed.violations == []


async def test_discordpy_reads_a_bot_upload_from_the_cdn_until_the_message_is_gone(
    testbed: TestBed, forms: FormsBot
) -> None:
    alice = testbed.add_member(name="alice")
    result = await testbed.slash("report", user=alice)
    await testbed.wait_until(lambda: result.followups, what="the followup")
    posted = forms.get_partial_messageable(testbed.general.id).get_partial_message(result.followups[0].id)
    message = await posted.fetch()

    assert await message.attachments[0].read() == b"more"

    testbed.moderator_delete(result.followups[0])
    with pytest.raises(discord.NotFound):
        await message.attachments[0].read()


async def test_the_cdn_serves_without_a_token_and_404s_unknown_files(testbed: TestBed) -> None:
    upload = testbed.attachment("notes.txt", b"hello")
    async with aiohttp.ClientSession() as http:
        async with http.get(upload.url) as resp:
            assert (resp.status, await resp.read()) == (200, b"hello")
            assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
        async with http.get(upload.proxy_url) as resp:
            assert resp.status == 200
        async with http.get(upload.url.replace("notes.txt", "other.txt")) as resp:
            assert resp.status == 404
    assert upload.downloads == 2


async def test_an_update_can_add_keep_and_remove_files(testbed: TestBed, forms: FormsBot) -> None:
    alice = testbed.add_member(name="alice")
    panel = await testbed.slash("panel", user=alice)
    assert panel.message is not None

    await testbed.click(panel.message, "Attach", user=alice)
    assert panel.message.files == {"panel.txt": b"panel"}
    first_url = panel.message.attachments[0]["url"]
    await testbed.click(panel.message, "Add", user=alice)
    assert panel.message.files == {"panel.txt": b"panel", "more.txt": b"more"}
    assert panel.message.attachments[0]["url"] == first_url, "a kept file keeps its id and URL"
    assert "/ephemeral-attachments/" in first_url, "files on an ephemeral message are ephemeral"
    clear = await testbed.click(panel.message, "Clear", user=alice)

    assert clear.response_type == 7
    assert (panel.message.content, panel.message.attachments, panel.message.files) == ("no files", [], {})
    async with aiohttp.ClientSession() as http, http.get(first_url) as resp:
        assert resp.status == 404, "Discord's CDN drops a file removed from its message"


async def test_an_upload_over_the_size_limit_is_request_entity_too_large(testbed: TestBed, forms: FormsBot) -> None:
    testbed.attachment_size_limit = 10
    channel = forms.get_partial_messageable(testbed.general.id)

    with pytest.raises(discord.HTTPException) as err:
        await channel.send(file=discord.File(io.BytesIO(b"x" * 11), "big.txt"))

    assert (err.value.status, err.value.code) == (413, 40005)
    assert [v.kind for v in testbed.take_violations()] == ["limits"]


async def _post_files(tb: TestBed, payload: dict[str, object], names: list[str]) -> tuple[int, dict[str, object]]:
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for n, name in enumerate(names):
        form.add_field(f"files[{n}]", b"data", filename=name, content_type="application/octet-stream")
    url = f"{tb.api_base}/channels/{tb.general.id}/messages"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=form, headers={"Authorization": f"Bot {tb.token}"}) as resp,
    ):
        return resp.status, await resp.json()


async def test_attachment_lists_are_checked_like_discord_does(testbed: TestBed) -> None:
    eleven = [f"f{n}.txt" for n in range(11)]
    status, body = await _post_files(testbed, {"attachments": [{"id": n} for n in range(11)]}, eleven)
    assert (status, body["code"]) == (400, 50035)

    status, body = await _post_files(testbed, {"content": "x", "attachments": [{"id": 5}]}, ["a.txt"])
    assert (status, body["code"]) == (400, 50035)
    assert [v.kind for v in testbed.take_violations()] == ["limits", "attachments"]

    status, body = await _post_files(testbed, {"content": "x"}, ["a.txt", "b.txt"])
    assert status == 200 and [a["filename"] for a in body["attachments"]] == ["a.txt", "b.txt"]
    status, _ = await _post_files(testbed, {"content": "x"}, ["a.txt", "a.txt"])
    assert status == 400
    assert [v.kind for v in testbed.take_violations()] == ["unsupported-upload"]
