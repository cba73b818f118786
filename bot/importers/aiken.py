"""Parse Aiken, Moodle's plain-text multiple-choice format, into a `Quiz`.

    What does LoRA freeze?
    A. Nothing
    B) The base model weights
    ANSWER: B

Aiken has no title, so the title (and `Day N`, and the id) come from the file or folder name. An
`EXPLANATION:` line after `ANSWER:` is accepted as an extension (Moodle itself has no such line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from bot.domain.quiz import index_of, letter_of
from bot.importers.drafts import DraftQuestion, QuizHeader, build_quiz, check_choice_count
from bot.importers.naming import title_from_path
from bot.importers.result import ImportResult, ProblemLog

_OPTION = re.compile(r"^\s*(?P<letter>[A-Ea-e])\s*[.)]\s+(?P<text>\S.*?)\s*$")
_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*(?P<letter>\S*)\s*$", re.IGNORECASE)
_EXPLANATION = re.compile(r"^\s*(?:EXPLANATION|FEEDBACK)\s*:\s*(?P<text>.*?)\s*$", re.IGNORECASE)


@dataclass
class _Block:
    line: int
    prompt: list[str] = field(default_factory=list)
    options: list[tuple[str, str, int]] = field(default_factory=list)
    answer: tuple[str, int] | None = None
    explanation: str = ""


def parse_aiken(text: str, path: str | PurePath, *, quiz_id: str | None = None) -> ImportResult:
    """Parse Aiken `text`; `path` names the source in messages and gives the title and the id."""
    log = ProblemLog(str(path))
    blocks = _blocks(text, log)
    if not blocks:
        log.error(0, "no questions found; Aiken questions are a line, options `A. ...`, then `ANSWER: X`")
        return log.result(None, found_questions=False)
    drafts = [draft for position, block in enumerate(blocks, 1) if (draft := _draft(block, position, log))]
    header = QuizHeader.named(title_from_path(PurePath(path)), PurePath(path), quiz_id)
    if log.errors:
        return log.result(None)
    lines = tuple(draft.line for draft in drafts)
    return log.result(build_quiz(header, drafts, log), question_lines=lines)


def _blocks(text: str, log: ProblemLog) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        answer = _ANSWER.match(line)
        explanation = _EXPLANATION.match(line)
        option = _OPTION.match(line)
        if current is not None and current.answer is not None and explanation is not None:
            current.explanation = explanation.group("text")
        elif answer is not None:
            if current is None or current.answer is not None:
                log.error(
                    number, "ANSWER: line with no question above it; put the question and options first"
                )
                continue
            current.answer = (answer.group("letter"), number)
        elif current is not None and current.answer is None and option is not None:
            current.options.append((option.group("letter").upper(), option.group("text"), number))
        elif current is not None and current.answer is None and not current.options:
            current.prompt.append(line.strip())
        else:
            current = _Block(number, [line.strip()])
            blocks.append(current)
    return blocks


def _draft(block: _Block, position: int, log: ProblemLog) -> DraftQuestion | None:
    label = f"question {position}"
    ok = check_choice_count(log, block.line, label, len(block.options))
    for index, (letter, _text, line) in enumerate(block.options[:5]):
        if letter != letter_of(index):
            log.error(
                line,
                f"{label}: option {letter} where {letter_of(index)} was expected; letter them A, B, C...",
            )
            ok = False
    if block.answer is None:
        log.error(block.line, f"{label} has no `ANSWER: X` line after its options; add one")
        return None
    letter, line = block.answer
    try:
        answer = index_of(letter)
    except ValueError:
        log.error(line, f"{label}: ANSWER must be one letter A to E, not {letter!r}")
        return None
    if ok and answer >= len(block.options):
        log.error(
            line,
            f"{label}: ANSWER {letter.upper()} but the options stop at {letter_of(len(block.options) - 1)}",
        )
        return None
    if not ok:
        return None
    return DraftQuestion(
        line=block.line,
        label=label,
        prompt="\n".join(block.prompt),
        choices=tuple(text for _letter, text, _line in block.options),
        answer=answer,
        explanation=block.explanation,
    )
