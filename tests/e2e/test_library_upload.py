"""What an organiser with only Discord does: upload the course's markdown, play it, fix an answer by
downloading, editing and uploading again, and remove it — all without a restart."""

from __future__ import annotations

import pytest

from bot.app import QuizBot
from bot.library.service import MAX_UPLOAD_BYTES
from bot.ui import library as library_ui
from tests.discord_testbed import Permission
from tests.discord_testbed.testbed import TestBed
from tests.helpers import REPO_ROOT

SEED = REPO_ROOT.parent / "shared" / "seeds" / "000_410bd2ece56a659a.txt"
NOT_A_QUIZ = "title: Day 49\nquestions:\n" + "".join(
    f"  - id: q{n}\n    prompt: Question {n}?\n    choices: [alpha, beta]\n    answer: Z\n" for n in range(1, 13)
)


async def test_upload_play_fix_and_remove_without_a_restart(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")
    seed = testbed.attachment("Day 48 quiz.txt", SEED.read_bytes(), content_type="text/plain")

    uploaded = await testbed.slash("quiz-upload", {"file": seed, "name": "lora"}, user=organiser)
    stored = await uploaded.wait_final()
    assert (
        stored.ephemeral
        and "Stored **Day 48 Quiz" in stored.content
        and "as `lora` (version 1, 10 questions)" in (stored.content)
    )
    started = await testbed.slash("quiz", {"name": "lora"}, user=alice)
    assert "Starting **Day 48 Quiz" in started.message.content
    await testbed.slash("quiz-stop", {}, user=alice)

    downloaded = await testbed.slash("quiz-download", {"name": "lora"}, user=organiser)
    yaml_text = downloaded.message.files["lora.yaml"].decode()
    assert yaml_text == (REPO_ROOT / "quizzes" / "day48.yaml").read_text()
    fixed = yaml_text.replace("answer: B", "answer: A", 1)
    again = testbed.attachment("lora.yaml", fixed)

    refused = await (await testbed.slash("quiz-upload", {"file": again}, user=organiser)).wait_final()
    assert "already has a quiz `lora`" in refused.content and "replace:true" in refused.content
    replaced = await (await testbed.slash("quiz-upload", {"file": again, "replace": True}, user=organiser)).wait_final()
    assert "(version 2, 10 questions)" in replaced.content and "past results keep the version" in replaced.content
    quiz = bot.library.catalog_for(testbed.guild.id).get("lora")
    assert quiz is not None and quiz.questions[0].answer == 0

    asked = await testbed.slash("quiz-remove", {"name": "lora"}, user=organiser)
    removed = await testbed.click(asked.message, "Remove", user=organiser)
    assert "Removed `lora`" in removed.message.content
    gone = await testbed.slash("quiz", {"name": "lora"}, user=alice)
    assert "There is no quiz called “lora”" in gone.message.content
    assert testbed.gateway.identifies == 1  # no restart anywhere


async def test_every_problem_comes_back_and_a_long_list_as_a_file(testbed: TestBed, bot: QuizBot) -> None:
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    broken = testbed.attachment("day49.yaml", NOT_A_QUIZ)

    result = await (await testbed.slash("quiz-upload", {"file": broken}, user=organiser)).wait_final()

    assert result.ephemeral and "The quiz was not stored: 12 problems to fix." in result.content
    assert result.content.count("• line ") == 10 and "every one is in the attached problems.txt" in result.content
    listed = result.files["problems.txt"].decode().splitlines()
    assert len(listed) == 12 and all(line.startswith("line ") for line in listed)
    assert "day49" not in bot.library.catalog_for(testbed.guild.id).ids()


async def test_limits_refuse_before_or_while_downloading(
    testbed: TestBed, bot: QuizBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    member = testbed.add_member(name="member")

    huge = testbed.attachment("huge.yaml", "title: x\n", size=MAX_UPLOAD_BYTES + 1)
    too_big = await testbed.slash("quiz-upload", {"file": huge}, user=organiser)
    assert too_big.ephemeral and "quiz files are limited to 512 KiB" in too_big.message.content
    assert huge.downloads == 0  # refused from the declared size, before downloading

    not_allowed = await testbed.slash("quiz-upload", {"file": huge}, user=member)
    assert "Only members with Manage Server or the quiz-master role" in not_allowed.message.content

    monkeypatch.setattr(library_ui, "DOWNLOAD_TIMEOUT_SECONDS", 0.2)
    stuck = testbed.attachment("day49.yaml", "title: x\n", delay=5.0)
    timed_out = await (await testbed.slash("quiz-upload", {"file": stuck}, user=organiser)).wait_final()
    assert "from Discord took over" in timed_out.content and "upload it again" in timed_out.content
