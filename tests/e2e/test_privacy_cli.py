"""Issue 15 §5, `quizbot forget USER_ID [--guild ID]`: the real command, beside a running bot and on its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.app import QuizBot
from bot.settings import Settings
from tests.discord_testbed.testbed import TestBed
from tests.helpers import aquizbot, quizbot, seed_run


async def test_quizbot_forget_works_beside_the_running_bot(
    testbed: TestBed, bot: QuizBot, bot_settings: Settings, tmp_path: Path
) -> None:
    alice, bob = testbed.add_member(name="alice"), testbed.add_member(name="bob")
    guild = testbed.guild.id
    await seed_run(bot.storage, [(0, alice.id, "alice", 0, 1.0), (0, bob.id, "bob", 0, 3.0)], guild_id=guild)
    await seed_run(bot.storage, [(0, alice.id, "alice", 0, 1.0), (1, alice.id, "alice", 1, 1.0)], guild_id=guild + 1)
    db = str(bot_settings.db_path)

    here = await aquizbot("forget", str(alice.id), "--guild", str(guild), "--db", db, cwd=tmp_path)
    assert here.returncode == 0 and here.stderr == "", here.stderr
    assert here.stdout == (
        f"forgot member {alice.id} in server {guild}: deleted 1 answer, leaderboards and stats recomputed; "
        "runs and quizzes stay\n"
    )
    board = (await testbed.slash("leaderboard", {}, user=bob)).message.text()
    assert "alice" not in board and "🥇 **bob**" in board, "the running bot's boards follow at once"

    everywhere = await aquizbot("forget", str(alice.id), env={"QUIZBOT_DB": db}, cwd=tmp_path)
    assert everywhere.returncode == 0, everywhere.stderr
    assert everywhere.stdout.startswith(f"forgot member {alice.id} in every server (1 server): deleted 2 answers,")
    again = await aquizbot("forget", str(alice.id), "--db", db, cwd=tmp_path)
    assert (again.returncode, again.stdout) == (
        0,
        f"nothing stored for member {alice.id} in every server: no answers to forget\n",
    )


def test_quizbot_forget_refuses_what_must_be_fixed_first_with_exit_2(tmp_path: Path) -> None:
    missing = quizbot("forget", "123", "--db", str(tmp_path / "none.db"), cwd=tmp_path)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == f"quizbot: no database at {tmp_path / 'none.db'}: check QUIZBOT_DB (or pass --db)\n"
    assert not (tmp_path / "none.db").exists()

    other = tmp_path / "notes.db"
    connection = sqlite3.connect(other)
    with connection:
        connection.execute("CREATE TABLE notes (user_id INTEGER, text TEXT)")
    connection.close()
    before = other.read_bytes()
    refused = quizbot("forget", "123", "--db", str(other), cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert f"quizbot: {other} is not a quizbot database" in refused.stderr
    assert other.read_bytes() == before

    not_an_id = quizbot("forget", "0", "--guild", "5", "--db", str(other), cwd=tmp_path)
    assert not_an_id.returncode == 2 and not_an_id.stderr.count("\n") == 1
    assert "USER_ID must be a Discord id" in not_an_id.stderr
