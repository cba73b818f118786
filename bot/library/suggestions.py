"""Members suggest questions; the server's organisers accept, edit or reject them.

Anyone may suggest, once the server has a review channel (`/quiz-settings review_channel:`). A suggestion
is checked with the rules of quiz files, stored, and decided once by an organiser. Accepting appends it,
credited to its author, to a new version of a server quiz, in the same transaction that marks it accepted:

- the quiz the member chose, when the server has its own quiz of that id;
- a server copy of the shared quiz of that id, which this server then plays instead of the shared file
  (as an upload with `replace:true` would; `/quiz-remove` brings the shared one back);
- the server's `suggestions` quiz ("Member suggestions", created by the first accepted question) when the
  member chose none, or the chosen quiz is gone by the time it is accepted.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field, replace

from bot.domain import limits
from bot.domain.clock import Clock
from bot.domain.errors import NotFoundError, QuizbotError
from bot.domain.guild_settings import GuildSettings
from bot.domain.permissions import Member, require_may_review_suggestions
from bot.domain.quiz import LETTERS, MAX_CHOICES, MAX_QUESTIONS, MIN_CHOICES, Question, Quiz, letter_of
from bot.domain.suggestions import (
    SUGGESTIONS_QUIZ_DESCRIPTION,
    SUGGESTIONS_QUIZ_ID,
    SUGGESTIONS_QUIZ_TITLE,
    SuggestedQuestion,
    Suggestion,
    unique_question_id,
)
from bot.library.service import MAX_SERVER_QUIZZES, QuizLibrary
from bot.quizfiles.loader import parse_quiz_source
from bot.quizfiles.problems import QuizFileError
from bot.quizfiles.writer import dump_quiz
from bot.storage import Storage
from bot.storage.library import QuizChangedError
from bot.storage.suggestions import AlreadyDecidedError

log = logging.getLogger(__name__)

# Suggestions of one member waiting for review at a time, so one member cannot flood the review channel.
MAX_PENDING_PER_MEMBER = 5
# "A) text", "b. text", "C: text": a choice line the member lettered themselves.
_LETTERED = re.compile(r"^([A-Ea-e])\s*[).:]\s*(.+)$")


class SuggestionRefusedError(QuizbotError):
    """A suggestion was not taken; `problems` lists every one when there are several."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class SuggestionForm:
    """What the member typed: the choices one per line, the answer as a letter."""

    prompt: str
    choices: str
    answer: str
    explanation: str = ""

    @classmethod
    def filled_from(cls, question: SuggestedQuestion) -> SuggestionForm:
        """The form as the Edit button shows it, filled in with the suggestion."""
        return cls(question.prompt, "\n".join(question.choices), question.answer_letter, question.explanation)


@dataclass(frozen=True)
class Acceptance:
    suggestion: Suggestion  # as decided
    quiz: Quiz  # the server quiz it is now part of
    version: int
    number: int  # the question's position in that quiz, from 1
    notes: list[str] = field(default_factory=list)  # where it went, when that is not simply the chosen quiz


