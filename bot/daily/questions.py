"""Which questions a schedule draws from, looked up in the quiz catalog by key."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.daily import DailyConfig, question_key, split_question_key
from bot.domain.quiz import Question, Quiz
from bot.quizfiles import QuizCatalog


def schedule_quizzes(config: DailyConfig, catalog: QuizCatalog) -> list[Quiz]:
    """The schedule's quizzes that exist now, in the order the admin gave (catalog order for "all")."""
    if config.quiz_ids is None:
        return catalog.quizzes()
    found = (catalog.get(quiz_id) for quiz_id in config.quiz_ids)
    return [quiz for quiz in found if quiz is not None]


def question_keys(config: DailyConfig, catalog: QuizCatalog) -> list[str]:
    return [question_key(quiz.id, q.id) for quiz in schedule_quizzes(config, catalog) for q in quiz.questions]


def find_question(catalog: QuizCatalog, key: str) -> tuple[Quiz, Question] | None:
    quiz_id, question_id = split_question_key(key)
    quiz = catalog.get(quiz_id)
    question = None if quiz is None else quiz.question(question_id)
    return None if quiz is None or question is None else (quiz, question)


def one_question_quiz(quiz: Quiz, question: Question) -> Quiz:
    """The run's quiz: a daily run asks exactly one question, so answers and leaderboards stay per run."""
    return replace(quiz, questions=(question,))
