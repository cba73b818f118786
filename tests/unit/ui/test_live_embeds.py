"""Live quiz embeds: a question's image, and "My answers" with choice explanations at any quiz size."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import limits
from bot.domain.quiz import Question, Quiz
from bot.domain.runs import QuestionState, Run, RunKind, RunQuestion, RunStatus, ScoringMode, StoredAnswer, Tally
from bot.ui.live_embeds import (
    distribution_messages,
    explanation_block,
    my_answer_block,
    my_answers_messages,
    question_embed,
    reveal_embed,
)

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PICTURED = Question(
    "q1", "Which is prime?", ("4", "7"), 1, image="https://example.com/p.png", choice_explanations=("2 × 2", "")
)
PLAIN = Question("q2", "Which is even?", ("3", "8"), 1)
QUIZ = Quiz("numbers", "Numbers", (PICTURED, PLAIN))
RUN = Run(1, 10, 20, RunKind.LIVE, "numbers", "Numbers", None, 5, AT, RunStatus.RUNNING, 30, ScoringMode.ACCURACY, 0, 2)


def run_question(index: int) -> RunQuestion:
    return RunQuestion(1, index, f"q{index + 1}", 1, 2, QuestionState.OPEN, 99, AT, AT, None)


def answer(index: int, choice: int, correct: bool) -> StoredAnswer:
    return StoredAnswer(1, index, 7, "bob", choice, correct, AT, 2.5)


def test_the_question_and_its_reveal_show_the_image_and_others_none() -> None:
    for embed in (question_embed(RUN, QUIZ, run_question(0), 0), reveal_embed(RUN, QUIZ, run_question(0), [1, 1])):
        assert embed.image.url == "https://example.com/p.png"
    assert question_embed(RUN, QUIZ, run_question(1), 0).image.url is None


def test_a_block_shows_the_explanation_of_the_picked_choice_only() -> None:
    assert my_answer_block(1, PICTURED, answer(0, 0, False)) == (
        "**1.** Which is prime?\n❌ you: **A** · correct: **B** · 2.5 s\n> 2 × 2"
    )
    assert my_answer_block(1, PICTURED, answer(0, 1, True)) == (
        "**1.** Which is prime?\n✅ you: **B** · correct: **B** · 2.5 s"
    )
    assert my_answer_block(2, PLAIN, None) == "**2.** Which is even?\nno answer · correct: **B**"
    long = Question("q4", "Why\n" + "so " * 100 + "long?", ("a", "b"), 0)
    heading = my_answer_block(4, long, None).splitlines()[0]
    assert heading.startswith("**4.** Why so so") and heading.endswith("…") and len(heading) <= 160
    several = Question("q3", "?", ("a", "b"), 0, choice_explanations=("", "first line\nsecond line"))
    assert my_answer_block(3, several, answer(2, 1, False)).endswith("\n> first line\n> second line")


def test_my_answers_of_a_short_quiz_is_one_embed() -> None:
    (message,) = my_answers_messages(QUIZ, [answer(0, 0, False)])
    (embed,) = message
    assert embed.title == "Your answers: Numbers"
    assert embed.footer.text == "0 of 2 right"
    assert embed.description is not None and "> 2 × 2" in embed.description
    assert "**2.** Which is even?\nno answer" in embed.description


def test_my_answers_of_the_largest_quiz_keeps_every_question_within_discord_limits() -> None:
    long_why = "w" * limits.CHOICE_EXPLANATION
    prompt = "p" * limits.PROMPT
    question = Question("q", prompt, ("a", "b", "c", "d", "e"), 4, choice_explanations=(long_why,) * 5)
    quiz = Quiz("big", "T" * limits.QUIZ_TITLE, tuple(question for _ in range(100)))
    mine = [answer(i, 0, False) for i in range(100)]

    messages = my_answers_messages(quiz, mine)

    assert len(messages) > 1
    text = ""
    for message in messages:
        assert len(message) <= limits.EMBEDS_PER_MESSAGE
        sizes = [len(e.title or "") + len(e.description or "") + len(e.footer.text or "") for e in message]
        assert sum(sizes) <= limits.EMBED_TOTAL
        assert all(len(e.description or "") <= limits.EMBED_DESCRIPTION for e in message)
        assert all(len(e.title or "") <= limits.EMBED_TITLE for e in message)
        text += "\n".join(e.description or "" for e in message) + "\n"
    assert [text.count(f"**{n}.** {'p' * 149}…\n❌ you: **A**") for n in range(1, 101)] == [1] * 100
    assert text.count(long_why) == 100
    assert messages[-1][-1].footer.text == "0 of 100 right"


def test_a_windows_distribution_counts_every_pick_and_keeps_the_largest_quiz_within_discord_limits() -> None:
    tally = Tally.of(QUIZ, [answer(0, 1, True), answer(0, 0, False), answer(1, 1, True)])
    assert distribution_messages(QUIZ, tally)[0][0].description == (
        "**1. Which is prime?**\n▫️ **A)** `█████░░░░░` 1 (50%)\n✅ **B)** `█████░░░░░` 1 (50%)\n1 of 2 right\n\n"
        "**2. Which is even?**\n▫️ **A)** `░░░░░░░░░░` 0 (0%)\n✅ **B)** `██████████` 1 (100%)\n1 of 1 right"
    )
    question = Question("q", "?" * limits.PROMPT, ("a", "b", "c", "d", "e"), 4)
    big = Quiz("big", "T" * limits.QUIZ_TITLE, tuple(question for _ in range(100)))
    messages = distribution_messages(big, Tally.of(big, [answer(i, i % 5, i % 5 == 4) for i in range(100)]))
    text = ""
    for message in messages:
        assert len(message) <= limits.EMBEDS_PER_MESSAGE
        sizes = [len(e.title or "") + len(e.description or "") + len(e.footer.text or "") for e in message]
        assert sum(sizes) <= limits.EMBED_TOTAL
        assert all(len(e.description or "") <= limits.EMBED_DESCRIPTION for e in message)
        text += "\n".join(e.description or "" for e in message) + "\n"
    assert [text.count(f"**{n}. ") for n in range(1, 101)] == [1] * 100


def test_an_authored_question_credits_its_author_literally_in_results_and_my_answers() -> None:
    authored = Question("q4", "Who?", ("me", "you"), 0, explanation="Because.", author="**alice** @everyone")
    credit = "✍️ Question by \\*\\*alice\\*\\* @\u200beveryone"

    assert explanation_block(4, authored).endswith(f"\nBecause.\n{credit}")
    assert my_answer_block(4, authored, answer(3, 1, False)).endswith(f" · 2.5 s\n{credit}")
    assert my_answer_block(4, authored, None) == f"**4.** Who?\nno answer · correct: **A**\n{credit}"
    assert "Question by" not in explanation_block(2, PLAIN)
