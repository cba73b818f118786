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
    # 3: summary tables for leaderboards and /stats. The answers stay the one source of truth; the
    # triggers keep these in step inside the very statement that writes or rescores an answer, so the
    # click path stays one statement and a board reads per-member rows instead of a million answers.
    """
    CREATE TABLE board_totals (
        guild_id INTEGER NOT NULL,
        -- 'all', 'daily', 'quiz:<quiz id>' or 'series:<series>': one row per member and board.
        bucket TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        user_name TEXT NOT NULL,
        answered INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (guild_id, bucket, user_id)
    ) WITHOUT ROWID;

    -- Per UTC day: a week or month in any time zone is whole UTC days plus two partial edge days.
    CREATE TABLE board_days (
        guild_id INTEGER NOT NULL,
        day INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        answered INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (guild_id, day, user_id)
    ) WITHOUT ROWID;

    CREATE TABLE board_runs (
        run_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        guild_id INTEGER NOT NULL,
        answered INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (run_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX board_runs_member ON board_runs (guild_id, user_id);

    CREATE TABLE run_question_tags (
        run_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, idx, tag)
    ) WITHOUT ROWID;

    CREATE TABLE board_tags (
        guild_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        tag TEXT NOT NULL,
        answered INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        PRIMARY KEY (guild_id, user_id, tag)
    ) WITHOUT ROWID;

    -- The partial edge days of a week or month are read from the answers themselves.
    CREATE INDEX answers_guild_time ON answers (guild_id, answered_at, correct, seconds);

    -- A question's tags are its own plus the quiz's, read once from the snapshot when the run starts.
    CREATE TRIGGER run_questions_tags AFTER INSERT ON run_questions BEGIN
        INSERT OR IGNORE INTO run_question_tags (run_id, idx, tag)
        SELECT NEW.run_id, NEW.idx, t.value
        FROM runs AS r, json_each(r.quiz_snapshot, '$.questions[' || NEW.idx || '].tags') AS t
        WHERE r.id = NEW.run_id AND json_valid(r.quiz_snapshot) AND t.type = 'text'
        UNION
        SELECT NEW.run_id, NEW.idx, t.value
        FROM runs AS r, json_each(r.quiz_snapshot, '$.tags') AS t
        WHERE r.id = NEW.run_id AND json_valid(r.quiz_snapshot) AND t.type = 'text';
    END;

    CREATE TRIGGER answers_boards_insert AFTER INSERT ON answers BEGIN
        INSERT INTO board_totals (guild_id, bucket, user_id, user_name, answered, correct, seconds)
        SELECT NEW.guild_id, b.bucket, NEW.user_id, NEW.user_name, 1, NEW.correct, NEW.seconds
        FROM (
            SELECT 'all' AS bucket
            UNION ALL SELECT 'quiz:' || quiz_id FROM runs WHERE id = NEW.run_id
            UNION ALL SELECT 'series:' || series FROM runs WHERE id = NEW.run_id AND series IS NOT NULL
            UNION ALL SELECT 'daily' FROM runs WHERE id = NEW.run_id AND kind = 'daily'
        ) AS b
        WHERE true
        ON CONFLICT (guild_id, bucket, user_id) DO UPDATE SET
            user_name = excluded.user_name, answered = answered + 1, correct = correct + excluded.correct,
            seconds = seconds + excluded.seconds;
        INSERT INTO board_days (guild_id, day, user_id, answered, correct, seconds)
        VALUES (NEW.guild_id, CAST(NEW.answered_at / 86400 AS INTEGER), NEW.user_id, 1, NEW.correct,
                NEW.seconds)
        ON CONFLICT (guild_id, day, user_id) DO UPDATE SET
            answered = answered + 1, correct = correct + excluded.correct,
            seconds = seconds + excluded.seconds;
        INSERT INTO board_runs (run_id, user_id, guild_id, answered, correct, seconds)
        VALUES (NEW.run_id, NEW.user_id, NEW.guild_id, 1, NEW.correct, NEW.seconds)
        ON CONFLICT (run_id, user_id) DO UPDATE SET
            answered = answered + 1, correct = correct + excluded.correct,
            seconds = seconds + excluded.seconds;
        INSERT INTO board_tags (guild_id, user_id, tag, answered, correct)
        SELECT NEW.guild_id, NEW.user_id, t.tag, 1, NEW.correct
        FROM run_question_tags AS t WHERE t.run_id = NEW.run_id AND t.idx = NEW.idx
        ON CONFLICT (guild_id, user_id, tag) DO UPDATE SET
            answered = answered + 1, correct = correct + excluded.correct;
    END;

    -- A rescore flips `correct`, and every summary moves by the same difference.
    CREATE TRIGGER answers_boards_rescore AFTER UPDATE OF correct ON answers
    WHEN OLD.correct IS NOT NEW.correct BEGIN
        UPDATE board_totals SET
            correct = correct + NEW.correct - OLD.correct
        WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id AND bucket IN (
            SELECT 'all' AS bucket
            UNION ALL SELECT 'quiz:' || quiz_id FROM runs WHERE id = NEW.run_id
            UNION ALL SELECT 'series:' || series FROM runs WHERE id = NEW.run_id AND series IS NOT NULL
            UNION ALL SELECT 'daily' FROM runs WHERE id = NEW.run_id AND kind = 'daily'
        );
        UPDATE board_days SET
            correct = correct + NEW.correct - OLD.correct
        WHERE guild_id = NEW.guild_id AND day = CAST(NEW.answered_at / 86400 AS INTEGER) AND user_id = NEW.user_id;
        UPDATE board_runs SET
            correct = correct + NEW.correct - OLD.correct
        WHERE run_id = NEW.run_id AND user_id = NEW.user_id;
        UPDATE board_tags SET correct = correct + NEW.correct - OLD.correct
        WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id
          AND tag IN (SELECT tag FROM run_question_tags WHERE run_id = NEW.run_id AND idx = NEW.idx);
    END;

    -- Deleting a run (cascading to its answers) takes its answers off the boards too.
    CREATE TRIGGER answers_boards_delete AFTER DELETE ON answers BEGIN
        UPDATE board_totals SET
            answered = answered - 1, correct = correct - OLD.correct, seconds = seconds - OLD.seconds
        WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id AND bucket IN (
            SELECT 'all' AS bucket
            UNION ALL SELECT 'quiz:' || quiz_id FROM runs WHERE id = OLD.run_id
            UNION ALL SELECT 'series:' || series FROM runs WHERE id = OLD.run_id AND series IS NOT NULL
            UNION ALL SELECT 'daily' FROM runs WHERE id = OLD.run_id AND kind = 'daily'
        );
        UPDATE board_days SET
            answered = answered - 1, correct = correct - OLD.correct, seconds = seconds - OLD.seconds
        WHERE guild_id = OLD.guild_id AND day = CAST(OLD.answered_at / 86400 AS INTEGER) AND user_id = OLD.user_id;
        DELETE FROM board_runs WHERE run_id = OLD.run_id AND user_id = OLD.user_id AND answered <= 1;
        UPDATE board_runs SET
            answered = answered - 1, correct = correct - OLD.correct, seconds = seconds - OLD.seconds
        WHERE run_id = OLD.run_id AND user_id = OLD.user_id;
        UPDATE board_tags SET answered = answered - 1, correct = correct - OLD.correct
        WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id
          AND tag IN (SELECT tag FROM run_question_tags WHERE run_id = OLD.run_id AND idx = OLD.idx);
    END;

    -- Databases from schema 1 already hold answers: fill the summaries from them once.
    INSERT INTO run_question_tags (run_id, idx, tag)
    SELECT q.run_id, q.idx, t.value
    FROM run_questions AS q JOIN runs AS r ON r.id = q.run_id,
         json_each(r.quiz_snapshot, '$.questions[' || q.idx || '].tags') AS t
    WHERE json_valid(r.quiz_snapshot) AND t.type = 'text'
    UNION
    SELECT q.run_id, q.idx, t.value
    FROM run_questions AS q JOIN runs AS r ON r.id = q.run_id, json_each(r.quiz_snapshot, '$.tags') AS t
    WHERE json_valid(r.quiz_snapshot) AND t.type = 'text';

    INSERT INTO board_totals (guild_id, bucket, user_id, user_name, answered, correct, seconds)
    SELECT a.guild_id, 'all', a.user_id,
           (SELECT l.user_name FROM answers AS l WHERE l.guild_id = a.guild_id AND l.user_id = a.user_id
            ORDER BY l.answered_at DESC LIMIT 1),
           count(*), sum(a.correct), sum(a.seconds)
    FROM answers AS a GROUP BY a.guild_id, a.user_id;

    INSERT INTO board_totals (guild_id, bucket, user_id, user_name, answered, correct, seconds)
    SELECT a.guild_id, k.bucket, a.user_id, t.user_name, count(*), sum(a.correct), sum(a.seconds)
    FROM answers AS a JOIN runs AS r ON r.id = a.run_id
    JOIN (SELECT id, 'quiz:' || quiz_id AS bucket FROM runs
          UNION ALL SELECT id, 'series:' || series FROM runs WHERE series IS NOT NULL
          UNION ALL SELECT id, 'daily' FROM runs WHERE kind = 'daily') AS k ON k.id = r.id
    JOIN board_totals AS t ON t.guild_id = a.guild_id AND t.bucket = 'all' AND t.user_id = a.user_id
    GROUP BY a.guild_id, k.bucket, a.user_id;

    INSERT INTO board_days (guild_id, day, user_id, answered, correct, seconds)
    SELECT guild_id, CAST(answered_at / 86400 AS INTEGER) AS day, user_id,
           count(*), sum(correct), sum(seconds)
    FROM answers GROUP BY guild_id, day, user_id;

    INSERT INTO board_runs (run_id, user_id, guild_id, answered, correct, seconds)
    SELECT run_id, user_id, guild_id, count(*), sum(correct), sum(seconds)
    FROM answers GROUP BY run_id, user_id;

    INSERT INTO board_tags (guild_id, user_id, tag, answered, correct)
    SELECT a.guild_id, a.user_id, t.tag, count(*), sum(a.correct)
    FROM answers AS a JOIN run_question_tags AS t ON t.run_id = a.run_id AND t.idx = a.idx
    GROUP BY a.guild_id, a.user_id, t.tag;
    """,
    # 4: quizzes a server uploads from Discord, every version kept (a run keeps its own snapshot anyway).
    """
    CREATE TABLE server_quizzes (
        guild_id INTEGER NOT NULL,
        quiz_id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        source TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        uploaded_by INTEGER NOT NULL,
        uploaded_at REAL NOT NULL,
        retired_at REAL,
        PRIMARY KEY (guild_id, quiz_id, version)
    );
    -- At most one current version of a quiz per server: replace retires the old one in the same transaction.
    CREATE UNIQUE INDEX server_quizzes_one_current ON server_quizzes (guild_id, quiz_id) WHERE retired_at IS NULL;
    """,
    # 5: a live run of a quiz with shuffle_choices shows a question's choices in its own order, and
    # answers.choice and correct_choice are positions as shown. The order is kept as digits, the quiz
    # file's index of the choice shown at each position ('2031' shows the file's C first), so reports,
    # export and rescore can speak the file's letters. NULL: the file's order (every run before this).
    """
    ALTER TABLE run_questions ADD COLUMN choice_order TEXT;
    """,
    # 6: /privacy. A member's choices per server; a row exists only while a choice differs from the default
    # (hidden = 1 leaves them off every public board). What export and forget cover is bot/storage/privacy.py.
    """
    CREATE TABLE member_privacy (
        guild_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
        updated_at REAL NOT NULL,
        PRIMARY KEY (guild_id, user_id)
    ) WITHOUT ROWID;
    """,
    # 7: review cards (issue 15). Cards are made from the answers after they are committed, never on the
    # click path (docs/review.md): the answers stay the one record of what a member answered, and a
    # member's cards catch up with their answers (`review_members.synced_until`) before they are read.
    """
    CREATE TABLE review_cards (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        quiz_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        -- The question as the member last met it: that run's stored quiz copy and its index there, so a
        -- card keeps working after its quiz is replaced or removed.
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        due REAL NOT NULL,
        -- The scheduler's state (1 learning, 2 review, 3 relearning) and last rating, for counts.
        phase INTEGER NOT NULL CHECK (phase IN (1, 2, 3)),
        last_review REAL NOT NULL,
        ratings INTEGER NOT NULL CHECK (ratings >= 1),
        lapses INTEGER NOT NULL,  -- wrong answers to it, in quizzes and in /review
        review_lapses INTEGER NOT NULL DEFAULT 0,  -- of those, the ones in /review (leeches add the quizzes')
        -- The newest quiz answer folded in: catching up twice never rates an answer twice.
        last_answer_at REAL NOT NULL,
        -- The spaced-repetition library's own card record (fsrs Card.to_json()), kept verbatim.
        scheduler_state TEXT NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (guild_id, user_id, quiz_id, question_id)
    );
    CREATE INDEX review_cards_due ON review_cards (guild_id, user_id, due);
    CREATE INDEX review_cards_run ON review_cards (run_id);
    -- Leeches (/quiz-report): the few cards a member failed in /review, by quiz.
    CREATE INDEX review_cards_review_lapses ON review_cards (guild_id, quiz_id, question_id, user_id, review_lapses)
        WHERE review_lapses > 0;

    -- Every rating of a card, from a quiz answer or a review: one row per number, so a review click
    -- that arrives twice counts once.
    CREATE TABLE review_log (
        card_id INTEGER NOT NULL REFERENCES review_cards (id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        -- The scheduler's rating: 1 Again (a wrong answer), 3 Good (a right one).
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        reviewed_at REAL NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('answer', 'review')),
        run_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        choice INTEGER,
        PRIMARY KEY (card_id, n)
    ) WITHOUT ROWID;

    CREATE TABLE review_members (
        guild_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        -- 1: a right answer makes a card too, not only a wrong one.
        every_answer INTEGER NOT NULL DEFAULT 0,
        -- Answers up to this time are folded into the member's cards (re-read with a margin).
        synced_until REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (guild_id, user_id)
    ) WITHOUT ROWID;

    -- A member's answers by correctness and time: catching up reads the answers after synced_until, and
    -- /mistakes pages through the wrong ones newest first. It replaces the (guild_id, user_id) index, so
    -- the click path writes no more index entries than before.
    DROP INDEX answers_guild_user;
    CREATE INDEX answers_member ON answers (guild_id, user_id, correct, answered_at);
    """,
    # 8: member suggestions. A member suggests a question with /quiz-suggest; the organisers accept, edit
    # or reject it from a review message in the channel /quiz-settings review_channel names (NULL: off).
    # An accepted one becomes a new version of a server quiz in the same transaction that marks it, and
    # counts as "questions authored" in /stats.
    """
    ALTER TABLE guild_settings ADD COLUMN review_channel_id INTEGER;

    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        quiz_id TEXT,  -- the quiz the member chose, NULL for the server's `suggestions` quiz
        author_user_id INTEGER NOT NULL,  -- the member who suggested it (export and forget: bot/storage/privacy.py)
        author_name TEXT NOT NULL,
        prompt TEXT NOT NULL,
        choices TEXT NOT NULL,  -- a JSON list of 2 to 5 texts
        answer INTEGER NOT NULL,
        explanation TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
        created_at REAL NOT NULL,
        review_channel_id INTEGER NOT NULL,
        review_message_id INTEGER,
        edited_by INTEGER,
        edited_at REAL,
        decided_by INTEGER,
        decided_at REAL,
        -- Where an accepted question went: the server quiz, its new version and the question's id.
        accepted_quiz_id TEXT,
        accepted_version INTEGER,
        accepted_question_id TEXT
    );
    CREATE INDEX suggestions_by_author ON suggestions (guild_id, author_user_id, status);
    """,
    # 9: private runs (issue 15): practice alone (kind 'practice', one run per member and attempt) and open
    # windows (kind 'window', the channel's run that each member takes at their own pace until it closes).
    # Their answers go into the same answers table, so /stats and everything built on the answers sees them;
    # practice answers are flagged and kept off the public boards (their own summary buckets).
    """
    -- runs.kind gains 'practice' and 'window'. SQLite cannot change a CHECK in place, and rebuilding runs
    -- would cascade-delete every answer (DROP TABLE deletes its rows first while foreign keys are on, and
    -- they cannot be turned off inside the migration's transaction). A wider CHECK only allows more, so the
    -- table's stored definition is edited instead, SQLite's documented way to relax a constraint ("Making
    -- other kinds of table schema changes"), and RESET reloads the schema on this connection. The schema
    -- changes below bump the schema version, so every other connection reloads it too.
    PRAGMA writable_schema = ON;
    UPDATE sqlite_master
    SET sql = replace(sql, 'CHECK (kind IN (''live'', ''daily''))',
                      'CHECK (kind IN (''live'', ''daily'', ''practice'', ''window''))')
    WHERE type = 'table' AND name = 'runs';
    PRAGMA writable_schema = OFF;
    PRAGMA writable_schema = RESET;

    -- A window's close: its deadline, picked up again after a restart.
    ALTER TABLE runs ADD COLUMN closes_at REAL;
    -- At most one unfinished practice of a quiz per member and server ("continue or start over"), and one
    -- open window per channel (/quiz-stop closes it).
    CREATE UNIQUE INDEX runs_one_open_practice ON runs (started_by, guild_id, quiz_id)
        WHERE kind = 'practice' AND status IN ('lobby', 'running');
    CREATE UNIQUE INDEX runs_one_open_window_per_channel ON runs (channel_id)
        WHERE kind = 'window' AND status IN ('lobby', 'running');
    -- Windows to resume after a restart: open, or closed with their results not fully posted.
    CREATE INDEX runs_window_pending ON runs (id) WHERE kind = 'window' AND results_done = 0;

    -- Where each member is in a private run: the question on their screen and when it was shown (their
    -- answer time counts from there), plus a practice timer's deadline. The server is kept for /privacy.
    CREATE TABLE private_progress (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        guild_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        shown_at REAL NOT NULL,
        deadline REAL,
        PRIMARY KEY (run_id, user_id)
    ) WITHOUT ROWID;

    -- A practice answer: on the member's /stats (and anything reading the answers), never on public boards.
    ALTER TABLE answers ADD COLUMN practice INTEGER NOT NULL DEFAULT 0;
    -- The week and month boards read the answers of their partial edge days: still from the index alone.
    DROP INDEX answers_guild_time;
    CREATE INDEX answers_guild_time ON answers (guild_id, answered_at, practice, correct, seconds);

    -- A server may count practice on its series boards, marked as practice (/quiz-settings).
    ALTER TABLE guild_settings ADD COLUMN practice_on_series INTEGER NOT NULL DEFAULT 0;

    -- The summaries of migration 3, with practice answers in buckets of their own: 'practice' (the member's
    -- /stats add it to 'all') and 'practice-series:<series>' (a series board adds it when the server says
    -- so), and no quiz, day or run board counts them. Tags count every answer (/stats per tag).
    DROP TRIGGER answers_boards_insert;
    CREATE TRIGGER answers_boards_insert AFTER INSERT ON answers BEGIN
        INSERT INTO board_totals (guild_id, bucket, user_id, user_name, answered, correct, seconds)
        SELECT NEW.guild_id, b.bucket, NEW.user_id, NEW.user_name, 1, NEW.correct, NEW.seconds
        FROM (
            SELECT CASE NEW.practice WHEN 0 THEN 'all' ELSE 'practice' END AS bucket
            UNION ALL SELECT 'quiz:' || quiz_id FROM runs WHERE id = NEW.run_id AND NEW.practice = 0
            UNION ALL SELECT CASE NEW.practice WHEN 0 THEN 'series:' ELSE 'practice-series:' END || series
                FROM runs WHERE id = NEW.run_id AND series IS NOT NULL
            UNION ALL SELECT 'daily' FROM runs WHERE id = NEW.run_id AND kind = 'daily'
        ) AS b
        WHERE true
        ON CONFLICT (guild_id, bucket, user_id) DO UPDATE SET
            user_name = excluded.user_name, answered = answered + 1, correct = correct + excluded.correct,
            seconds = seconds + excluded.seconds;
        INSERT INTO board_days (guild_id, day, user_id, answered, correct, seconds)
        SELECT NEW.guild_id, CAST(NEW.answered_at / 86400 AS INTEGER), NEW.user_id, 1, NEW.correct, NEW.seconds
        WHERE NEW.practice = 0
        ON CONFLICT (guild_id, day, user_id) DO UPDATE SET
            answered = answered + 1, correct = correct + excluded.correct,
            seconds = seconds + excluded.seconds;
        INSERT INTO board_runs (run_id, user_id, guild_id, answered, correct, seconds)
        SELECT NEW.run_id, NEW.user_id, NEW.guild_id, 1, NEW.correct, NEW.seconds
        WHERE NEW.practice = 0
        ON CONFLICT (run_id, user_id) DO UPDATE SET
            answered = answered + 1, correct = correct + excluded.correct,
            seconds = seconds + excluded.seconds;
        INSERT INTO board_tags (guild_id, user_id, tag, answered, correct)
        SELECT NEW.guild_id, NEW.user_id, t.tag, 1, NEW.correct
        FROM run_question_tags AS t WHERE t.run_id = NEW.run_id AND t.idx = NEW.idx
        ON CONFLICT (guild_id, user_id, tag) DO UPDATE SET
            answered = answered + 1, correct = correct + excluded.correct;
    END;

    DROP TRIGGER answers_boards_rescore;
    CREATE TRIGGER answers_boards_rescore AFTER UPDATE OF correct ON answers
    WHEN OLD.correct IS NOT NEW.correct BEGIN
        UPDATE board_totals SET
            correct = correct + NEW.correct - OLD.correct
        WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id AND bucket IN (
            SELECT CASE NEW.practice WHEN 0 THEN 'all' ELSE 'practice' END AS bucket
            UNION ALL SELECT 'quiz:' || quiz_id FROM runs WHERE id = NEW.run_id AND NEW.practice = 0
            UNION ALL SELECT CASE NEW.practice WHEN 0 THEN 'series:' ELSE 'practice-series:' END || series
                FROM runs WHERE id = NEW.run_id AND series IS NOT NULL
            UNION ALL SELECT 'daily' FROM runs WHERE id = NEW.run_id AND kind = 'daily'
        );
        UPDATE board_days SET
            correct = correct + NEW.correct - OLD.correct
        WHERE NEW.practice = 0 AND guild_id = NEW.guild_id AND day = CAST(NEW.answered_at / 86400 AS INTEGER)
          AND user_id = NEW.user_id;
        UPDATE board_runs SET
            correct = correct + NEW.correct - OLD.correct
        WHERE NEW.practice = 0 AND run_id = NEW.run_id AND user_id = NEW.user_id;
        UPDATE board_tags SET correct = correct + NEW.correct - OLD.correct
        WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id
          AND tag IN (SELECT tag FROM run_question_tags WHERE run_id = NEW.run_id AND idx = NEW.idx);
    END;

    DROP TRIGGER answers_boards_delete;
    CREATE TRIGGER answers_boards_delete AFTER DELETE ON answers BEGIN
        UPDATE board_totals SET
            answered = answered - 1, correct = correct - OLD.correct, seconds = seconds - OLD.seconds
        WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id AND bucket IN (
            SELECT CASE OLD.practice WHEN 0 THEN 'all' ELSE 'practice' END AS bucket
            UNION ALL SELECT 'quiz:' || quiz_id FROM runs WHERE id = OLD.run_id AND OLD.practice = 0
            UNION ALL SELECT CASE OLD.practice WHEN 0 THEN 'series:' ELSE 'practice-series:' END || series
                FROM runs WHERE id = OLD.run_id AND series IS NOT NULL
            UNION ALL SELECT 'daily' FROM runs WHERE id = OLD.run_id AND kind = 'daily'
        );
        UPDATE board_days SET
            answered = answered - 1, correct = correct - OLD.correct, seconds = seconds - OLD.seconds
        WHERE OLD.practice = 0 AND guild_id = OLD.guild_id AND day = CAST(OLD.answered_at / 86400 AS INTEGER)
          AND user_id = OLD.user_id;
        DELETE FROM board_runs
        WHERE OLD.practice = 0 AND run_id = OLD.run_id AND user_id = OLD.user_id AND answered <= 1;
        UPDATE board_runs SET
            answered = answered - 1, correct = correct - OLD.correct, seconds = seconds - OLD.seconds
        WHERE OLD.practice = 0 AND run_id = OLD.run_id AND user_id = OLD.user_id;
        UPDATE board_tags SET answered = answered - 1, correct = correct - OLD.correct
        WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id
          AND tag IN (SELECT tag FROM run_question_tags WHERE run_id = OLD.run_id AND idx = OLD.idx);
    END;
    """,
    # 10: runs deleted take their answers off every board. The answers' delete trigger finds an answer's
    # quiz, series and kind in its run, but when deleting a run cascades to its answers the run is already
    # gone, so its answers stayed on the quiz, series and daily boards. The run now deletes its answers
    # first, while their trigger can still read it; the cascade then finds none left.
    """
    CREATE TRIGGER runs_delete_answers_first BEFORE DELETE ON runs BEGIN
        DELETE FROM answers WHERE run_id = OLD.id;
    END;

    -- Runs deleted before this migration left their answers on those buckets: recount the buckets from the
    -- answers, keeping each row's name (the name of its member's latest answer on that board).
    CREATE TEMPORARY TABLE board_recount AS
    SELECT a.guild_id, k.bucket, a.user_id, count(*) AS answered, sum(a.correct) AS correct,
           sum(a.seconds) AS seconds
    FROM answers AS a
    JOIN (SELECT id, 0 AS practice, 'quiz:' || quiz_id AS bucket FROM runs
          UNION ALL SELECT id, 0, 'series:' || series FROM runs WHERE series IS NOT NULL
          UNION ALL SELECT id, 1, 'practice-series:' || series FROM runs WHERE series IS NOT NULL
          UNION ALL SELECT id, 0, 'daily' FROM runs WHERE kind = 'daily') AS k
        ON k.id = a.run_id AND k.practice = a.practice
    GROUP BY a.guild_id, k.bucket, a.user_id;
    DELETE FROM board_totals
    WHERE bucket NOT IN ('all', 'practice') AND NOT EXISTS (
        SELECT 1 FROM board_recount AS f
        WHERE f.guild_id = board_totals.guild_id AND f.bucket = board_totals.bucket
          AND f.user_id = board_totals.user_id);
    UPDATE board_totals SET answered = f.answered, correct = f.correct, seconds = f.seconds
    FROM board_recount AS f
    WHERE f.guild_id = board_totals.guild_id AND f.bucket = board_totals.bucket AND f.user_id = board_totals.user_id
      AND (f.answered != board_totals.answered OR f.correct != board_totals.correct);
    DROP TABLE board_recount;
    """,
]
