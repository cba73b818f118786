"""Write a Quiz as the canonical, human-editable YAML that `parse_quiz_text` reads back to the same Quiz."""

from __future__ import annotations

from typing import Any

import yaml

from bot.domain.quiz import Question, Quiz, letter_of
from bot.quizfiles.safe_yaml import STR_TAG


class _InlineList(tuple[str, ...]):
    """Short lists (tags) written on one line: `tags: [lora, qlora]`."""


class _QuizDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key (`questions:\n  - id: ...`), as people write them by hand.
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # A literal block only where the text has line breaks; the emitter quotes `yes`, `1.0`, `- x`, `a: b`
    # and `#` when needed and falls back to quotes itself if a block cannot hold the text exactly.
    return dumper.represent_scalar(STR_TAG, text, style="|" if "\n" in text else None)


def _represent_inline(dumper: yaml.SafeDumper, items: _InlineList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(items), flow_style=True)


_QuizDumper.add_representer(str, _represent_text)
_QuizDumper.add_representer(_InlineList, _represent_inline)


def dump_quiz(quiz: Quiz) -> str:
    """Return the canonical YAML text of `quiz` (deterministic; texts are expected without outer spaces)."""
    text = yaml.dump(
        _quiz_document(quiz),
        Dumper=_QuizDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,
        indent=2,
    )
    return _space_questions(text)


def _quiz_document(quiz: Quiz) -> dict[str, Any]:
    document: dict[str, Any] = {"title": quiz.title}
    if quiz.description:
        document["description"] = quiz.description
    if quiz.series is not None:
        document["series"] = quiz.series
    if quiz.day is not None:
        document["day"] = quiz.day
    document["seconds_per_question"] = quiz.seconds_per_question
    if quiz.shuffle_choices:
        document["shuffle_choices"] = True
    if quiz.tags:
        document["tags"] = _InlineList(quiz.tags)
    document["questions"] = [_question_document(question) for question in quiz.questions]
    return document


def _question_document(question: Question) -> dict[str, Any]:
    document: dict[str, Any] = {"id": question.id, "prompt": question.prompt}
    if question.image:
        document["image"] = question.image
    document["choices"] = list(question.choices)
    document["answer"] = question.answer_letter
    if question.explanation:
        document["explanation"] = question.explanation
    if any(question.choice_explanations):
        document["choice_explanations"] = {
            letter_of(index): text for index, text in enumerate(question.choice_explanations) if text
        }
    if question.shuffle_choices is not None:
        document["shuffle_choices"] = question.shuffle_choices
    if question.tags:
        document["tags"] = _InlineList(question.tags)
    if question.author:
        document["author"] = question.author
    return document


def _space_questions(text: str) -> str:
    """Put a blank line between questions so each one reads as a block."""
    head, marker, questions = text.partition("\nquestions:\n")
    # `questions` is the last key, so every line after it starting with "  - " opens a question
    # (block text inside a question is indented deeper).
    lines = questions.splitlines(keepends=True)
    spaced = [
        ("\n" + line) if line.startswith("  - ") and index > 0 else line for index, line in enumerate(lines)
    ]
    return head + marker + "".join(spaced)
