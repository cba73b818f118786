"""The review message and the author's DM: within Discord's limits at the largest, user text shown literally."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import limits
from bot.domain.quiz import MAX_CHOICES
from bot.domain.suggestions import SuggestedQuestion, Suggestion, SuggestionStatus
from bot.quizfiles import rules
from bot.ui.suggestions import outcome_text, review_embed, suggestion_form

AT = datetime(2026, 12, 1, tzinfo=UTC)


def largest() -> Suggestion:
    """A suggestion at every limit quiz files allow, decided, edited, with a long destination note."""
    choices = tuple(f"{n}" + "c" * (limits.CHOICE - 1) for n in range(MAX_CHOICES))
    question = SuggestedQuestion("p" * limits.PROMPT, choices, 4, "e" * limits.EXPLANATION)
    assert len(rules.question_body(question.prompt, choices)) <= rules.QUESTION_BODY
    return Suggestion(
        123, 1, "q" * 32, 2, "n" * limits.AUTHOR, question, SuggestionStatus.ACCEPTED, AT, 3,
        edited_by=4, decided_by=5, decided_at=AT, accepted_quiz_id="q" * 32, accepted_question_id="suggestion-123",
    )  # fmt: skip


def test_the_largest_review_message_fits_one_embed() -> None:
    note = "`" + "q" * 32 + "` is a shared quiz: " + "x" * 300
    embed = review_embed(largest(), "destination " * 30, [note, note])
    body = embed.to_dict()

    fields = body.get("fields", [])
    assert len(body.get("description", "")) <= limits.EMBED_DESCRIPTION
    assert all(len(f["value"]) <= limits.EMBED_FIELD_VALUE and f["value"] for f in fields)
    total = len(body.get("title", "")) + len(body.get("description", "")) + len(body.get("footer", {}).get("text", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= limits.EMBED_TOTAL
    assert "✅ **E)** 4" in body["description"] and [f["name"] for f in fields][:2] == ["Explanation", "Suggested by"]


def test_user_text_is_shown_literally() -> None:
    question = SuggestedQuestion("**Bold** @everyone?", ("a", "b"), 0)
    suggestion = Suggestion(1, 1, None, 2, "_carol_ <@123456789012345678>", question, SuggestionStatus.REJECTED, AT, 3)

    embed = review_embed(suggestion, "")
    dm = outcome_text(suggestion, "The **Server**")

    assert embed.title == "Suggestion #1 for the `suggestions` quiz"
    (by,) = [f.value for f in embed.fields if f.name == "Suggested by"]
    assert by == "<@2> (\\_carol\\_ <@\u200b123456789012345678>)"
    assert dm == (
        "Your suggested question “\\*\\*Bold\\*\\* @\u200beveryone?” was not accepted in The \\*\\*Server\\*\\* "
        "this time. Thank you for suggesting it!"
    )


async def test_the_form_has_four_inputs_within_discord_limits() -> None:  # in a loop, as the bot builds it
    modal = suggestion_form("suggest:new:", "Suggest a question for a quiz with a very long name indeed")
    payload = modal.to_dict()

    assert len(payload["title"]) <= 45 and payload["custom_id"] == "suggest:new:"
    inputs = [c["component"] for c in payload["components"]]
    assert [(i["custom_id"], i["max_length"], i["required"]) for i in inputs] == [
        ("prompt", limits.PROMPT, True),
        ("choices", limits.CHOICE * MAX_CHOICES + MAX_CHOICES - 1, True),
        ("answer", 1, True),
        ("explanation", limits.EXPLANATION, False),
    ]
    assert modal.is_finished()  # discord.py keeps no copy; the bot's listener answers the submit
