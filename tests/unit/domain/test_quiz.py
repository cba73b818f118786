"""The quiz model's choice re-lettering: a shuffled question keeps every choice with its answer and explanation."""

import random

import pytest

from bot.domain.quiz import Question, Quiz, reorder_choices, shuffle_for_run

QUESTION = Question(
    "q1",
    "Which is prime?",
    ("4", "7", "9", "10"),
    1,
    explanation="7 has no divisor but 1 and itself.",
    choice_explanations=("2 × 2", "", "3 × 3", "2 × 5"),
)


def test_reorder_moves_the_answer_and_choice_explanations_with_their_choices() -> None:
    shown = reorder_choices(QUESTION, (2, 0, 3, 1))

    assert shown.choices == ("9", "4", "10", "7")
    assert (shown.answer, shown.answer_text) == (3, "7")
    assert [shown.choice_explanation(i) for i in range(4)] == ["3 × 3", "2 × 2", "2 × 5", ""]
    assert (shown.prompt, shown.explanation, shown.id) == (QUESTION.prompt, QUESTION.explanation, "q1")


def test_reorder_refuses_what_is_not_an_order_of_the_choices() -> None:
    with pytest.raises(ValueError, match="not an order of 4 choices"):
        reorder_choices(QUESTION, (0, 1, 1, 2))
    with pytest.raises(ValueError, match="not an order of 4 choices"):
        reorder_choices(QUESTION, (0, 1, 2))


def test_a_question_without_choice_explanations_keeps_none() -> None:
    plain = Question("q2", "Pick", ("a", "b", "c"), 0)
    assert reorder_choices(plain, (2, 1, 0)).choice_explanations == ()


def test_shuffle_for_run_reletters_only_the_questions_that_shuffle() -> None:
    kept = Question("kept", "All of them?", ("x", "y", "All of the above"), 2, shuffle_choices=False)
    quiz = Quiz("q", "Quiz", (QUESTION, kept), shuffle_choices=True)

    played, orders = shuffle_for_run(quiz, random.Random(4))

    order = orders[0]
    assert order is not None and sorted(order) == [0, 1, 2, 3]
    assert played.questions[0] == reorder_choices(QUESTION, order)
    assert (played.questions[1], orders[1]) == (kept, None)
    assert (played.id, played.title, played.shuffle_choices) == ("q", "Quiz", True)


def test_shuffle_for_run_leaves_a_quiz_without_shuffling_alone() -> None:
    only = Question("only", "Shuffle me", ("a", "b"), 0, shuffle_choices=True)
    quiz = Quiz("q", "Quiz", (QUESTION, only))

    played, orders = shuffle_for_run(quiz, random.Random(1))

    assert played.questions[0] == QUESTION and orders[0] is None
    assert orders[1] is not None and played.questions[1] == reorder_choices(only, orders[1])


def test_every_order_comes_up_across_runs() -> None:
    quiz = Quiz("q", "Quiz", (QUESTION,), shuffle_choices=True)
    rng = random.Random(0)
    seen = {shuffle_for_run(quiz, rng)[1][0] for _ in range(500)}
    assert len(seen) == 24  # every order of four choices: the letters really move
