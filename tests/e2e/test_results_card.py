"""A finished live quiz attaches the results card to its text leaderboard, through the test bed."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from bot.app import QuizBot
from bot.settings import Settings
from bot.ui.results_card import FILL, card_layout
from tests.discord_testbed import TestBed
from tests.helpers import bar_runs

CARD_QUIZ = """\
title: Card quiz
seconds_per_question: 60
questions:
  - id: one
    prompt: First letter?
    choices: ["A", "B"]
    answer: A
  - id: two
    prompt: Second letter?
    choices: ["A", "B"]
    answer: B
  - id: three
    prompt: Third letter?
    choices: ["A", "B", "C"]
    answer: C
"""


@pytest.fixture
def bot_settings(bot_settings: Settings, tmp_path: Path) -> Settings:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "card.yaml").write_text(CARD_QUIZ, encoding="utf-8")
    return replace(bot_settings, quizzes_dir=folder)


async def test_a_finished_live_quiz_attaches_the_card_to_its_text_leaderboard(
    testbed: TestBed, running_bot: QuizBot
) -> None:
    testbed.forbid_pings = True
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    await testbed.slash("quiz-settings", {"lead_seconds": 0, "reveal_seconds": 0}, user=testbed.owner)
    await testbed.slash("quiz", {"name": "card"}, user=alice)
    # alice gets every question right, bob only the first: shares 100 %, 50 %, 50 %.
    for number, (alice_pick, bob_pick) in enumerate((("A", "A"), ("B", "A"), ("C", "A")), start=1):
        question = await testbed.wait_for_message(
            testbed.general, lambda m, n=number: m.embed is not None and f"Question {n}/3" in str(m.embed.get("title"))
        )
        await testbed.click(question, alice_pick, user=alice)
        await testbed.click(question, bob_pick, user=bob)
        await testbed.click(question, "Next", user=alice)

    results = await testbed.wait_for_message(
        testbed.general, lambda m: m.embed is not None and str(m.embed.get("title", "")).startswith("🏆 Results")
    )
    # The text board stays (screen readers, mobile); the picture rides on the same message.
    assert "alice" in results.text() and "bob" in results.text()
    assert list(results.files) == ["results.png"]
    image = Image.open(io.BytesIO(results.files["results.png"]))
    assert image.format == "PNG"
    layout = card_layout(3)
    assert image.size == (800, layout.height)
    image = image.convert("RGB")
    assert bar_runs(image, layout.tracks[0].left + 2) == 3
    width = layout.tracks[0].right - layout.tracks[0].left
    fills = [
        sum(1 for x in range(t.left, t.right) if image.getpixel((x, (t.top + t.bottom) // 2)) == FILL)
        for t in layout.tracks
    ]
    assert fills == [width, round(width * 0.5), round(width * 0.5)]
