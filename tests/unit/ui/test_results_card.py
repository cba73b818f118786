"""The results card is a valid PNG of the expected size with one bar per question."""

from __future__ import annotations

import io

from PIL import Image

from bot.ui.results_card import BACKGROUND, FILL, card_layout, render_results_card
from tests.helpers import bar_runs


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
    from bot.domain.runs import StoredAnswer, Tally
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
    image = Image.open(io.BytesIO(results_card(quiz, board, Tally.of(quiz, answers)))).convert("RGB")
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
