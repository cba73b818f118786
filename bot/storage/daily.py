"""SQL for daily-question schedules and their posts.

Exactly once is the primary key (schedule_id, local_date) of daily_posts: a slot is taken by the one
INSERT that succeeds, and only that caller posts. Status moves are conditional UPDATEs, so two bot
instances on one database never both act on the same row.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.domain.daily import DailyConfig, DailyPost, PostStatus, Slot
from bot.domain.question_order import parse_order
from bot.domain.quiz import Quiz
from bot.domain.runs import RunKind, RunStatus, ScoringMode
from bot.domain.schedule import DailySchedule, parse_time_of_day
from bot.storage.database import Database, instant, to_timestamp
from bot.storage.runs import insert_run

_SCHEDULE_COLUMNS = (
    "id, guild_id, channel_id, time_of_day, timezone, weekdays, quiz_ids, question_order, reveal_hours, seed, "
    "paused_reason, created_by, created_at"
)
_POST_COLUMNS = "schedule_id, local_date, question_key, run_id, status, post_at, reveal_at, note"
# Rows whose slot is a scheduled day (not an extra `/daily now` post, whose key has a "+n" suffix).
_SCHEDULED_SLOT = "length(daily_posts.local_date) = 10"


def _config_from_row(row: Any) -> DailyConfig:
    quiz_ids = json.loads(row["quiz_ids"])
    schedule = DailySchedule(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        time=parse_time_of_day(row["time_of_day"]),
        timezone=row["timezone"],
        weekdays=frozenset(json.loads(row["weekdays"])),
        reveal_hours=row["reveal_hours"],
    )
    return DailyConfig(
        schedule=schedule,
        quiz_ids=None if quiz_ids is None else tuple(quiz_ids),
        order=parse_order(row["question_order"]),
        seed=row["seed"],
        created_by=row["created_by"],
        created_at=instant(row["created_at"]),
        paused_reason=row["paused_reason"],
    )


def _post_from_row(row: Any) -> DailyPost:
    return DailyPost(
        schedule_id=row["schedule_id"],
        slot=Slot.parse(row["local_date"]),
        question_key=row["question_key"],
        status=PostStatus(row["status"]),
        post_at=instant(row["post_at"]),
        reveal_at=instant(row["reveal_at"]),
        run_id=row["run_id"],
        note=row["note"],
    )


class DailyStore:
    """Daily schedules (one per channel) and the per-slot record of what was posted or skipped."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def _write(self, sql: str, params: Any = ()) -> int:
        return await self._db.execute(sql, params)

    # -- schedules ------------------------------------------------------------------------------

    async def save_schedule(
        self,
        *,
        guild_id: int,
        channel_id: int,
        schedule: DailySchedule,
        quiz_ids: tuple[str, ...] | None,
        order: str,
        seed: int,
        created_by: int,
        now: datetime,
    ) -> DailyConfig:
        """Create or replace the channel's schedule and clear any pause.

        Replacing keeps the row id, the seed and the post history, so streaks and the shuffled order
        carry on; `schedule.id` is ignored.
        """
        await self._write(
            "INSERT INTO daily_schedules (guild_id, channel_id, time_of_day, timezone, weekdays, quiz_ids, "
            "question_order, reveal_hours, seed, paused_reason, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?) "
            "ON CONFLICT (channel_id) DO UPDATE SET time_of_day = excluded.time_of_day, "
            "timezone = excluded.timezone, weekdays = excluded.weekdays, quiz_ids = excluded.quiz_ids, "
            "question_order = excluded.question_order, reveal_hours = excluded.reveal_hours, paused_reason = NULL",
            (
                guild_id,
                channel_id,
                schedule.time.strftime("%H:%M"),
                schedule.timezone,
                json.dumps(sorted(schedule.weekdays)),
                json.dumps(None if quiz_ids is None else list(quiz_ids)),
                order,
                schedule.reveal_hours,
                seed,
                created_by,
                to_timestamp(now),
            ),
        )
        saved = await self.schedule_for_channel(channel_id)
        assert saved is not None
        return saved

    async def get_schedule(self, schedule_id: int) -> DailyConfig | None:
        row = await self._db.fetch_one(f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE id = ?", (schedule_id,))
        return None if row is None else _config_from_row(row)

    async def schedule_for_channel(self, channel_id: int) -> DailyConfig | None:
        row = await self._db.fetch_one(
            f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE channel_id = ?", (channel_id,)
        )
        return None if row is None else _config_from_row(row)

    async def guild_schedules(self, guild_id: int) -> list[DailyConfig]:
        rows = await self._db.fetch_all(
            f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE guild_id = ? ORDER BY id", (guild_id,)
        )
        return [_config_from_row(row) for row in rows]

    async def all_schedules(self) -> list[DailyConfig]:
        rows = await self._db.fetch_all(f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules ORDER BY id")
        return [_config_from_row(row) for row in rows]

    async def pause(self, schedule_id: int, reason: str) -> bool:
        """Pause with a reason shown to admins; False if it was paused already (the first reason stays)."""
        changed = await self._write(
            "UPDATE daily_schedules SET paused_reason = ? WHERE id = ? AND paused_reason IS NULL",
            (reason, schedule_id),
        )
        return changed == 1

    # -- posts ----------------------------------------------------------------------------------

    async def claim(
        self, schedule_id: int, slot: Slot, question_key: str, *, post_at: datetime, reveal_at: datetime
    ) -> bool:
        """Take the slot; True only for the one caller whose row went in (that caller posts)."""
        inserted = await self._write(
            "INSERT INTO daily_posts (schedule_id, local_date, question_key, status, post_at, reveal_at) "
            "VALUES (?, ?, ?, 'claimed', ?, ?) ON CONFLICT (schedule_id, local_date) DO NOTHING",
            (schedule_id, slot.key(), question_key, to_timestamp(post_at), to_timestamp(reveal_at)),
        )
        return inserted == 1

    async def record_skip(
        self, schedule_id: int, slot: Slot, *, post_at: datetime, reveal_at: datetime, note: str
    ) -> bool:
        """Record a slot that will never be posted; False if the slot already had a row."""
        inserted = await self._write(
            "INSERT INTO daily_posts (schedule_id, local_date, question_key, status, post_at, reveal_at, note) "
            "VALUES (?, ?, '', 'skipped', ?, ?, ?) ON CONFLICT (schedule_id, local_date) DO NOTHING",
            (schedule_id, slot.key(), to_timestamp(post_at), to_timestamp(reveal_at), note),
        )
        return inserted == 1

    async def start_post_run(
        self,
        schedule_id: int,
        slot: Slot,
        *,
        guild_id: int,
        channel_id: int,
        quiz: Quiz,
        started_by: int,
        now: datetime,
        deadline: datetime,
        scoring_mode: ScoringMode,
    ) -> int | None:
        """Create the post's one-question run, open until `deadline`, and link it to the post: all or nothing.

        One transaction, so a crash can never leave a run no post points to. Returns the post's run id
        (an existing one if the post has its run already), or None if the slot has no row.
        """
        async with self._db.transaction() as connection:
            row = await connection.fetch_one(
                "SELECT run_id FROM daily_posts WHERE schedule_id = ? AND local_date = ?", (schedule_id, slot.key())
            )
            if row is None or row[0] is not None:
                return None if row is None else int(row[0])
            run_id = await insert_run(
                connection,
                guild_id=guild_id,
                channel_id=channel_id,
                kind=RunKind.DAILY,
                quiz=quiz,
                started_by=started_by,
                now=now,
                seconds_per_question=max(1, int((deadline - now).total_seconds())),
                scoring_mode=scoring_mode,
            )
            await connection.execute(
                "UPDATE run_questions SET state = 'open', opened_at = ?, deadline = ? WHERE run_id = ? AND idx = 0",
                (to_timestamp(now), to_timestamp(deadline), run_id),
            )
            await connection.execute("UPDATE runs SET status = 'running', current_index = 0 WHERE id = ?", (run_id,))
            await connection.execute(
                "UPDATE daily_posts SET run_id = ? WHERE schedule_id = ? AND local_date = ?",
                (run_id, schedule_id, slot.key()),
            )
        return run_id

    async def stop_orphan_runs(self, now: datetime) -> list[int]:
        """End daily runs still open that no post points to (left by a crash in an older version)."""
        orphan = (
            "kind = 'daily' AND status IN ('lobby', 'running') "
            "AND id NOT IN (SELECT run_id FROM daily_posts WHERE run_id IS NOT NULL)"
        )
        async with self._db.transaction() as connection:
            ids = [int(row[0]) for row in await connection.fetch_all(f"SELECT id FROM runs WHERE {orphan} ORDER BY id")]
            if ids:
                marks = ", ".join("?" * len(ids))
                await connection.execute(
                    f"UPDATE run_questions SET state = 'closed', closed_at = ? WHERE run_id IN ({marks}) "
                    "AND state = 'open'",
                    (to_timestamp(now), *ids),
                )
                await connection.execute(
                    f"UPDATE runs SET status = ?, finished_at = ? WHERE id IN ({marks})",
                    (RunStatus.STOPPED.value, to_timestamp(now), *ids),
                )
        return ids

    async def move(
        self, schedule_id: int, slot: Slot, *, from_status: PostStatus, to_status: PostStatus, note: str | None = None
    ) -> bool:
        """Change a post's status only if it still has `from_status`; True for the caller that moved it."""
        changed = await self._write(
            "UPDATE daily_posts SET status = ?, note = coalesce(?, note) "
            "WHERE schedule_id = ? AND local_date = ? AND status = ?",
            (to_status.value, note, schedule_id, slot.key(), from_status.value),
        )
        return changed == 1

    async def get_post(self, schedule_id: int, slot: Slot) -> DailyPost | None:
        row = await self._db.fetch_one(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE schedule_id = ? AND local_date = ?",
            (schedule_id, slot.key()),
        )
        return None if row is None else _post_from_row(row)

    async def posts(self, schedule_id: int) -> list[DailyPost]:
        rows = await self._db.fetch_all(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE schedule_id = ? ORDER BY post_at, local_date",
            (schedule_id,),
        )
        return [_post_from_row(row) for row in rows]

    async def unfinished_posts(self) -> list[DailyPost]:
        """Posts not yet revealed or skipped, across all schedules, earliest reveal first."""
        rows = await self._db.fetch_all(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE status IN ('claimed', 'posted') "
            "ORDER BY reveal_at, schedule_id, local_date"
        )
        return [_post_from_row(row) for row in rows]

    async def last_scheduled_date(self, schedule_id: int) -> date | None:
        """The latest scheduled day with a row (posted or skipped), for DuePlan's `last_posted`."""
        row = await self._db.fetch_one(
            f"SELECT max(local_date) FROM daily_posts WHERE schedule_id = ? AND {_SCHEDULED_SLOT}",
            (schedule_id,),
        )
        return None if row is None or row[0] is None else date.fromisoformat(row[0])

    async def used_keys(self, schedule_id: int) -> list[str]:
        """Question keys the schedule posted (or is posting), oldest first."""
        rows = await self._db.fetch_all(
            "SELECT question_key FROM daily_posts WHERE schedule_id = ? AND status != 'skipped' "
            "ORDER BY post_at, local_date",
            (schedule_id,),
        )
        return [row[0] for row in rows]

    async def next_extra(self, schedule_id: int, local_date: date) -> int:
        """The first free extra number for `local_date` (1 if no extra post exists that day)."""
        rows = await self._db.fetch_all(
            "SELECT local_date FROM daily_posts WHERE schedule_id = ? AND local_date LIKE ?",
            (schedule_id, f"{local_date.isoformat()}+%"),
        )
        taken = [Slot.parse(row[0]).extra for row in rows]
        return max(taken, default=0) + 1

    async def last_post(self, schedule_id: int) -> DailyPost | None:
        row = await self._db.fetch_one(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE schedule_id = ? AND status IN ('posted', 'revealed') "
            "ORDER BY post_at DESC, local_date DESC LIMIT 1",
            (schedule_id,),
        )
        return None if row is None else _post_from_row(row)

    async def member_history(self, schedule_id: int, user_id: int) -> tuple[list[date], set[date], set[date]]:
        """(scheduled post dates, dates answered correctly, dates still open) for streaks.

        Extra `/daily now` posts are left out: a streak counts the schedule's own days.
        """
        rows = await self._db.fetch_all(
            "SELECT daily_posts.local_date, daily_posts.status, coalesce(answers.correct, 0) FROM daily_posts "
            "LEFT JOIN answers ON answers.run_id = daily_posts.run_id AND answers.idx = 0 AND answers.user_id = ? "
            "WHERE daily_posts.schedule_id = ? AND daily_posts.status IN ('posted', 'revealed') "
            f"AND {_SCHEDULED_SLOT} ORDER BY daily_posts.local_date",
            (user_id, schedule_id),
        )
        posted = [date.fromisoformat(row[0]) for row in rows]
        correct = {date.fromisoformat(row[0]) for row in rows if row[2]}
        still_open = {date.fromisoformat(row[0]) for row in rows if row[1] == PostStatus.POSTED.value}
        return posted, correct, still_open
