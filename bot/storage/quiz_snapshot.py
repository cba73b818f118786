"""A run keeps a copy of its quiz, so editing or deleting the file never breaks a quiz in progress."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from bot.domain.quiz import Question, Quiz


def dump_snapshot(quiz: Quiz) -> str:
    return json.dumps(asdict(quiz), ensure_ascii=False, separators=(",", ":"))


def question_from(q: dict[str, Any]) -> Question:
    """One question of a snapshot (as `json_extract(quiz_snapshot, '$.questions[i]')` returns it, parsed)."""
    return Question(
        id=q["id"],
        prompt=q["prompt"],
        choices=tuple(q["choices"]),
        answer=q["answer"],
        explanation=q.get("explanation", ""),
        tags=tuple(q.get("tags", ())),
        image=q.get("image", ""),
        choice_explanations=tuple(q.get("choice_explanations", ())),
        shuffle_choices=q.get("shuffle_choices"),
        author=q.get("author", ""),
    )


def load_question(text: str) -> Question:
    return question_from(json.loads(text))


def load_snapshot(text: str) -> Quiz:
    data: dict[str, Any] = json.loads(text)
    return Quiz(
        id=data["id"],
        title=data["title"],
        questions=tuple(question_from(q) for q in data["questions"]),
        description=data.get("description", ""),
        series=data.get("series"),
        day=data.get("day"),
        seconds_per_question=data.get("seconds_per_question", 30),
        tags=tuple(data.get("tags", ())),
        shuffle_choices=data.get("shuffle_choices", False),
    )
