"""Decide a question's answer from every place the source gives it, cross-checking them.

A key that repeats the option text lets us catch a wrong letter: text equal to *another* option is an
error, text equal to no option is a paraphrase (accepted by its letter, with a warning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain.quiz import index_of, letter_of
from bot.importers.drafts import normalized
from bot.importers.result import ProblemLog

# Lines that markdown keeps on their own: list items, quotes, tables and indented code.
_BLOCK_LINE = re.compile(r"^\s*([-*+>|]|\d{1,3}[.)])(\s|$)|^ {4}")


@dataclass
class AnswerClaim:
    """One statement of an answer: inline under the question, or an entry of an answer key."""

    number: int
    letter: str
    text: str
    line: int
    explanation: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ResolvedAnswer:
    index: int
    explanation: str


def join_lines(lines: list[str]) -> str:
    """Join captured lines as markdown reads them: a wrapped paragraph becomes one line (Discord would
    show the author's wrapping as hard breaks), while list items, quotes, code and paragraph breaks stay.
    """
    kept: list[str] = []
    for line in lines:
        if not line.strip() and (not kept or not kept[-1].strip()):
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    joined: list[str] = []
    in_fence = after_code = False
    for line in kept:
        fence = line.lstrip().startswith(("```", "~~~"))
        starts_block = in_fence or fence or _BLOCK_LINE.match(line) is not None
        if joined and line.strip() and joined[-1].strip() and not starts_block and not after_code:
            joined[-1] = f"{joined[-1]} {line.strip()}"
        else:
            joined.append(line)
        after_code = in_fence or fence or line.startswith("    ")
        if fence:
            in_fence = not in_fence
    return "\n".join(joined)


def resolve_answer(
    log: ProblemLog,
    *,
    label: str,
    line: int,
    options: list[str],
    claims: list[AnswerClaim],
    loose_explanation: list[str],
) -> ResolvedAnswer | None:
    """Return the answer all claims agree on, or None after logging why there is none."""
    if not claims:
        log.error(
            line,
            f"{label} has no answer; add `**Answer: X) ...**` under it or an entry `**N. X) ...**` "
            "in the answer key",
        )
        return None
    ordered = sorted(claims, key=lambda claim: claim.line)
    first = ordered[0]
    disagreeing = [claim for claim in ordered if claim.letter != first.letter]
    for claim in disagreeing:
        log.error(
            claim.line,
            f"{label}: the answer here is {claim.letter} but line {first.line} says {first.letter}; "
            "make them agree",
        )
    if disagreeing:
        return None
    index = index_of(first.letter)
    if index >= len(options):
        log.error(
            first.line,
            f"{label}: the answer is {first.letter} but the question only has options "
            f"A to {letter_of(len(options) - 1)}",
        )
        return None
    if not all(_check_key_text(log, label, options, index, claim) for claim in ordered):
        return None
    explanations = [join_lines(claim.explanation) for claim in ordered]
    explanation = next((text for text in explanations if text), join_lines(loose_explanation))
    return ResolvedAnswer(index, explanation)


def _check_key_text(log: ProblemLog, label: str, options: list[str], index: int, claim: AnswerClaim) -> bool:
    if not claim.text:
        return True
    given = normalized(claim.text)
    if given == normalized(options[index]):
        return True
    if _split_remark(claim, options[index]):
        return True
    others = [other for other, option in enumerate(options) if other != index and normalized(option) == given]
    if others:
        log.error(
            claim.line,
            f'{label}: the key says {claim.letter}) "{claim.text}" but that is the text of option '
            f"{letter_of(others[0])}; the letter is probably wrong, fix the letter or the text",
        )
        return False
    log.warn(
        claim.line,
        f'{label}: the key text "{claim.text}" does not match option {claim.letter} '
        f'"{options[index]}"; imported as {claim.letter}, check it',
    )
    return True


def _split_remark(claim: AnswerClaim, option: str) -> bool:
    """Accept "A) 5 — because ..." as the option text followed by a remark, which becomes the explanation."""
    for separator in (" — ", " – ", " - ", ": "):
        head, found, remark = claim.text.partition(separator)
        if found and normalized(head) == normalized(option) and remark.strip():
            claim.text = head
            claim.explanation.insert(0, remark.strip())
            return True
    return False
