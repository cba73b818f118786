"""Read one quiz file into a `Quiz`, reporting every problem of the file at once as `path:line: message`."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.domain import limits
from bot.domain.quiz import (
    DEFAULT_SECONDS,
    LETTERS,
    MAX_CHOICES,
    MAX_QUESTIONS,
    MAX_SECONDS,
    MIN_CHOICES,
    MIN_QUESTIONS,
    MIN_SECONDS,
    QUESTION_ID_PATTERN,
    Question,
    Quiz,
    image_url_problem,
    is_valid_quiz_id,
    letter_of,
)
from bot.quizfiles import rules
from bot.quizfiles.names import bad_quiz_id_message
from bot.quizfiles.problems import Problem, QuizFileError, capped
from bot.quizfiles.safe_yaml import MAX_FILE_BYTES, STR_TAG, compose_untrusted, too_big_message

QUIZ_FIELDS = (
    "title",
    "description",
    "series",
    "day",
    "seconds_per_question",
    "shuffle_choices",
    "tags",
    "questions",
)
QUESTION_FIELDS = (
    "id",
    "prompt",
    "image",
    "choices",
    "answer",
    "explanation",
    "choice_explanations",
    "shuffle_choices",
    "tags",
    "author",
)

_TAG_KINDS = {
    "tag:yaml.org,2002:bool": "a YAML boolean",
    "tag:yaml.org,2002:int": "a YAML number",
    "tag:yaml.org,2002:float": "a YAML number",
    "tag:yaml.org,2002:timestamp": "a YAML date",
}
_DECIMAL = re.compile(r"[-+]?[0-9]{1,9}")


@dataclass(frozen=True)
class QuizLines:
    """Where a loaded quiz's parts are in its file (1-based lines), for messages about a valid quiz."""

    questions_key: int  # the `questions:` line
    questions: tuple[int, ...]  # the first line of each question, by position


@dataclass(frozen=True)
class LoadedQuiz:
    """A quiz that passed every check, with the file it came from and where its questions are."""

    path: str
    quiz: Quiz
    lines: QuizLines


def load_quiz_file(path: Path) -> Quiz:
    """Load `path` (quiz id = file stem); raise QuizFileError listing every problem."""
    return read_quiz_file(path).quiz


