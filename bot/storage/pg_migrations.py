"""PostgreSQL's schema migrations, in step with SQLite's (bot/storage/migrations.py): filled in next."""

PG_MIGRATIONS: list[str] = []