def choice_lines(text: str) -> tuple[str, ...]:
    """One choice per non-empty line; "A) ", "B. "... is dropped when the member lettered every line in order."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    matches = [_LETTERED.match(line) for line in lines]
    lettered = 0 < len(lines) <= len(LETTERS) and all(
        m is not None and m[1].upper() == letter_of(i) for i, m in enumerate(matches)
    )
    return tuple(m[2].strip() for m in matches if m is not None) if lettered else tuple(lines)


def read_form(form: SuggestionForm) -> SuggestedQuestion:
    """The suggested question, checked with the rules of quiz files; SuggestionRefusedError lists every problem."""
    choices = choice_lines(form.choices)
    letter = form.answer.strip().upper()
    problems = []
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        problems.append(
            f"Write {MIN_CHOICES} to {MAX_CHOICES} choices, one per line (there {_were(len(choices))})."
        )
    elif len(letter) != 1 or letter not in LETTERS[: len(choices)]:
        problems.append(
            f"The answer must be the letter of one of the choices, A to {letter_of(len(choices) - 1)} "
            f"(not “{form.answer.strip()[:10]}”)."
        )
    if problems:
        raise SuggestionRefusedError("The suggestion was not sent:", problems)
    question = SuggestedQuestion(form.prompt.strip(), choices, LETTERS.index(letter), form.explanation.strip())
    draft = Quiz("suggestion", "Suggestion", (question.as_question("q1", ""),))
    try:
        parse_quiz_source(dump_quiz(draft), draft.id, "suggestion")
    except QuizFileError as refused:
        raise SuggestionRefusedError(
            "The suggestion was not sent:", [_as_sentence(p.message) for p in refused.problems]
        ) from None
    return question


def _were(count: int) -> str:
    return "was 1" if count == 1 else f"were {count}"


def _as_sentence(message: str) -> str:
    """A quiz file's "question 1: prompt is …" as said about the one question of a suggestion."""
    text = message.removeprefix("question 1: ")
    return text[:1].upper() + text[1:]


def one_line(name: str) -> str:
    """A display name as a question's `author:` (one line, within the quiz file limit)."""
    return " ".join(name.split())[: limits.AUTHOR] or "a member"


