"""Turn untrusted YAML text into a node tree without ever building Python objects from it.

Only the safe loaders are used, and only for parsing and composing: the resolver tags each scalar
(str, bool, int, ...) and the validator decides what is acceptable, so nothing is converted silently.
Anchors and aliases are refused from the event stream before composing, which keeps alias bombs
(billion laughs) from growing into an exponential tree.
"""

from __future__ import annotations

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    ScalarEvent,
)
from yaml.nodes import Node

from bot.quizfiles.problems import Problem

# libyaml is ~20x faster; the pure-Python loader is the fallback and gives the wording of syntax errors.
FastLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STR_TAG = "tag:yaml.org,2002:str"
MAX_FILE_BYTES = 1024 * 1024
# A quiz nests four levels deep; refusing far deeper documents early keeps the recursive composer safe.
MAX_DEPTH = 16


def compose_untrusted(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """Return the single document's root node (None if empty), or the problems that stop it being read."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_FILE_BYTES:
        return None, [Problem(path, 1, too_big_message(size))]
    try:
        problems = _structure_problems(text, path)
    except yaml.YAMLError:
        return None, [_syntax_problem(text, path)]
    if problems:
        return None, problems
    try:
        return yaml.compose(text, Loader=FastLoader), []
    except yaml.YAMLError:
        return None, [_syntax_problem(text, path)]


def too_big_message(size: int) -> str:
    return (
        f"file is {size / (1024 * 1024):.1f} MiB, over the 1 MiB limit for a quiz file; "
        "split it into several quizzes"
    )


class _Repeated:
    """Anchors (or aliases) found so far: the first is reported, the rest only counted.

    An alias bomb is dozens of the same mistake; one line with the count says as much as 82 lines.
    """

    def __init__(self, sign: str, kind: str, kinds: str, fix: str) -> None:
        self.sign, self.kind, self.kinds, self.fix = sign, kind, kinds, fix
        self.lines: list[int] = []
        self.first_name = ""

    def add(self, name: str, line: int) -> None:
        if not self.lines:
            self.first_name = name
        self.lines.append(line)

    def problem(self, path: str) -> Problem | None:
        if not self.lines:
            return None
        message = f"{self.kind} {self.sign}{self.first_name} is not allowed in quiz files"
        others = self.lines[1:]
        if others:
            low, high = min(others), max(others)
            where = f"line {low}" if low == high else f"lines {low} to {high}"
            message += f", nor are the {len(others)} other {self.kind if len(others) == 1 else self.kinds} on {where}"
        fix = self.fix if others else self.fix.replace("them", "it")
        return Problem(path, self.lines[0], f"{message}; {fix}")


def _structure_problems(text: str, path: str) -> list[Problem]:
    problems: list[Problem] = []
    anchors = _Repeated("&", "anchor", "anchors", "remove them")
    aliases = _Repeated("*", "alias", "aliases", "write the text out")
    documents = 0
    depth = 0
    for event in yaml.parse(text, Loader=FastLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"lists and mappings are nested more than {MAX_DEPTH} levels deep; "
                        "a quiz needs four (see docs/quiz-format.md)",
                    )
                )
                return problems
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        if isinstance(event, DocumentStartEvent):
            documents += 1
            if documents == 2:
                problems.append(
                    Problem(
                        path,
                        line,
                        "a quiz file holds one YAML document; remove this '---' and what follows, "
                        "or move it to its own file",
                    )
                )
        elif isinstance(event, AliasEvent):
            aliases.add(event.anchor or "", line)
        elif isinstance(event, ScalarEvent | CollectionStartEvent):
            if event.anchor is not None:
                anchors.add(event.anchor, line)
            if event.tag is not None and not _allowed_tag(event):
                problems.append(
                    Problem(
                        path,
                        line,
                        f"YAML tag {_short_tag(event.tag)} is not allowed in quiz files; "
                        "remove it (put text in quotes instead)",
                    )
                )
    problems.extend(problem for problem in (anchors.problem(path), aliases.problem(path)) if problem is not None)
    return sorted(problems, key=lambda problem: problem.line)


def _allowed_tag(event: ScalarEvent | CollectionStartEvent) -> bool:
    # `!!str 1.0` is a legitimate way to force text; every other explicit tag is refused.
    return isinstance(event, ScalarEvent) and event.tag == STR_TAG


def _short_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


def _syntax_problem(text: str, path: str) -> Problem:
    # Re-parse with the pure-Python loader so the wording does not depend on whether libyaml is present.
    try:
        for _ in yaml.parse(text, Loader=yaml.SafeLoader):
            pass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = error.problem or "invalid YAML"
        if error.context:
            detail = f"{detail} ({error.context})"
        return Problem(
            path,
            line,
            f"YAML syntax error: {detail}; check the indentation and put text containing ': ' or "
            "starting with a special character in quotes",
        )
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        return Problem(path, line, f"character {code:#06x} is not allowed in a quiz file; remove it")
    except yaml.YAMLError as error:
        return Problem(path, 1, f"YAML error: {error}")
    return Problem(path, 1, "YAML syntax error; check the file with `quizbot validate`")
