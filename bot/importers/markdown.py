"""Parse hand-written markdown quizzes (the whole family of layouts courses use) into a `Quiz`.

Layouts read: a `#` title (`Day N` in it gives the day and the id `dayNN`); questions as
`N. **Question**` or `### N. Question`; options `- A) text` / `a. text`; answers inline under each
question, in `<details>` blocks, in an answer-key section (several entry styles, or the whole key on
one line: `1. b, 2. c`) or on one `**Answers:** 1-b, 2-c` line. `## Question 1: Topic (10 points)`
followed by a bold question gives that prompt, the topic as a tag and no points. Sections such as
instructions or scoring guides are skipped; a line that looks like a key but is not read is warned about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from bot.domain.quiz import LETTERS, letter_of
from bot.importers import markdown_syntax as syntax
from bot.importers.answer_key import AnswerClaim, join_lines, resolve_answer
from bot.importers.drafts import DraftQuestion, QuizHeader, build_quiz, check_choice_count
from bot.importers.naming import slug
from bot.importers.result import ImportResult, ProblemLog

# Tags are at most 32 characters (the quiz file rules); a topic that slugs to nothing is kept as text.
_TAG_LENGTH = 32


@dataclass
class _Option:
    letter: str
    text: str
    line: int


@dataclass
class _Question:
    number: int
    line: int
    prompt: list[str]
    in_ignored_section: bool
    options: list[_Option] = field(default_factory=list)
    claims: list[AnswerClaim] = field(default_factory=list)
    loose_explanation: list[str] = field(default_factory=list)
    phase: str = "prompt"  # "prompt" -> "options" -> "answered"
    # Started by a heading whose text may be a topic, if a bold question follows (see _bold_prompt).
    from_heading: bool = False
    tags: list[str] = field(default_factory=list)


def parse_markdown(text: str, path: str | PurePath, *, quiz_id: str | None = None) -> ImportResult:
    """Parse a markdown quiz; `path` names the source in messages and gives the id if the title has no day."""
    reader = _Reader(str(path))
    for number, line in enumerate(text.splitlines(), start=1):
        reader.feed(line, number)
    return reader.finish(PurePath(path), quiz_id)


class _Reader:
    """A line-by-line state machine: what a line means depends on the section and the question around it."""

    def __init__(self, path: str) -> None:
        self.log = ProblemLog(path)
        self.title: str | None = None
        self.mode = "questions"  # "questions" | "answers" | "ignored"
        self.questions: list[_Question] = []
        self.key_claims: list[AnswerClaim] = []
        self.current: _Question | None = None
        self.last_claim: AnswerClaim | None = None
        self.sink: list[str] | None = None  # where free text goes: an explanation being written
        self.key_target: int | None = None  # question number a repeated heading opened in the key
        self.in_details = False
        self.details_answered = False
        self.mode_before_details: str | None = None
        self.fence_target: list[str] | None = None
        self.in_fence = False
        self.fence_indent = 0
        self.previous_was_option = False

    # -- dispatch ---------------------------------------------------------------------------------

    def feed(self, line: str, number: int) -> None:
        if self.in_fence or syntax.FENCE.match(line):
            self._fenced(line)
            return
        for piece in self._html_pieces(line, number):
            self._line(piece, number)

    def _fenced(self, line: str) -> None:
        if not self.in_fence:
            self.in_fence = True
            self.fence_indent = len(line) - len(line.lstrip())
            self.fence_target = self._text_target()
        elif syntax.FENCE.match(line):
            self.in_fence = False
        if self.fence_target is not None:
            indent = min(self.fence_indent, len(line) - len(line.lstrip()))
            self.fence_target.append(line[indent:].rstrip())

    def _html_pieces(self, line: str, number: int) -> list[str]:
        """Handle <details>/<summary> tags in `line`; return the text left to read as lines."""
        pieces: list[str] = []
        opens = syntax.DETAILS_OPEN.search(line) is not None
        if opens:
            self._open_details()
        rest = syntax.DETAILS_OPEN.sub("", line)
        summary = syntax.SUMMARY.search(rest)
        if summary is not None:
            summary_text = summary.group("text").strip()
            self._summary(summary_text)
            if syntax.ANSWER_LINE.match(summary_text):
                pieces.append(summary_text)
            rest = syntax.SUMMARY.sub("", rest)
        closes = syntax.DETAILS_CLOSE.search(rest) is not None
        rest = syntax.DETAILS_CLOSE.sub("", rest)
        if rest.strip() or not (opens or closes or summary):
            pieces.append(rest)
        if closes:
            for piece in pieces:
                self._line(piece, number)
            self._close_details()
            return []
        return pieces

    def _line(self, line: str, number: int) -> None:
        stripped = line.strip()
        was_option = self.previous_was_option
        self.previous_was_option = False
        if not stripped:
            if self.sink is not None:
                self.sink.append("")
            elif self.current is not None and self.current.phase == "prompt" and self.current.prompt:
                self.current.prompt.append("")
            return
        if syntax.SEPARATOR.match(line):
            self._end_question()
            if self.mode == "ignored":
                # A rule after "Instructions" ends that section even without a new heading.
                self.mode = "questions"
            return
        heading = syntax.HEADING.match(line)
        if heading is not None:
            self._heading(len(heading.group("hashes")), heading.group("text"), number)
            return
        pairs = syntax.answers_list(line)
        if pairs is not None:
            for question_number, letter in pairs:
                self.key_claims.append(AnswerClaim(question_number, letter, "", number))
            self.sink = None
            return
        bold = syntax.BOLD_LINE.match(line)
        if bold is not None and syntax.section_kind(bold.group("text")) == "answers" and len(stripped) < 60:
            self._enter_section("answers")
            return
        if self.mode == "answers":
            self._answer_section_line(line, number)
        elif self.in_details and self.current is not None:
            self._details_line(line, number)
        else:
            self._question_section_line(line, number, was_option)

    # -- sections and headings --------------------------------------------------------------------

    def _heading(self, level: int, text: str, number: int) -> None:
        if level == 1 and self.title is None:
            self.title = syntax.strip_emphasis(text)
            self._end_question()
            return
        if level > 1 and self.mode == "answers" and self._key_entry(text, number):
            return  # `### 1. B` in a key
        question = syntax.heading_question(text) if level > 1 else None
        if question is not None:
            self._question_start(question[0], question[1], number, from_heading=True)
            return
        kind = syntax.section_kind(text)
        if kind == "other":
            kind = "questions" if level <= 2 else self.mode
        self._enter_section(kind)

    def _enter_section(self, kind: str) -> None:
        self._end_question()
        self.mode = kind
        self.key_target = None

    def _end_question(self) -> None:
        self.current = None
        self.sink = None
        self.last_claim = None

    def _question_start(self, question_number: int, prompt: str, number: int, *, from_heading: bool = False) -> None:
        if self.mode == "answers":
            # The question repeated in the key: the answer lines that follow belong to it.
            self.key_target = question_number
            self.sink = None
            self.last_claim = None
            return
        self._end_question()
        question = _Question(
            question_number,
            number,
            [prompt] if prompt else [],
            in_ignored_section=self.mode == "ignored",
            from_heading=from_heading,
        )
        self.questions.append(question)
        self.current = question

    # -- questions --------------------------------------------------------------------------------

    def _question_section_line(self, line: str, number: int, was_option: bool) -> None:
        question = syntax.numbered_question(line)
        if question is not None:
            self._question_start(question[0], question[1], number)
            return
        current = self.current
        if current is not None and current.phase in ("prompt", "options") and self.sink is None:
            option = syntax.OPTION.match(line)
            if option is not None and (current.options or option.group("letter").upper() in LETTERS):
                current.options.append(
                    _Option(
                        option.group("letter").upper(), syntax.strip_emphasis(option.group("text")), number
                    )
                )
                current.phase = "options"
                self.previous_was_option = True
                return
            if was_option and line[:1].isspace() and current.options and not self._is_answer_markup(line):
                # A long option wrapped onto an indented next line.
                last = current.options[-1]
                last.text = f"{last.text} {line.strip()}"
                self.previous_was_option = True
                return
        if self._answer_or_explanation(line, number):
            return
        target = self._text_target()
        if current is not None and target is current.prompt and self._bold_prompt(current, line):
            return
        if target is not None:
            target.append(line.strip())
        else:
            self._ignored(line, number)

    @staticmethod
    def _bold_prompt(question: _Question, line: str) -> bool:
        """`## Question 1: CDC Fundamentals (10 points)` then `**What does CDC record?**` on its own line:
        the bold line is the prompt and the heading's text a topic, kept as a tag (the score is dropped).
        """
        from_heading, question.from_heading = question.from_heading, False
        bold = syntax.WHOLE_BOLD.match(line)
        written = [text for text in question.prompt if text.strip()]
        if not from_heading or bold is None or len(written) > 1:
            return False
        topic = written[0] if written else ""
        if topic.endswith("?"):
            return False  # the heading already is the question
        if topic:
            question.tags.append(slug(topic) or topic[: _TAG_LENGTH].strip())
        question.prompt = [bold.group("text").strip()]
        return True

    def _ignored(self, line: str, number: int) -> None:
        """Say so when a line that reads like an answer key is dropped: its answers would go missing silently."""
        if not syntax.looks_like_key(line):
            return
        if self.mode == "answers":
            self.log.warn(
                number,
                "this line looks like answers but was not understood; ignored. Write one answer per line "
                "(`1. B`) or the whole key on one line (`1. b, 2. c, 3. a`)",
            )
        else:
            self.log.warn(
                number,
                "this line looks like an answer key but is not under an answer heading such as `## Answers`; "
                "ignored",
            )

    @staticmethod
    def _is_answer_markup(line: str) -> bool:
        return bool(
            syntax.ANSWER_LINE.match(line)
            or syntax.EXPLANATION.match(line)
            or syntax.DETAILS_OPEN.search(line)
            or syntax.answers_list(line)
        )

    def _answer_or_explanation(self, line: str, number: int) -> bool:
        """Read an inline `Answer:` or `Explanation:` line for the current question."""
        answer = syntax.ANSWER_LINE.match(line)
        claim = (
            syntax.letter_claim(answer.group("letter"), answer.group("rest"), loose=True) if answer else None
        )
        if claim is not None:
            self._inline_claim(claim, number)
            return True
        explanation = syntax.EXPLANATION.match(line)
        if explanation is not None:
            self._start_explanation(explanation.group("text"))
            return True
        return False

    def _inline_claim(self, claim: syntax.LetterClaim, number: int) -> None:
        if self.current is None:
            if self.mode != "ignored":
                self.log.warn(number, "this answer line is not under any question; ignored")
            return
        answer = AnswerClaim(self.current.number, claim.letter, claim.text, number)
        if claim.remark:
            answer.explanation.append(claim.remark)
        self.current.claims.append(answer)
        self.current.phase = "answered"
        self.last_claim = answer
        self.sink = answer.explanation

    def _start_explanation(self, first_line: str) -> None:
        if self.last_claim is not None:
            self.sink = self.last_claim.explanation
        elif self.current is not None:
            self.sink = self.current.loose_explanation
        else:
            return
        text = syntax.trim_emphasis(first_line)
        if text:
            self.sink.append(text)

    def _text_target(self) -> list[str] | None:
        if self.sink is not None:
            return self.sink
        if self.current is not None and self.current.phase == "prompt":
            return self.current.prompt
        return None

    # -- <details> --------------------------------------------------------------------------------

    def _open_details(self) -> None:
        self.in_details = True
        self.details_answered = False
        self.sink = None

    def _summary(self, text: str) -> None:
        if re.search(r"answer\s+key|answers|solutions", text, re.IGNORECASE):
            # The whole key folded away: read its content as an answer section.
            self.mode_before_details = self.mode
            self.mode = "answers"
            self.key_target = None

    def _close_details(self) -> None:
        self.in_details = False
        self.sink = None
        if self.mode_before_details is not None:
            self.mode = self.mode_before_details
            self.mode_before_details = None

    def _details_line(self, line: str, number: int) -> None:
        if not self.details_answered:
            bare = syntax.BARE_LETTER.match(line)
            claim = syntax.letter_claim(bare.group("letter"), bare.group("rest")) if bare else None
            if claim is not None:
                self._inline_claim(claim, number)
                self.details_answered = True
                return
        if self._key_entry(line, number):
            return
        if self._answer_or_explanation(line, number):
            self.details_answered = self.details_answered or self.last_claim is not None
            return
        if self.sink is None and self.current is not None:
            self.sink = self.last_claim.explanation if self.last_claim else self.current.loose_explanation
        if self.sink is not None:
            self.sink.append(line.strip())

    # -- answer key -------------------------------------------------------------------------------

    def _answer_section_line(self, line: str, number: int) -> None:
        pairs = syntax.key_pairs(line)
        if pairs is not None:
            # The whole key on one line: `1. b, 2. c, 3. b, 4. b`.
            for question_number, letter in pairs:
                self.key_claims.append(AnswerClaim(question_number, letter, "", number))
            self.sink = None
            self.last_claim = None
            return
        if self._key_entry(line, number):
            return
        question = syntax.numbered_question(line)
        if question is not None:
            self._question_start(question[0], "", number)
            return
        answer = syntax.ANSWER_LINE.match(line)
        claim = (
            syntax.letter_claim(answer.group("letter"), answer.group("rest"), loose=True) if answer else None
        )
        if claim is not None:
            if self.key_target is None:
                self.log.error(
                    number,
                    "this answer does not say which question it is for; write it as `N. X) ...` or put it "
                    "under the question's heading",
                )
                return
            self._key_claim(self.key_target, claim, number)
            return
        explanation = syntax.EXPLANATION.match(line)
        if explanation is not None:
            self._start_explanation(explanation.group("text"))
        elif self.sink is not None:
            self.sink.append(line.strip())
        else:
            self._ignored(line, number)

    def _key_entry(self, line: str, number: int) -> bool:
        entry = syntax.KEY_ENTRY.match(line)
        claim = syntax.letter_claim(entry.group("letter"), entry.group("rest")) if entry else None
        if entry is None or claim is None:
            return False
        self._key_claim(int(entry.group("number")), claim, number)
        return True

    def _key_claim(self, question_number: int, claim: syntax.LetterClaim, number: int) -> None:
        answer = AnswerClaim(question_number, claim.letter, claim.text, number)
        if claim.remark:
            answer.explanation.append(claim.remark)
        self.key_claims.append(answer)
        self.last_claim = answer
        self.sink = answer.explanation

    # -- result -----------------------------------------------------------------------------------

    def finish(self, path: PurePath, quiz_id: str | None) -> ImportResult:
        questions = self._real_questions()
        if not questions:
            self.log.error(
                0,
                "no questions found; write them as `1. **Question?**` or `### 1. Question?` followed by "
                "options `- A) ...`",
            )
            return self.log.result(None, found_questions=False)
        if self.title is None:
            self.log.error(
                1, "no `# Title` heading; start the file with one, e.g. `# Day 3 Quiz: Tokenizers`"
            )
        by_number: dict[int, _Question] = {}
        for question in questions:
            if question.number in by_number:
                self.log.error(
                    question.line,
                    f"question {question.number} appears twice (first on line "
                    f"{by_number[question.number].line}); number the questions 1, 2, 3, ...",
                )
                continue
            by_number[question.number] = question
        for claim in self.key_claims:
            if claim.number in by_number:
                by_number[claim.number].claims.append(claim)
            else:
                self.log.error(
                    claim.line, f"answer for question {claim.number}, but there is no question {claim.number}"
                )
        drafts = [draft for question in questions if (draft := self._draft(question)) is not None]
        if self.title is None or self.log.errors:
            return self.log.result(None)
        header = QuizHeader.named(self.title, path, quiz_id)
        lines = tuple(draft.line for draft in drafts)
        return self.log.result(build_quiz(header, drafts, self.log), question_lines=lines)

    def _real_questions(self) -> list[_Question]:
        """Drop numbered lines with no options: in notes or scoring guides they are not questions."""
        kept: list[_Question] = []
        for question in self.questions:
            if question.options:
                kept.append(question)
            elif question.claims:
                self.log.error(question.line, f"question {question.number} has an answer but no options")
            elif not question.in_ignored_section:
                self.log.warn(
                    question.line,
                    f"numbered line {question.number} has no options `- A) ...` under it; "
                    "not read as a question",
                )
        return kept

    def _draft(self, question: _Question) -> DraftQuestion | None:
        label = f"question {question.number}"
        ok = check_choice_count(self.log, question.line, label, len(question.options))
        for position, option in enumerate(question.options[: len(LETTERS)]):
            expected = letter_of(position)
            if option.letter != expected:
                self.log.error(
                    option.line,
                    f"{label}: option {option.letter} where {expected} was expected; "
                    "letter the options A, B, C, ... in order",
                )
                ok = False
        prompt = join_lines(question.prompt)
        if not prompt:
            self.log.error(question.line, f"{label} has no text")
            ok = False
        resolved = resolve_answer(
            self.log,
            label=label,
            line=question.line,
            options=[option.text for option in question.options[: len(LETTERS)]],
            claims=question.claims,
            loose_explanation=question.loose_explanation,
        )
        if not ok or resolved is None:
            return None
        return DraftQuestion(
            line=question.line,
            label=label,
            prompt=prompt,
            choices=tuple(option.text for option in question.options),
            answer=resolved.index,
            explanation=resolved.explanation,
            tags=tuple(question.tags),
        )
