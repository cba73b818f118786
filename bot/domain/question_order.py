"""Which question a daily schedule posts next, computed from its history alone (no stored cursor)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Literal, get_args

QuestionOrder = Literal["sequential", "shuffled"]
QUESTION_ORDERS: tuple[str, ...] = get_args(QuestionOrder)


def parse_order(text: str) -> QuestionOrder:
    normalized = text.strip().lower()
    if normalized == "sequential":
        return "sequential"
    if normalized == "shuffled":
        return "shuffled"
    raise ValueError(f"{text.strip()!r} is not a question order. Use one of: {', '.join(QUESTION_ORDERS)}.")


def pick_next(question_keys: Sequence[str], used: Sequence[str], order: QuestionOrder, seed: int) -> str:
    """The key of the next question to post.

    `question_keys` are the schedule's current questions in quiz order (e.g. "day48/q3"); `used`
    is what the schedule already posted, oldest first. Keys in `used` that are no longer in the
    quizzes are ignored, so editing a quiz never breaks the order.

    sequential: the question after the most recent still-existing used one, wrapping at the end.
    shuffled: a permutation fixed by `seed` and the cycle number; no question repeats until every
    current question was used in the cycle, then a new cycle (a different permutation) begins, and
    its first question is never the one just posted when there is any other choice.
    """
    if not question_keys:
        raise ValueError("no questions to choose from: the schedule's quizzes are empty")
    if len(set(question_keys)) != len(question_keys):
        raise ValueError("question keys must be unique")
    if order == "sequential":
        return _next_sequential(question_keys, used)
    if order == "shuffled":
        return _next_shuffled(question_keys, used, seed)
    raise ValueError(f"unknown question order {order!r}; use one of: {', '.join(QUESTION_ORDERS)}")


def _next_sequential(question_keys: Sequence[str], used: Sequence[str]) -> str:
    position = {key: index for index, key in enumerate(question_keys)}
    for key in reversed(used):
        if key in position:
            return question_keys[(position[key] + 1) % len(question_keys)]
    return question_keys[0]


def _next_shuffled(question_keys: Sequence[str], used: Sequence[str], seed: int) -> str:
    keys = frozenset(question_keys)
    cycle, in_cycle = _current_cycle(keys, used)
    permutation = _permutation(question_keys, seed, cycle)
    if cycle > 0 and len(question_keys) > 2 and permutation == _permutation(question_keys, seed, cycle - 1):
        # Tiny key sets can draw the same shuffle twice; rotate so each cycle really differs.
        permutation = permutation[1:] + permutation[:1]
    candidates = [key for key in permutation if key not in in_cycle]
    last = next((key for key in reversed(used) if key in keys), None)
    if len(candidates) > 1 and candidates[0] == last:
        return candidates[1]
    return candidates[0]


def _current_cycle(keys: frozenset[str], used: Sequence[str]) -> tuple[int, set[str]]:
    """(number of finished cycles, keys already used in the current one)."""
    cycle = 0
    in_cycle: set[str] = set()
    for key in used:
        if key not in keys:
            continue
        if key in in_cycle:
            # A repeat means a new cycle started earlier than a full pass (questions were added).
            cycle += 1
            in_cycle = set()
        in_cycle.add(key)
        if in_cycle == keys:
            cycle += 1
            in_cycle = set()
    return cycle, in_cycle


def _permutation(question_keys: Sequence[str], seed: int, cycle: int) -> list[str]:
    # A string seed is hashed with SHA-512 by `random`, so the order is stable across runs and
    # Python versions (unlike hash()); sorting first makes it independent of the input order.
    shuffled = sorted(question_keys)
    random.Random(f"{seed}:{cycle}").shuffle(shuffled)
    return shuffled