def read_quiz_file(path: Path) -> LoadedQuiz:
    """Like `load_quiz_file`, also telling where each question is in the file."""
    shown = str(path)
    try:
        if not path.is_file():
            raise QuizFileError([Problem(shown, 1, "not a regular file; quiz files are <id>.yaml files")])
        # Read one byte past the cap so a file that grows after a size check is still refused.
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise QuizFileError(
            [Problem(shown, 1, f"cannot read the file ({error.strerror}); check it exists and is readable")]
        ) from None
    if len(data) > MAX_FILE_BYTES:
        size = max(len(data), _size_on_disk(path))
        raise QuizFileError([Problem(shown, 1, too_big_message(size))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise QuizFileError(
            [Problem(shown, line, "the file is not valid UTF-8; save it with UTF-8 encoding")]
        ) from None
    return parse_quiz_source(text, path.stem, shown)


def parse_quiz_text(text: str, quiz_id: str, path: str) -> Quiz:
    """Build the quiz `quiz_id` from YAML `text`; `path` is only used in problem messages."""
    return parse_quiz_source(text, quiz_id, path).quiz


def parse_quiz_source(text: str, quiz_id: str, path: str) -> LoadedQuiz:
    """Like `parse_quiz_text`, also telling where each question is in `text`."""
    problems: list[Problem] = []
    if not is_valid_quiz_id(quiz_id):
        problems.append(Problem(path, 1, bad_quiz_id_message(quiz_id)))
    root, yaml_problems = compose_untrusted(text, path)
    problems.extend(yaml_problems)
    reader = _QuizReader(path, problems)
    quiz = None if yaml_problems else reader.read(root, quiz_id)
    if problems or quiz is None:
        raise QuizFileError(capped(problems))
    return LoadedQuiz(path, quiz, QuizLines(reader.questions_line, tuple(reader.question_lines)))


def _size_on_disk(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _QuizReader:
    """Walks the composed node tree, checking types on node tags before any value is used."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self.questions_line = 1
        self.question_lines: list[int] = []

    def problem(self, node: Node | int, message: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.problems.append(Problem(self.path, line, message))

    def read(self, root: Node | None, quiz_id: str) -> Quiz | None:
        if root is None:
            self.problem(1, "the file is empty; a quiz needs a title and questions (see docs/quiz-format.md)")
            return None
        if not isinstance(root, MappingNode):
            self.problem(
                root, "a quiz file must be a mapping with 'title:' and 'questions:'; see docs/quiz-format.md"
            )
            return None
        fields = self.fields(root, QUIZ_FIELDS, "")
        title = self.required_text(root, fields, "title", "", limits.QUIZ_TITLE)
        description = self.optional_text(fields, "description", "", rules.DESCRIPTION)
        series = self.optional_text(fields, "series", "", rules.SERIES)
        day = self.optional_int(fields, "day", 0, None)
        seconds = self.optional_int(fields, "seconds_per_question", MIN_SECONDS, MAX_SECONDS)
        shuffle = self.optional_bool(fields, "shuffle_choices", "")
        tags = self.tags(fields, "")
        questions = self.questions(root, fields)
        if title is None or questions is None:
            return None
        return Quiz(
            id=quiz_id,
            title=title,
            questions=questions,
            description=description or "",
            series=series,
            day=day,
            seconds_per_question=DEFAULT_SECONDS if seconds is None else seconds,
            tags=tags,
            shuffle_choices=bool(shuffle),
        )

    def fields(
        self, node: MappingNode, allowed: tuple[str, ...], prefix: str
    ) -> dict[str, tuple[Node, Node]]:
        found: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else "?"
            if name not in allowed or not isinstance(key, ScalarNode):
                guess = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{guess[0]}'?" if guess else f"allowed fields are {', '.join(allowed)}"
                self.problem(key, f"{prefix}unknown field '{name}'; {hint}")
            elif name in found:
                self.problem(
                    key,
                    f"{prefix}field '{name}' appears twice (first on line {_line(found[name][0])}); keep one",
                )
            else:
                found[name] = (key, value)
        return found

    def required_text(
        self, owner: Node, fields: dict[str, tuple[Node, Node]], name: str, prefix: str, limit: int
    ) -> str | None:
        if name not in fields:
            self.problem(owner, f"{prefix}'{name}' is missing; add a '{name}:' line")
            return None
        return self.text(fields[name][1], f"{prefix}{name}", limit, optional=False)

    def optional_text(
        self, fields: dict[str, tuple[Node, Node]], name: str, prefix: str, limit: int
    ) -> str | None:
        if name not in fields:
            return None
        return self.text(fields[name][1], f"{prefix}{name}", limit, optional=True)

    def text(self, node: Node, what: str, limit: int, *, optional: bool) -> str | None:
        """Return the stripped text of a plain or quoted string node, or report why it is not one."""
        empty_hint = "write the text or remove the line" if optional else "write the text"
        if isinstance(node, SequenceNode | MappingNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
            self.problem(node, f"{what} must be text, not {kind}; put the whole text in quotes")
            return None
        if node.tag == "tag:yaml.org,2002:null":
            self.problem(node, f"{what} is empty; {empty_hint}")
            return None
        if node.tag != STR_TAG:
            kind = _TAG_KINDS.get(node.tag, "something other than text")
            self.problem(
                node,
                f"{what} must be text, but {node.value} is read as {kind}; "
                f'write it in quotes: "{node.value}"',
            )
            return None
        value = str(node.value).strip()
        if not value:
            self.problem(node, f"{what} is empty; {empty_hint}")
            return None
        if "\x00" in value:
            # Discord shows nothing after it, and PostgreSQL's JSON functions refuse the stored quiz.
            self.problem(node, f"{what} contains a NUL character (\\0 or \\x00); remove it")
            return None
        if len(value) > limit:
            self.problem(
                node, f"{what} is {len(value)} characters, over the {limit} Discord can show; shorten it"
            )
            return None
        return value

    def optional_int(
        self, fields: dict[str, tuple[Node, Node]], name: str, low: int, high: int | None
    ) -> int | None:
        if name not in fields:
            return None
        node = fields[name][1]
        wanted = (
            f"a whole number from {low} to {high}" if high is not None else f"a whole number, {low} or more"
        )
        if not (
            isinstance(node, ScalarNode)
            and node.tag == "tag:yaml.org,2002:int"
            and _DECIMAL.fullmatch(node.value)
        ):
            shown = node.value if isinstance(node, ScalarNode) else "a list or mapping"
            self.problem(node, f"{name} must be {wanted}, got {shown or 'nothing'}")
            return None
        number = int(node.value)
        if number < low or (high is not None and number > high):
            self.problem(node, f"{name} must be {wanted}, got {number}")
            return None
        return number

    def optional_bool(self, fields: dict[str, tuple[Node, Node]], name: str, prefix: str) -> bool | None:
        if name not in fields:
            return None
        node = fields[name][1]
        value = str(node.value).strip().lower() if isinstance(node, ScalarNode) else None
        # Only true and false: YAML also reads yes/no/on/off as booleans, which is easy to write by accident.
        if node.tag != "tag:yaml.org,2002:bool" or value not in ("true", "false"):
            shown = (node.value or "nothing") if isinstance(node, ScalarNode) else "a list or mapping"
            self.problem(node, f"{prefix}{name} must be true or false, got {shown}")
            return None
        return value == "true"

    def image(self, fields: dict[str, tuple[Node, Node]], prefix: str) -> str | None:
        if "image" not in fields:
            return None
        node = fields["image"][1]
        what = f"{prefix}image"
        url = self.text(node, what, limits.IMAGE_URL, optional=True)
        if url is None:
            return None
        problem = image_url_problem(url)
        if problem is not None:
            self.problem(node, f"{what} {problem}")
            return None
        return url

    def choice_explanations(
        self, fields: dict[str, tuple[Node, Node]], prefix: str, choice_count: int | None
    ) -> tuple[str, ...] | None:
        """The `choice_explanations:` mapping (letter -> text) as a tuple aligned with the choices."""
        if "choice_explanations" not in fields:
            return ()
        key, node = fields["choice_explanations"]
        what = f"{prefix}choice_explanations"
        example = "e.g. choice_explanations: {A: why A is wrong, C: why C is wrong}"
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            self.problem(key, f"{what} is empty; write at least one 'letter: text' line or remove the field")
            return None
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping from a choice letter to its text, {example}")
            return None
        if not node.value:
            self.problem(key, f"{what} is empty; write at least one 'letter: text' line or remove the field")
            return None
        letters = f"A..{letter_of((choice_count or len(LETTERS)) - 1)}"
        texts: dict[int, str] = {}
        first_line: dict[int, int] = {}
        ok = True
        for letter_node, text_node in node.value:
            raw = letter_node.value if isinstance(letter_node, ScalarNode) else ""
            letter = raw.strip().upper() if isinstance(raw, str) else ""
            if letter_node.tag != STR_TAG or len(letter) != 1 or letter not in LETTERS:
                self.problem(
                    letter_node,
                    f"{what}: '{raw or '?'}' is not a choice letter; use the letters of the choices ({letters})",
                )
                ok = False
                continue
            index = LETTERS.index(letter)
            if choice_count is not None and index >= choice_count:
                self.problem(
                    letter_node,
                    f"{what}: there is no choice {letter}; the choices are {letters}",
                )
                ok = False
                continue
            if index in first_line:
                self.problem(
                    letter_node,
                    f"{what}: {letter} appears twice (first on line {first_line[index]}); keep one",
                )
                ok = False
                continue
            first_line[index] = _line(letter_node)
            text = self.text(
                text_node, f"{prefix}choice explanation {letter}", limits.CHOICE_EXPLANATION, optional=False
            )
            if text is None:
                ok = False
            else:
                texts[index] = text
        if not ok or choice_count is None:
            return None
        return tuple(texts.get(index, "") for index in range(choice_count))

    def tags(self, fields: dict[str, tuple[Node, Node]], prefix: str) -> tuple[str, ...]:
        if "tags" not in fields:
            return ()
        node = fields["tags"][1]
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{prefix}tags must be a list, e.g. tags: [lora, qlora]")
            return ()
        if len(node.value) > rules.MAX_TAGS:
            self.problem(node, f"{prefix}has {len(node.value)} tags; keep it to {rules.MAX_TAGS} or fewer")
        tags = []
        for item in node.value:
            tag = self.text(item, f"{prefix}tag", rules.TAG, optional=False)
            if tag is not None and "\n" in tag:
                self.problem(item, f"{prefix}tag must be one line; use short tags like 'lora'")
            elif tag is not None:
                tags.append(tag)
        return tuple(tags)

    def questions(
        self, root: MappingNode, fields: dict[str, tuple[Node, Node]]
    ) -> tuple[Question, ...] | None:
        if "questions" not in fields:
            self.problem(root, "'questions' is missing; add a 'questions:' list (see docs/quiz-format.md)")
            return None
        key, node = fields["questions"]
        self.questions_line = _line(key)
        if (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null") or (
            isinstance(node, SequenceNode) and not node.value
        ):
            self.problem(key, f"questions is empty; add at least {MIN_QUESTIONS} question")
            return None
        if not isinstance(node, SequenceNode):
            self.problem(node, "questions must be a list: start each question with '- '")
            return None
        if len(node.value) > MAX_QUESTIONS:
            self.problem(
                node.value[MAX_QUESTIONS],
                f"there are {len(node.value)} questions, over the limit of {MAX_QUESTIONS}; "
                "split the quiz into several files",
            )
        questions: list[Question | None] = []
        first_use: dict[str, int] = {}
        for number, item in enumerate(node.value, start=1):
            self.question_lines.append(_line(item))
            questions.append(self.question(item, number, first_use))
        if any(question is None for question in questions):
            return None
        return tuple(question for question in questions if question is not None)

    def check_unique_id(
        self, where: Node, question_id: str, explicit: bool, number: int, first_use: dict[str, int]
    ) -> None:
        if question_id in first_use:
            reason = f"id '{question_id}'" if explicit else f"id '{question_id}' (its default id)"
            self.problem(
                where,
                f"question {number}: {reason} is already used by question {first_use[question_id]}; "
                "give each question its own id",
            )
        else:
            first_use[question_id] = number

    def question(self, item: Node, number: int, first_use: dict[str, int]) -> Question | None:
        prefix = f"question {number}: "
        if not isinstance(item, MappingNode):
            self.problem(item, f"question {number} must be a mapping with prompt, choices and answer")
            return None
        fields = self.fields(item, QUESTION_FIELDS, prefix)
        before = len(self.problems)
        question_id = self.question_id(fields, number, prefix)
        prompt = self.required_text(item, fields, "prompt", prefix, limits.PROMPT)
        choices = self.choices(item, fields, prefix)
        if question_id is not None:
            where = fields["id"][1] if "id" in fields else item
            self.check_unique_id(where, question_id, "id" in fields, number, first_use)
        answer = self.answer(item, fields, prefix, _choice_count(fields))
        explanation = self.optional_text(fields, "explanation", prefix, limits.EXPLANATION)
        image = self.image(fields, prefix)
        choice_explanations = self.choice_explanations(fields, prefix, _choice_count(fields))
        shuffle = self.optional_bool(fields, "shuffle_choices", prefix)
        tags = self.tags(fields, prefix)
        author = self.author(fields, prefix)
        if prompt is not None and choices is not None:
            length = len(rules.question_body(prompt, choices))
            if length > rules.QUESTION_BODY:
                self.problem(
                    item,
                    f"{prefix}prompt and choices take {length} characters when shown, over the "
                    f"{rules.QUESTION_BODY} that fit one Discord embed; shorten them",
                )
        if len(self.problems) > before or None in (question_id, prompt, choices, answer, choice_explanations):
            return None
        assert prompt is not None and choices is not None and answer is not None and question_id is not None
        assert choice_explanations is not None
        return Question(
            id=question_id,
            prompt=prompt,
            choices=choices,
            answer=answer,
            explanation=explanation or "",
            tags=tags,
            image=image or "",
            choice_explanations=choice_explanations,
            shuffle_choices=shuffle,
            author=author or "",
        )

    def author(self, fields: dict[str, tuple[Node, Node]], prefix: str) -> str | None:
        author = self.optional_text(fields, "author", prefix, limits.AUTHOR)
        if author is not None and "\n" in author:
            self.problem(fields["author"][1], f"{prefix}author must be one line, e.g. author: alice")
            return None
        return author

    def question_id(self, fields: dict[str, tuple[Node, Node]], number: int, prefix: str) -> str | None:
        if "id" not in fields:
            return f"q{number}"
        node = fields["id"][1]
        question_id = self.text(node, f"{prefix}id", 40, optional=True)
        if question_id is not None and not QUESTION_ID_PATTERN.fullmatch(question_id):
            self.problem(
                node,
                f"{prefix}id '{question_id}' may only use letters, digits, '.', '_' and '-' "
                "(at most 40 characters), e.g. lora-principle",
            )
            return None
        return question_id

    def choices(
        self, item: MappingNode, fields: dict[str, tuple[Node, Node]], prefix: str
    ) -> tuple[str, ...] | None:
        if "choices" not in fields:
            self.problem(
                item,
                f"{prefix}'choices' is missing; "
                f"add a 'choices:' list of {MIN_CHOICES} to {MAX_CHOICES} answers",
            )
            return None
        key, node = fields["choices"]
        if not isinstance(node, SequenceNode):
            self.problem(
                key,
                f"{prefix}choices must be a list of {MIN_CHOICES} to {MAX_CHOICES} answers, "
                "one per '- ' line",
            )
            return None
        count = len(node.value)
        if not MIN_CHOICES <= count <= MAX_CHOICES:
            self.problem(
                key,
                f"{prefix}has {count} choices; a question needs {MIN_CHOICES} to {MAX_CHOICES} "
                f"(shown as A..{LETTERS[-1]})",
            )
        choices: list[str | None] = []
        seen: dict[str, int] = {}
        for index, choice_node in enumerate(node.value):
            name = f"choice {_choice_name(index)}"
            choice = self.text(choice_node, f"{prefix}{name}", limits.CHOICE, optional=False)
            choices.append(choice)
            if choice is None:
                continue
            folded = " ".join(choice.casefold().split())
            if folded in seen:
                self.problem(
                    choice_node,
                    f"{prefix}{name} is the same as choice {_choice_name(seen[folded])}; "
                    "make every choice different",
                )
            else:
                seen[folded] = index
        if None in choices or not MIN_CHOICES <= count <= MAX_CHOICES:
            return None
        return tuple(choice for choice in choices if choice is not None)

    def answer(
        self,
        item: MappingNode,
        fields: dict[str, tuple[Node, Node]],
        prefix: str,
        choice_count: int | None,
    ) -> int | None:
        if "answer" not in fields:
            self.problem(
                item, f"{prefix}'answer' is missing; add 'answer:' with the letter of the correct choice"
            )
            return None
        node = fields["answer"][1]
        letters = f"A..{letter_of((choice_count or len(LETTERS)) - 1)}"
        if not isinstance(node, ScalarNode) or node.tag != STR_TAG:
            shown = node.value if isinstance(node, ScalarNode) and node.value else "not a letter"
            self.problem(
                node, f"{prefix}answer must be the letter of the correct choice ({letters}), got {shown}"
            )
            return None
        letter = node.value.strip().upper()
        if len(letter) != 1 or letter not in LETTERS:
            self.problem(
                node,
                f"{prefix}answer must be the letter of the correct choice ({letters}), got '{node.value}'",
            )
            return None
        index = LETTERS.index(letter)
        if choice_count is not None and index >= choice_count:
            self.problem(node, f"{prefix}answer '{letter}' is not one of the choices {letters}")
            return None
        return index


def _choice_count(fields: dict[str, tuple[Node, Node]]) -> int | None:
    """The number of choices when it is valid, even if some choice texts are not, to check the answer."""
    node = fields["choices"][1] if "choices" in fields else None
    if isinstance(node, SequenceNode) and MIN_CHOICES <= len(node.value) <= MAX_CHOICES:
        return len(node.value)
    return None


def _choice_name(index: int) -> str:
    return letter_of(index) if index < len(LETTERS) else str(index + 1)
