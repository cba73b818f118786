"""The results card: a PNG with the podium and one bar per question (share of correct answers).

The text leaderboard stays the accessible version; the card is a picture for the channel. Size and
layout depend only on the number of questions, so tests (and Discord's preview) can rely on them.
Pillow's built-in font is used, so no font files ship with the bot.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

WIDTH = 800
MARGIN = 24
TITLE_HEIGHT = 56
PODIUM_HEIGHT = 190
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 56
SHARE_WIDTH = 64
NAME_CHARS = 18

BACKGROUND = (30, 33, 40)
TEXT = (235, 236, 240)
MUTED = (160, 165, 175)
TRACK = (58, 63, 75)
FILL = (87, 196, 120)
PODIUM_COLOURS = ((230, 184, 60), (180, 186, 196), (196, 126, 70))  # gold, silver, bronze
# Podium blocks left to right: 2nd, 1st, 3rd, as on a real podium.
PODIUM_HEIGHTS = (110, 80, 60)


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class CardLayout:
    width: int
    height: int
    podium: tuple[Box, ...]  # one block per place, 1st place first
    tracks: tuple[Box, ...]  # the full-width track of each question's bar


def card_layout(question_count: int) -> CardLayout:
    """Where everything goes on a card for this many questions."""
    bars_top = MARGIN + TITLE_HEIGHT + PODIUM_HEIGHT
    height = bars_top + question_count * (BAR_HEIGHT + BAR_GAP) + MARGIN
    block_width = 180
    centre = WIDTH // 2
    lefts = {
        1: centre - block_width // 2 - block_width - 20,
        0: centre - block_width // 2,
        2: centre + block_width // 2 + 20,
    }
    base = MARGIN + TITLE_HEIGHT + PODIUM_HEIGHT - 16
    podium = tuple(
        Box(lefts[place], base - PODIUM_HEIGHTS[place], lefts[place] + block_width, base) for place in range(3)
    )
    track_left = MARGIN + LABEL_WIDTH
    track_right = WIDTH - MARGIN - SHARE_WIDTH
    tracks = tuple(
        Box(track_left, top, track_right, top + BAR_HEIGHT)
        for top in (bars_top + i * (BAR_HEIGHT + BAR_GAP) for i in range(question_count))
    )
    return CardLayout(WIDTH, height, podium, tracks)


def render_results_card(title: str, podium: Sequence[tuple[str, int]], per_question_share: Sequence[float]) -> bytes:
    """PNG bytes: `title`, up to three (name, score) places, and one bar per question share (0..1)."""
    layout = card_layout(len(per_question_share))
    image = Image.new("RGB", (layout.width, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font = ImageFont.load_default(size=28)
    name_font = ImageFont.load_default(size=18)
    small_font = ImageFont.load_default(size=15)

    draw.text((MARGIN, MARGIN), _clip(title, 48), font=title_font, fill=TEXT)
    for place, (name, score) in enumerate(podium[:3]):
        box = layout.podium[place]
        draw.rectangle((box.left, box.top, box.right, box.bottom), fill=PODIUM_COLOURS[place])
        centre = (box.left + box.right) // 2
        draw.text((centre, box.top - 30), _clip(name, NAME_CHARS), font=name_font, fill=TEXT, anchor="mm")
        draw.text((centre, box.top - 10), f"{score}", font=small_font, fill=MUTED, anchor="mm")
        draw.text((centre, (box.top + box.bottom) // 2), f"{place + 1}", font=title_font, fill=BACKGROUND, anchor="mm")
    if not podium:
        draw.text((WIDTH // 2, MARGIN + TITLE_HEIGHT + 60), "Nobody answered.", font=name_font, fill=MUTED, anchor="mm")

    for number, (share, track) in enumerate(zip(per_question_share, layout.tracks, strict=True), start=1):
        share = min(max(share, 0.0), 1.0)
        middle = (track.top + track.bottom) // 2
        draw.text((MARGIN, middle), f"Q{number}", font=small_font, fill=MUTED, anchor="lm")
        draw.rectangle((track.left, track.top, track.right - 1, track.bottom - 1), fill=TRACK)
        filled = round((track.right - track.left) * share)
        if filled > 0:
            draw.rectangle((track.left, track.top, track.left + filled - 1, track.bottom - 1), fill=FILL)
        draw.text((WIDTH - MARGIN, middle), f"{share:.0%}", font=small_font, fill=TEXT, anchor="rm")

    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# The built-in font has no glyphs for typographic punctuation; plain look-alikes read better than boxes.
_PLAIN = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.translate(_PLAIN).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
