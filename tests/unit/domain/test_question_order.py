"""Which question a daily schedule posts next: sequential wrap, shuffled cycles without repeats."""

import itertools

import pytest

from bot.domain.question_order import QuestionOrder, parse_order, pick_next

KEYS = [f"day{day}/q{n}" for day in (47, 48) for n in range(1, 6)]


def run(keys: list[str], posts: int, order: QuestionOrder = "shuffled", seed: int = 7) -> list[str]:
    used: list[str] = []
    for _ in range(posts):
        used.append(pick_next(keys, used, order, seed))
    return used


def test_sequential_follows_quiz_order_and_wraps() -> None:
    assert run(KEYS, 12, "sequential") == KEYS + KEYS[:2]


def test_sequential_continues_after_the_last_key_that_still_exists() -> None:
    assert pick_next(["a", "b", "c"], ["a", "removed"], "sequential", 0) == "b"
    assert pick_next(["a", "b", "c"], ["gone"], "sequential", 0) == "a"


def test_shuffled_never_repeats_until_every_question_was_used_over_many_cycles() -> None:
    cycles = 20
    history = run(KEYS, len(KEYS) * cycles)
    permutations = [history[i : i + len(KEYS)] for i in range(0, len(history), len(KEYS))]
    for permutation in permutations:
        assert sorted(permutation) == sorted(KEYS)
    assert len({tuple(p) for p in permutations}) > cycles // 2
    assert all(a != b for a, b in itertools.pairwise(history))


@pytest.mark.parametrize("size", [2, 3, 4])
def test_shuffled_small_quizzes_never_post_the_same_question_twice_in_a_row(size: int) -> None:
    keys = [f"q{n}" for n in range(size)]
    for seed in range(30):
        history = run(keys, size * 10, seed=seed)
        assert all(a != b for a, b in itertools.pairwise(history))
        for start in range(0, len(history), size):
            assert sorted(history[start : start + size]) == keys


def test_shuffled_is_deterministic_and_depends_on_the_seed() -> None:
    assert run(KEYS, 30, seed=1) == run(KEYS, 30, seed=1)
    assert run(KEYS, 10, seed=1) != run(KEYS, 10, seed=2)
    assert run(KEYS, 10) != KEYS


def test_shuffled_with_one_question_repeats_it() -> None:
    assert run(["only"], 3) == ["only", "only", "only"]


def test_shuffled_adds_new_questions_to_the_running_cycle() -> None:
    history = run(KEYS[:5], 3)
    grown = [*KEYS[:5], "day49/q1"]
    for _ in range(3):
        history.append(pick_next(grown, history, "shuffled", 7))
    assert sorted(history) == sorted(grown)


def test_errors_say_what_is_valid() -> None:
    with pytest.raises(ValueError, match="quizzes are empty"):
        pick_next([], [], "sequential", 0)
    with pytest.raises(ValueError, match="sequential, shuffled"):
        parse_order("random")
    assert parse_order(" Shuffled ") == "shuffled"