class SuggestionDesk:
    """Taking members' suggestions, and the organisers' decisions on them."""

    def __init__(self, storage: Storage, clock: Clock, library: QuizLibrary) -> None:
        self._storage = storage
        self._clock = clock
        self._library = library

    # --- members ---------------------------------------------------------------------------------

    async def open_form(self, guild_id: int, quiz_id: str | None) -> str | None:
        """Before the member types anything: suggestions are on here and the chosen quiz exists; its id."""
        await self._review_channel(guild_id)
        return self._chosen(guild_id, quiz_id)

    async def submit(
        self, member: Member, guild_id: int, author_name: str, quiz_id: str | None, form: SuggestionForm
    ) -> Suggestion:
        """Check and store the suggestion for review; the caller posts it in `review_channel_id`."""
        review_channel_id = await self._review_channel(guild_id)
        target = self._chosen(guild_id, quiz_id)
        question = await asyncio.to_thread(read_form, form)
        if await self._storage.suggestions.pending_count(guild_id, member.user_id) >= MAX_PENDING_PER_MEMBER:
            raise SuggestionRefusedError(
                f"You have {MAX_PENDING_PER_MEMBER} suggestions waiting for review already; suggest more once the "
                "quiz masters have decided on those."
            )
        suggestion = await self._storage.suggestions.add(
            guild_id,
            target,
            author_id=member.user_id,
            author_name=one_line(author_name),
            question=question,
            review_channel_id=review_channel_id,
            now=self._clock.now(),
        )
        log.info("suggestion %d for %s in guild %d by %d", suggestion.id, target, guild_id, member.user_id)
        return suggestion

    async def review_posted(self, suggestion: Suggestion, message_id: int) -> Suggestion:
        await self._storage.suggestions.set_review_message(suggestion.id, message_id)
        return replace(suggestion, review_message_id=message_id)

    async def withdraw(self, suggestion: Suggestion) -> None:
        """Forget a suggestion whose review message could not be posted (nobody could decide on it)."""
        await self._storage.suggestions.delete(suggestion.id)
        log.warning("suggestion %d withdrawn: its review message could not be posted", suggestion.id)

    async def _review_channel(self, guild_id: int) -> int:
        settings = await self._storage.settings.guild_settings(guild_id)
        if settings.review_channel_id is None:
            raise SuggestionRefusedError(
                "Suggestions are off in this server: no review channel is set. Ask an admin to choose one with "
                "/quiz-settings review_channel:."
            )
        return settings.review_channel_id

    def _chosen(self, guild_id: int, quiz_id: str | None) -> str | None:
        if quiz_id is None or not quiz_id.strip():
            return None
        quiz = self._library.catalog_for(guild_id).get(quiz_id.strip().lower())
        if quiz is None:
            shown = "".join(c for c in quiz_id.strip() if c.isalnum() or c in "-_ ")[:40]
            raise NotFoundError(
                f"There is no quiz called `{shown}` here. Use /quizzes to list them, or leave quiz: empty to "
                "suggest a question for the server's suggestions quiz."
            )
        return quiz.id

    # --- organisers --------------------------------------------------------------------------------

    async def for_edit(self, member: Member, guild_id: int, suggestion_id: int) -> Suggestion:
        """The pending suggestion, to fill in the Edit form (organisers only)."""
        return await self._pending(member, guild_id, suggestion_id)

    async def edit(self, member: Member, guild_id: int, suggestion_id: int, form: SuggestionForm) -> Suggestion:
        await self._pending(member, guild_id, suggestion_id)
        question = await asyncio.to_thread(read_form, form)
        try:
            await self._storage.suggestions.edit(
                suggestion_id, question, edited_by=member.user_id, now=self._clock.now()
            )
        except AlreadyDecidedError:
            raise await self._decided(guild_id, suggestion_id) from None
        log.info("suggestion %d edited in guild %d by %d", suggestion_id, guild_id, member.user_id)
        return await self._reread(guild_id, suggestion_id)

    async def reject(self, member: Member, guild_id: int, suggestion_id: int) -> Suggestion:
        await self._pending(member, guild_id, suggestion_id)
        try:
            await self._storage.suggestions.reject(suggestion_id, decided_by=member.user_id, now=self._clock.now())
        except AlreadyDecidedError:
            raise await self._decided(guild_id, suggestion_id) from None
        log.info("suggestion %d rejected in guild %d by %d", suggestion_id, guild_id, member.user_id)
        return await self._reread(guild_id, suggestion_id)

    async def accept(self, member: Member, guild_id: int, suggestion_id: int) -> Acceptance:
        """Append the question, credited to its author, to a new version of the server's quiz (module docstring)."""
        suggestion = await self._pending(member, guild_id, suggestion_id)
        base, based_on, notes = self._destination(guild_id, suggestion)
        if len(base.questions) >= MAX_QUESTIONS:
            raise SuggestionRefusedError(
                f"`{base.id}` already has {MAX_QUESTIONS} questions, the most a quiz may have. Remove some with "
                "/quiz-download and /quiz-upload replace:true, or reject this suggestion."
            )
        question_id = unique_question_id(suggestion.id, {q.id for q in base.questions})
        question = suggestion.question.as_question(question_id, suggestion.author_name)
        quiz, source = await asyncio.to_thread(_appended, base, question)
        try:
            stored = await self._storage.suggestions.accept(
                suggestion_id,
                guild_id,
                quiz,
                source,
                question_id=question_id,
                based_on=based_on,
                decided_by=member.user_id,
                now=self._clock.now(),
            )
        except AlreadyDecidedError:
            raise await self._decided(guild_id, suggestion_id) from None
        except QuizChangedError:
            raise SuggestionRefusedError(
                f"`{quiz.id}` changed while you decided (a new version was stored); click Accept again."
            ) from None
        self._library.adopt(stored)
        log.info("suggestion %d accepted into %s v%d by %d", suggestion_id, quiz.id, stored.version, member.user_id)
        decided = await self._reread(guild_id, suggestion_id)
        return Acceptance(decided, quiz, stored.version, len(quiz.questions), notes)

    def destination(self, suggestion: Suggestion) -> str:
        """Where accepting it would put the question, as the review message says it."""
        target = suggestion.target_quiz_id
        own = self._library.server_quiz(suggestion.guild_id, target)
        if own is not None:
            return f"Accepting adds it to `{target}` ({len(own.quiz.questions)} questions now)."
        if suggestion.quiz_id is not None and self._library.shared.get(target) is not None:
            return (
                f"`{target}` is a shared quiz: accepting gives this server its own copy of it with this question, "
                "played here instead of the shared file."
            )
        if suggestion.quiz_id is not None and self._library.catalog_for(suggestion.guild_id).get(target) is None:
            return f"`{target}` is gone: accepting adds it to the `{SUGGESTIONS_QUIZ_ID}` quiz."
        return f"Accepting adds it to the `{SUGGESTIONS_QUIZ_ID}` quiz (created with its first question)."

    def _destination(self, guild_id: int, suggestion: Suggestion) -> tuple[Quiz, int | None, list[str]]:
        """The quiz to append to, the server version it builds on (None: it has none yet), and notes."""
        notes: list[str] = []
        target = suggestion.target_quiz_id
        if suggestion.quiz_id is not None and self._library.catalog_for(guild_id).get(target) is None:
            notes.append(f"`{target}` is no longer in this server's quizzes, so it went into `{SUGGESTIONS_QUIZ_ID}`.")
            target = SUGGESTIONS_QUIZ_ID
        own = self._library.server_quiz(guild_id, target)
        if own is not None:
            return own.quiz, own.version, notes
        if self._library.own_count(guild_id) >= MAX_SERVER_QUIZZES:
            raise SuggestionRefusedError(
                f"This server already has {MAX_SERVER_QUIZZES} quizzes of its own, and accepting this would add "
                f"`{target}`. Remove one with /quiz-remove first."
            )
        shared = self._library.shared.get(target)
        if shared is not None:
            notes.append(
                f"`{target}` is a shared quiz: this server now plays its own copy with the new question "
                "(later changes to the shared file do not reach it; /quiz-remove brings the shared one back)."
            )
            return shared, None, notes
        return Quiz(SUGGESTIONS_QUIZ_ID, SUGGESTIONS_QUIZ_TITLE, (), SUGGESTIONS_QUIZ_DESCRIPTION), None, notes

    async def _pending(self, member: Member, guild_id: int, suggestion_id: int) -> Suggestion:
        """The suggestion, checked on every click: an organiser asks, it is this server's, and still pending."""
        require_may_review_suggestions(await self._settings(guild_id), member)
        suggestion = await self._storage.suggestions.get(guild_id, suggestion_id)
        if suggestion is None:
            raise NotFoundError("This suggestion is not in this server's records any more.")
        if not suggestion.pending:
            raise _already_decided(suggestion)
        return suggestion

    async def _settings(self, guild_id: int) -> GuildSettings:
        return await self._storage.settings.guild_settings(guild_id)

    async def _reread(self, guild_id: int, suggestion_id: int) -> Suggestion:
        suggestion = await self._storage.suggestions.get(guild_id, suggestion_id)
        assert suggestion is not None
        return suggestion

    async def _decided(self, guild_id: int, suggestion_id: int) -> SuggestionRefusedError:
        return _already_decided(await self._reread(guild_id, suggestion_id))


def _already_decided(suggestion: Suggestion) -> SuggestionRefusedError:
    who = f" by <@{suggestion.decided_by}>" if suggestion.decided_by is not None else ""
    when = f" <t:{int(suggestion.decided_at.timestamp())}:R>" if suggestion.decided_at is not None else ""
    where = f" into `{suggestion.accepted_quiz_id}`" if suggestion.accepted_quiz_id else ""
    return SuggestionRefusedError(f"This suggestion was already {suggestion.status.value}{who}{where}{when}.")


def _appended(base: Quiz, question: Question) -> tuple[Quiz, str]:
    """`base` with `question` last, and its YAML; checked like any quiz file before it is stored."""
    quiz = replace(base, questions=(*base.questions, question))
    source = dump_quiz(quiz)
    try:
        parse_quiz_source(source, quiz.id, f"{quiz.id}.yaml")
    except QuizFileError as refused:
        raise SuggestionRefusedError(
            f"Adding it would break `{quiz.id}`:", [str(problem) for problem in refused.problems]
        ) from None
    return quiz, source
