"""The words of a daily reveal: explanation, credit, distribution and who got it right."""

from __future__ import annotations

from bot.daily.presenter import RevealPost
from bot.domain.quiz import Question
from bot.ui.daily_texts import reveal_body


def reveal(question: Question) -> RevealPost:
    return RevealPost(1, 2, None, question, (1, 2), ("alice",), "nonce")


def test_an_authored_question_is_credited_under_its_explanation() -> None:
    authored = Question("q1", "Which?", ("a", "b"), 1, explanation="B it is.", author="carol_")

    assert reveal_body(reveal(authored)).splitlines()[:4] == ["B it is.", "", "✍️ Question by carol\\_", ""]
    assert "Question by" not in reveal_body(reveal(Question("q1", "Which?", ("a", "b"), 1)))
