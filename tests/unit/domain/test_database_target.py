"""QUIZBOT_DB's two kinds of database, and server URLs named without their password."""

from __future__ import annotations

from pathlib import Path

from bot.domain.database_target import describe, is_server_url, redacted, url_password


def test_only_postgresql_urls_name_a_server() -> None:
    assert is_server_url("postgresql://host/db") and is_server_url("postgres://u@host/db")
    assert not is_server_url("quizbot.db") and not is_server_url(Path("postgresql:/host/db"))
    assert not is_server_url("mysql://host/db")


def test_a_url_is_shown_without_its_password_and_a_path_as_it_is() -> None:
    url = "postgresql://bot:p%40ss@10.0.0.5:5432/quizbot?sslmode=require"
    assert redacted(url) == "postgresql://bot@10.0.0.5:5432/quizbot?sslmode=require"
    assert url_password(url) == "p%40ss"
    assert describe(url) == redacted(url) and describe(Path("data/quizbot.db")) == "data/quizbot.db"
    assert redacted("postgresql://bot@host/db") == "postgresql://bot@host/db"
    assert url_password("postgresql://host/db") is None
