"""Schema migrations, append-only: migration N brings `PRAGMA user_version` from N-1 to N.

Never edit a migration that has shipped; add a new one.
"""

MIGRATIONS: list[str] = [
    # 1: the initial schema.
    """
    CREATE TABLE guild_settings (
        guild_id INTEGER PRIMARY KEY,
        quiz_master_role_id INTEGER,
        default_seconds INTEGER,
        lead_seconds INTEGER NOT NULL DEFAULT 5,
        reveal_seconds INTEGER NOT NULL DEFAULT 5,
        scoring_mode TEXT NOT NULL DEFAULT 'accuracy' CHECK (scoring_mode IN ('accuracy', 'speed')),
        timezone TEXT NOT NULL DEFAULT 'UTC'
    );

    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('live', 'daily')),
        quiz_id TEXT NOT NULL,
        quiz_title TEXT NOT NULL,
        series TEXT,
        started_by INTEGER NOT NULL,
        created_at REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('lobby', 'running', 'finished', 'stopped')),
        seconds_per_question INTEGER NOT NULL,
        scoring_mode TEXT NOT NULL CHECK (scoring_mode IN ('accuracy', 'speed')),
        current_index INTEGER NOT NULL DEFAULT -1,
        question_count INTEGER NOT NULL,
        intro_message_id INTEGER,
        starts_at REAL,
        finished_at REAL,
        quiz_snapshot TEXT NOT NULL
    );
    -- One live quiz per channel, enforced by the database rather than an in-memory dict.
    CREATE UNIQUE INDEX runs_one_active_live_per_channel
        ON runs (channel_id) WHERE kind = 'live' AND status IN ('lobby', 'running');
    CREATE INDEX runs_active ON runs (status) WHERE status IN ('lobby', 'running');
    CREATE INDEX runs_guild_quiz ON runs (guild_id, quiz_id);

    CREATE TABLE run_questions (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        correct_choice INTEGER NOT NULL,
        choice_count INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'open', 'closed')),
        message_id INTEGER,
        opened_at REAL,
        deadline REAL,
        closed_at REAL,
        revealed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, idx)
    ) WITHOUT ROWID;

    CREATE TABLE answers (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        guild_id INTEGER NOT NULL,
        user_name TEXT NOT NULL,
        choice INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        answered_at REAL NOT NULL,
        seconds REAL NOT NULL,
        -- One answer per member per question: the database says no to the second click.
        PRIMARY KEY (run_id, idx, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX answers_guild_user ON answers (guild_id, user_id);

    CREATE TABLE daily_schedules (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL UNIQUE,
        time_of_day TEXT NOT NULL,
        timezone TEXT NOT NULL,
        weekdays TEXT NOT NULL,
        quiz_ids TEXT NOT NULL,
        question_order TEXT NOT NULL CHECK (question_order IN ('sequential', 'shuffled')),
        reveal_hours INTEGER,
        seed INTEGER NOT NULL,
        paused_reason TEXT,
        created_by INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX daily_schedules_guild ON daily_schedules (guild_id);

    CREATE TABLE daily_posts (
        schedule_id INTEGER NOT NULL REFERENCES daily_schedules (id) ON DELETE CASCADE,
        local_date TEXT NOT NULL,
        question_key TEXT NOT NULL,
        run_id INTEGER REFERENCES runs (id),
        status TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'revealed', 'skipped')),
        post_at REAL NOT NULL,
        reveal_at REAL NOT NULL,
        note TEXT,
        -- Exactly once per schedule and local day, across restarts and clock jumps.
        PRIMARY KEY (schedule_id, local_date)
    ) WITHOUT ROWID;

    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 2: live quiz results are posted in parts; resuming after a crash continues after the last one posted.
    """
    ALTER TABLE runs ADD COLUMN results_parts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN results_done INTEGER NOT NULL DEFAULT 0;
    UPDATE runs SET results_done = 1 WHERE status IN ('finished', 'stopped');
    CREATE INDEX runs_results_pending ON runs (id) WHERE kind = 'live' AND results_done = 0;
    """,
]
