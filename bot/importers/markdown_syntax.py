"""Recognise the kinds of line a hand-written markdown quiz is made of.

Each matcher looks at one line and says what it could be; which reading wins depends on where the
line is (question list, answer key, <details> block), so that choice is left to the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOLD = r"(?:\*\*|__)"
_LETTER = r"\(?(?P<letter>[A-Ea-e])(?![A-Za-z0-9'’])"

HEADING = re.compile(r"^\s{0,3}(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
SEPARATOR = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
# `1. **What is LoRA?**` (the bold part is the prompt; text after it is kept too).
BOLD_QUESTION = re.compile(
    r"^\s{0,3}(?P<number>\d{1,3})[.)]\s+(?P<bold>\*\*|__)(?P<text>.+?)(?P=bold)(?P<rest>.*)$"
)
# `### 3. Question`, `### Question 3: ...`, `### Q3. ...`, `### Question 3` (prompt on the next lines).
HEADING_QUESTION = re.compile(
    r"^(?:(?:Q|Question)\s*(?P<n1>\d{1,3})(?![\d])\s*[.):\-–—]?|(?P<n2>\d{1,3})\s*[.)])\s*(?P<text>.*)$",
    re.IGNORECASE,
)
# `- A) text`, `a. text`, `* (B) text`, `- **C)** text`, indented or not.
# Any letter is matched so that a sixth option `F)` is reported rather than silently dropped.
OPTION = re.compile(rf"^\s*(?:[-*+]\s+)?{_BOLD}?\(?(?P<letter>[A-Za-z])\s*[.)]{_BOLD}?\s+(?P<text>\S.*?)\s*$")
# `**1. B) text**`, `**1. B** - remark`, `1. b) text`, `1. B - remark`, `1. B`, `Question 1: B`.
KEY_ENTRY = re.compile(
    rf"^\s*(?:[-*+]\s+)?{_BOLD}?\s*(?:(?:Q|Question)\s*)?(?P<number>\d{{1,3}})\s*[.):][\s*_]*"
    rf"(?:(?:correct\s+)?answer\s*{_BOLD}?\s*[:\-]?[\s*_]*)?{_LETTER}(?P<rest>.*)$",
    re.IGNORECASE,
)
# `**Answer: b) text**`, `**Answer:** B`, `✅ Correct answer: C - because`, `> Answer: (d)`.
ANSWER_LINE = re.compile(
    rf"^[\s>*+\-]*(?:[^\w\s*_]+\s*)?{_BOLD}?\s*(?:correct\s+)?answer\s*{_BOLD}?\s*[:：][\s*_]*"
    rf"{_LETTER}(?P<rest>.*)$",
    re.IGNORECASE,
)
# `**Answers:** 1-b, 2-c, 3-a` on one line.
ANSWERS_LIST = re.compile(
    rf"^[\s>*+\-]*{_BOLD}?\s*(?:answers|answer\s+key)\s*{_BOLD}?\s*[:：]\s*{_BOLD}?\s*(?P<pairs>.+?)\s*{_BOLD}?\s*$",
    re.IGNORECASE,
)
_PAIR = re.compile(r"^(?P<number>\d{1,3})\s*[-–.:)=]\s*\(?(?P<letter>[A-Ea-e])\)?$")
# `1. b, 2. c, 3. b` or `1-b 2-c 3-a`: a whole key on one line with no `Answers:` label (under a key heading).
_PAIR_TEXT = r"\d{1,3}\s*[-–.:)=]\s*\(?[A-Ea-e]\)?"
_PAIR_GAP = r"(?:\s*[,;|]\s*|\s+)"
KEY_PAIRS = re.compile(
    rf"^[\s>*+\-]*{_BOLD}?\s*(?P<pairs>{_PAIR_TEXT}(?:{_PAIR_GAP}{_PAIR_TEXT})+)\s*[,;.]?\s*{_BOLD}?\s*$"
)
_PAIR_PARTS = re.compile(r"(?P<number>\d{1,3})\s*[-–.:)=]\s*\(?(?P<letter>[A-Ea-e])\)?")
# A pair anywhere in a line (`... 1-b ...`), to notice a key the parser could not read.
_PAIR_ANYWHERE = re.compile(r"(?<![\w.])\d{1,3}\s*[-–.:)=]\s*\(?[A-Ea-e]\)?(?![\w'’])")
# `(10 points)`, `[5 pts]`, `- 2 marks` at the end of a question heading: a score, not part of the question.
_POINTS = re.compile(
    r"\s*(?:[(\[]\s*\d+(?:[.,]\d+)?\s*(?:points?|pts?\.?|marks?)\s*[)\]]"
    r"|[-–—]\s*\d+(?:[.,]\d+)?\s*(?:points?|pts?\.?|marks?))\s*$",
    re.IGNORECASE,
)
WHOLE_BOLD = re.compile(rf"^\s*(?P<bold>{_BOLD})(?P<text>\S(?:.*\S)?)(?P=bold)\s*$")
EXPLANATION = re.compile(
    rf"^[\s>*+\-]*(?:[^\w\s*_]+\s*)?(?:{_BOLD}|[*_])?\s*(?:explanation|rationale)\s*(?:{_BOLD}|[*_])?\s*[:：]"
    rf"\s*(?:{_BOLD}|[*_])?\s*(?P<text>.*)$",
    re.IGNORECASE,
)
# A line that is only a letter, as answers inside <details> are often written: `B`, `**B) text**`, `b - why`.
BARE_LETTER = re.compile(rf"^\s*{_BOLD}?\s*{_LETTER}(?P<rest>.*)$")
BOLD_LINE = re.compile(rf"^\s*{_BOLD}(?P<text>[^*_\d][^:]*?):?{_BOLD}\s*:?\s*$")
DETAILS_OPEN = re.compile(r"<details\b[^>]*>", re.IGNORECASE)
DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
SUMMARY = re.compile(r"<summary\b[^>]*>(?P<text>.*?)</summary\s*>", re.IGNORECASE)

_ANSWER_SECTION = re.compile(
    r"^\W*(answers?|solutions?)\b|\banswer\s+key\b|^\W*key\W*$|\b(answers|solutions)\b", re.IGNORECASE
)
_QUESTION_SECTION = re.compile(r"\b(questions?|quiz)\b", re.IGNORECASE)
_IGNORED_SECTION = re.compile(
    r"\b(instructions?|scoring|score|grading|review|next\s+steps|resources?|references?|notes?|tips?"
    r"|reflection|summary|self[-\s]assessment|further\s+reading|learning\s+objectives?|key\s+takeaways?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LetterClaim:
    """A letter given as the answer, with the option text a key repeats and/or a remark after it."""

    letter: str
    text: str  # the option text the source repeats after the letter ("" if none)
    remark: str  # a short explanation written after the letter ("1. B - because ...")


def section_kind(title: str) -> str:
    """Classify a heading: "answers", "questions", "ignored" or "other"."""
    if _ANSWER_SECTION.search(title):
        return "answers"
    if _QUESTION_SECTION.search(title):
        return "questions"
    if _IGNORED_SECTION.search(title):
        return "ignored"
    return "other"


def strip_emphasis(text: str) -> str:
    """Drop bold/italic markers wrapping `text` ("**What is X?**" -> "What is X?"), keep inner markup."""
    stripped = text.strip()
    while True:
        match = re.fullmatch(r"(\*\*|__|\*|_)(.+)\1", stripped, re.DOTALL)
        if match is None or match.group(2).strip() != match.group(2):
            return stripped
        stripped = match.group(2).strip()


def trim_emphasis(text: str) -> str:
    """Like strip_emphasis, also dropping a bold marker left open by the line around it."""
    text = text.strip()
    for marker in ("**", "__"):
        if text.count(marker) % 2 == 1:
            if text.startswith(marker):
                text = text[len(marker) :].strip()
            elif text.endswith(marker):
                text = text[: -len(marker)].strip()
    return strip_emphasis(text)


def letter_claim(letter: str, rest: str, *, loose: bool = False) -> LetterClaim | None:
    """Read what follows an answer letter; None when the letter was really the start of a word.

    `loose` also accepts "Answer: B the option text" (no bracket), which only `Answer:` lines use.
    """
    tail = rest.strip()
    for marker in ("**", "__"):
        if tail.startswith(marker):
            tail = tail[len(marker) :].lstrip()
    if tail.startswith(")"):
        tail = tail[1:].lstrip()
        for marker in ("**", "__"):
            if tail.startswith(marker):
                tail = tail[len(marker) :].lstrip()
    if not tail:
        return LetterClaim(letter.upper(), "", "")
    if tail[0] in ").":
        return LetterClaim(letter.upper(), trim_emphasis(tail[1:]), "")
    remark = re.match(r"^(?:[-–—:]|\s-)\s*(?P<remark>.*)$", tail)
    if remark is not None:
        return LetterClaim(letter.upper(), "", trim_emphasis(remark.group("remark")))
    if rest[:1] in {")", "*", "_"} or (loose and rest.startswith(" ")):
        # "B) text" after the bold was closed, or "Answer: B text": the text repeats the option.
        return LetterClaim(letter.upper(), trim_emphasis(tail), "")
    return None


def answers_list(line: str) -> list[tuple[int, str]] | None:
    """Read `**Answers:** 1-b, 2-c` into [(1, "B"), (2, "C")], or None if the line is not one."""
    match = ANSWERS_LIST.match(line)
    if match is None:
        return None
    pairs: list[tuple[int, str]] = []
    for item in re.split(r"[,;]|\s{2,}", match.group("pairs").replace("**", "")):
        if not item.strip():
            continue
        pair = _PAIR.match(item.strip())
        if pair is None:
            return None
        pairs.append((int(pair.group("number")), pair.group("letter").upper()))
    return pairs or None


def key_pairs(line: str) -> list[tuple[int, str]] | None:
    """Read a bare one-line key `1. b, 2. c, 3. b` into [(1, "B"), (2, "C"), (3, "B")], or None."""
    match = KEY_PAIRS.match(line)
    if match is None:
        return None
    return [
        (int(pair.group("number")), pair.group("letter").upper())
        for pair in _PAIR_PARTS.finditer(match.group("pairs"))
    ]


def looks_like_key(line: str) -> bool:
    """True for a line that reads like answer-key entries (`1. B`, `2) c) text`, `1-a 2-b`), read or not."""
    plain = re.sub(r"[*_`]", "", line)
    if len(_PAIR_ANYWHERE.findall(plain)) >= 2:
        return True
    entry = KEY_ENTRY.match(line)
    return entry is not None and letter_claim(entry.group("letter"), entry.group("rest")) is not None


def without_points(text: str) -> str:
    """Drop a score from a question heading: "CDC Fundamentals (10 points)" -> "CDC Fundamentals"."""
    return _POINTS.sub("", text).strip()


def heading_question(text: str) -> tuple[int, str] | None:
    """Read a heading like `3. **Question**` or `Question 3: ...` as (3, prompt); None if it is not one.

    A score at the end (`Question 1: CDC Fundamentals (10 points)`) is dropped.
    """
    match = HEADING_QUESTION.match(text.strip())
    if match is None:
        return None
    number = int(match.group("n1") or match.group("n2"))
    return number, without_points(strip_emphasis(match.group("text")))


def numbered_question(line: str) -> tuple[int, str] | None:
    """Read `1. **Question**`, `**1. Question**`, `**1.** Question`, `**Question 1:** ...` as (1, prompt)."""
    bold = BOLD_QUESTION.match(line)
    if bold is not None:
        return int(bold.group("number")), (bold.group("text").strip() + bold.group("rest").rstrip()).strip()
    stripped = line.strip()
    if not stripped.startswith(("**", "__")):
        return None
    entry = KEY_ENTRY.match(line)
    if entry is not None and letter_claim(entry.group("letter"), entry.group("rest")) is not None:
        return None  # `**1. B) text**` is an answer, not a question
    return heading_question(stripped.replace("**", "").replace("__", ""))
