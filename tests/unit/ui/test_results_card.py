"""The results card is a valid PNG of the expected size with one bar per question."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from bot.app import QuizBot
from bot.settings import Settings
from bot.ui.results_card import BACKGROUND, FILL, TRACK, card_layout, render_results_card
from tests.discord_testbed import TestBed

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


def bar_runs(image: Image.Image, x: int) -> int:
    """How many separate vertical runs of bar colour (track or fill) cross column x."""
    runs, inside = 0, False
    for y in range(image.height):
        pixel = image.getpixel((x, y))
        is_bar = pixel in (TRACK, FILL)
        if is_bar and not inside:
            runs += 1
        inside = is_bar
    return runs


def test_card_has_expected_size_and_one_bar_per_question() -> None:
    shares = [1.0, 0.0, 0.5, 0.25, 0.8]
    png = render_results_card("Day 48 — LoRA", [("alice", 5), ("bob @everyone", 4), ("carol", 4)], shares)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    layout = card_layout(len(shares))
    assert image.size == (800, layout.height)
    image = image.convert("RGB")
    assert bar_runs(image, layout.tracks[0].left + 2) == len(shares)
    # The fill covers each bar's share of the track.
    for share, track in zip(shares, layout.tracks, strict=True):
        middle = (track.top + track.bottom) // 2
        filled = sum(1 for x in range(track.left, track.right) if image.getpixel((x, middle)) == FILL)
        assert abs(filled - share * (track.right - track.left)) <= 1
    # The podium blocks are drawn (first place's block centre is gold, not background).
    first = layout.podium[0]
    assert image.getpixel((first.left + 4, first.bottom - 4)) != BACKGROUND


def test_card_size_depends_only_on_the_question_count() -> None:
    small = Image.open(io.BytesIO(render_results_card("x", [], [0.5] * 3)))
    big = Image.open(io.BytesIO(render_results_card("a much longer title " * 5, [("n" * 200, 1)], [0.5] * 3)))
    assert small.size == big.size == (800, card_layout(3).height)
    many = Image.open(io.BytesIO(render_results_card("x", [("a", 1)], [0.1] * 40))).convert("RGB")
    assert bar_runs(many, card_layout(40).tracks[0].left + 2) == 40


def test_live_results_card_uses_the_podium_and_per_question_shares() -> None:
    from datetime import UTC, datetime

    from bot.domain.quiz import Question, Quiz
    from bot.domain.runs import StoredAnswer
    from bot.domain.scoring import Standing
    from bot.ui.live_presenter import results_card

    quiz = Quiz(id="q", title="Quiz", questions=tuple(Question(f"q{i}", "?", ("a", "b"), 0) for i in range(4)))
    at = datetime(2026, 11, 29, tzinfo=UTC)
    answers = [
        StoredAnswer(1, 0, 1, "ann", 0, True, at, 1.0),
        StoredAnswer(1, 0, 2, "ben", 1, False, at, 1.0),
        StoredAnswer(1, 2, 1, "ann", 0, True, at, 1.0),
    ]
    board = [Standing(1, 1, "ann", 2, 2, 2, 2.0), Standing(2, 2, "ben", 0, 0, 1, 1.0)]
    image = Image.open(io.BytesIO(results_card(quiz, board, answers))).convert("RGB")
    layout = card_layout(4)
    assert image.size == (800, layout.height)
    assert bar_runs(image, layout.tracks[0].left + 2) == 4
    middle = [(t.top + t.bottom) // 2 for t in layout.tracks]
    fills = [
        sum(1 for x in range(t.left, t.right) if image.getpixel((x, y)) == FILL)
        for t, y in zip(layout.tracks, middle, strict=True)
    ]
    width = layout.tracks[0].right - layout.tracks[0].left
    assert fills == [round(width * 0.5), 0, width, 0]


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
