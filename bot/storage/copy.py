"""Copying a whole quizbot database into an empty one, SQLite to PostgreSQL or back (`quizbot migrate`).

The tables and columns come from each side's own schema (sqlite_master, information_schema), never from a
list kept here, so a table a later migration adds is copied without a change to this file, and two sides
that do not mean the same schema are refused before anything is written.

The summary tables (migration 3) are copied verbatim rather than rebuilt. The target's triggers fill them
while the answers and run questions go in; those rows are deleted again and the source's summaries copied
after them, in the same transaction. Only the source's own rows are exactly the source's boards: a
rebuild would add the answer times up in another order (a float sum can differ in its last bits, and
boards break ties on time), take each member's name from whichever answer happens to be copied last, and
lose the rows a deleted run leaves at zero.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.errors import ConfigError, QuizbotError
from bot.storage.database import Database, Reader, Session, StorageError

# The tables the triggers keep in step with answers and run_questions (migrations 3 and 9).
SUMMARY_TABLES = frozenset({"run_question_tags", "board_totals", "board_days", "board_runs", "board_tags"})
# Rows that describe a database rather than what it holds: each side keeps its own schema version.
_DATABASE_OWN_ROWS: Mapping[str, str] = {"meta": "key <> 'schema_version'"}

_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"
_SQLITE_COLUMNS = "SELECT name FROM pragma_table_info(?) ORDER BY cid"
_SQLITE_PARENTS = 'SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)'
_PG_COLUMNS = (
    "SELECT c.table_name, c.column_name, c.is_identity FROM information_schema.columns AS c "
    "JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
    "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
    "ORDER BY c.table_name, c.ordinal_position"
)
_PG_PARENTS = (
    "SELECT child.relname, parent.relname FROM pg_constraint AS k "
    "JOIN pg_class AS child ON child.oid = k.conrelid JOIN pg_class AS parent ON parent.oid = k.confrelid "
    "JOIN pg_namespace AS n ON n.oid = k.connamespace WHERE k.contype = 'f' AND n.nspname = current_schema()"
)


class SchemaMismatchError(StorageError, ConfigError):
    """The two databases do not have the same tables and columns; copying would lose or invent data."""


class TargetNotEmptyError(StorageError, ConfigError):
    """The target already holds quizbot data; a copy goes into an empty database only."""


class CopyFailedError(StorageError):
    """A table could not be copied; the target's transaction was rolled back, so it is as empty as before."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    parents: frozenset[str]  # the tables its foreign keys point at
    identity: tuple[str, ...] = ()  # PostgreSQL identity columns, whose sequence must pass the copied ids

    @property
    def summary(self) -> bool:
        return self.name in SUMMARY_TABLES


def quoted(name: str) -> str:
    """A table or column name as an SQL identifier, the same on both engines."""
    return '"' + name.replace('"', '""') + '"'


def _rows_of(table: Table) -> str:
    where = _DATABASE_OWN_ROWS.get(table.name)
    return quoted(table.name) + (f" WHERE {where}" if where else "")


async def read_tables(database: Database) -> dict[str, Table]:
    """Every table of the database's schema: its columns in order, and the tables it references."""
    if database.dialect == "sqlite":
        return await _sqlite_tables(database)
    return await _postgres_tables(database)


async def _sqlite_tables(database: Database) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for row in await database.fetch_all(_SQLITE_TABLES):
        name = str(row[0])
        columns = tuple(str(c[0]) for c in await database.fetch_all(_SQLITE_COLUMNS, (name,)))
        parents = frozenset(str(p[0]) for p in await database.fetch_all(_SQLITE_PARENTS, (name,)))
        tables[name] = Table(name, columns, parents)
    return tables


async def _postgres_tables(database: Database) -> dict[str, Table]:
    columns: dict[str, list[str]] = {}
    identity: dict[str, list[str]] = {}
    for table_name, column, is_identity in await database.fetch_all(_PG_COLUMNS):
        columns.setdefault(table_name, []).append(column)
        if is_identity == "YES":
            identity.setdefault(table_name, []).append(column)
    parents: dict[str, set[str]] = {}
    for child, parent in await database.fetch_all(_PG_PARENTS):
        parents.setdefault(child, set()).add(parent)
    return {
        name: Table(name, tuple(cols), frozenset(parents.get(name, ())), tuple(identity.get(name, ())))
        for name, cols in sorted(columns.items())
    }


def copy_plan(
    source: Mapping[str, Table], target: Mapping[str, Table], source_where: str, target_where: str
) -> list[Table]:
    """The tables to copy in the order the target's foreign keys allow, the summaries last.

    Each comes with the source's column order and the target's identity columns; any table or column
    present on one side only is refused, naming it.
    """
    problems: list[str] = []
    for name in sorted(source.keys() - target.keys()):
        problems.append(f"table {name} only in {source_where}")
    for name in sorted(target.keys() - source.keys()):
        problems.append(f"table {name} only in {target_where}")
    for name in sorted(source.keys() & target.keys()):
        only_source = [c for c in source[name].columns if c not in target[name].columns]
        only_target = [c for c in target[name].columns if c not in source[name].columns]
        if only_source:
            problems.append(f"{name}.{', '.join(only_source)} only in {source_where}")
        if only_target:
            problems.append(f"{name}.{', '.join(only_target)} only in {target_where}")
    if problems:
        raise SchemaMismatchError(
            f"the two databases' schemas differ ({'; '.join(problems)}), although both are at this quizbot's "
            "schema version: one was changed by hand or by another program; nothing was copied."
        )
    order = graphlib.TopologicalSorter({name: target[name].parents - {name} for name in sorted(target)})
    try:
        ordered = list(order.static_order())
    except graphlib.CycleError as error:
        raise SchemaMismatchError(f"the foreign keys of {target_where} form a cycle ({error.args[1]})") from None
    plan = [
        Table(name, source[name].columns, target[name].parents, target[name].identity)
        for name in ordered
        if name in source
    ]
    return [t for t in plan if not t.summary] + [t for t in plan if t.summary]


async def occupied_tables(reader: Session | Reader, tables: Iterable[Table]) -> list[str]:
    """The tables that hold rows (meta's schema version aside): a copy goes into a database without any."""
    occupied = []
    for table in tables:
        if await reader.fetch_all(f"SELECT 1 FROM {_rows_of(table)} LIMIT 1"):
            occupied.append(table.name)
    return occupied


def refuse_occupied(occupied: list[str], where: str) -> None:
    if occupied:
        listed = ", ".join(occupied[:4]) + (", ..." if len(occupied) > 4 else "")
        raise TargetNotEmptyError(
            f"{where} already holds quizbot data (rows in {listed}): quizbot migrate copies into an empty "
            "database only, and wrote nothing; name a new SQLite file or an empty PostgreSQL database."
        )


async def count_rows(reader: Session | Reader, tables: Iterable[Table]) -> dict[str, int]:
    counts = {}
    for table in tables:
        rows = await reader.fetch_all(f"SELECT count(*) FROM {_rows_of(table)}")
        counts[table.name] = int(rows[0][0])
    return counts


async def copy_tables(source: Reader, target: Database, tables: list[Table], *, batch_size: int) -> dict[str, int]:
    """Copy every row of `tables` (in this order) in one target transaction; rows copied per table.

    Refuses a target that holds data. Any failure rolls the whole copy back, leaving the target empty.
    """
    copied: dict[str, int] = {}
    async with target.transaction() as session:
        refuse_occupied(await occupied_tables(session, tables), target.where)
        triggers_off = target.dialect == "postgresql" and await _switch_off_triggers(session, tables)
        for table in tables:
            if table.summary:
                # What the target's triggers made of the rows copied so far: the source's own come next.
                await session.execute(f"DELETE FROM {quoted(table.name)}")
            elif await occupied_tables(session, [table]):
                raise CopyFailedError(
                    f"the target's triggers filled table {table.name} while copying, and quizbot migrate does "
                    "not know it as a summary table: nothing was copied; this is a bug in quizbot, please report it."
                )
            copied[table.name] = await _copy_table(source, session, table, batch_size, target.where)
        if target.dialect == "postgresql":
            await _move_identities_past_copied_ids(session, tables)
        if triggers_off:
            await _set_triggers(session, tables, "ENABLE")
    if target.dialect == "postgresql":
        # The planner's statistics for the new rows now, rather than when autovacuum comes round: until
        # then the boards of a freshly moved database are planned as if its tables were empty.
        await target.execute("ANALYZE")
    return copied


async def _copy_table(source: Reader, session: Session, table: Table, batch_size: int, where: str) -> int:
    columns = ", ".join(quoted(c) for c in table.columns)
    select = f"SELECT {columns} FROM {_rows_of(table)}"
    insert = f"INSERT INTO {quoted(table.name)} ({columns}) VALUES ({', '.join('?' * len(table.columns))})"
    copied = 0
    try:
        async for rows in source.batches(select, (), batch_size):
            await session.executemany(insert, [tuple(row) for row in rows])
            copied += len(rows)
    except QuizbotError as error:
        raise CopyFailedError(f"copying table {table.name} into {where} failed: {error}") from error
    except Exception as error:  # a value the target's column type refuses: name the table, not a traceback
        raise CopyFailedError(
            f"copying table {table.name} into {where} failed after {copied} rows "
            f"({type(error).__name__}: {error}); nothing was copied."
        ) from error
    return copied


async def _switch_off_triggers(session: Session, tables: Iterable[Table]) -> bool:
    """PostgreSQL: the summary triggers off for the copy, which copies the summaries verbatim anyway; whether
    they are. A plpgsql trigger per copied answer made a copy of 100,000 answers 7 times slower. ALTER TABLE is
    transactional there, so they are off in this transaction only; it needs the tables' owner, and anyone
    else copies with the triggers on and their rows deleted, as on SQLite, which has no such switch."""
    await session.execute("SAVEPOINT quizbot_copy_triggers")
    try:
        await _set_triggers(session, tables, "DISABLE")
    except Exception:  # not the owner (insufficient privilege): the slower way works for anyone
        await session.execute("ROLLBACK TO SAVEPOINT quizbot_copy_triggers")
        return False
    await session.execute("RELEASE SAVEPOINT quizbot_copy_triggers")
    return True


async def _set_triggers(session: Session, tables: Iterable[Table], action: str) -> None:
    for table in tables:
        await session.execute(f"ALTER TABLE {quoted(table.name)} {action} TRIGGER USER")


async def _move_identities_past_copied_ids(session: Session, tables: Iterable[Table]) -> None:
    """Copied rows keep their ids; the identity sequences start after them, so new rows never collide."""
    for table in tables:
        for column in table.identity:
            await session.fetch_one(
                f"SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max({quoted(column)}), 0) + 1, false) "
                f"FROM {quoted(table.name)}",
                (quoted(table.name), column),
            )


async def empty_tables(target: Database, tables: list[Table]) -> None:
    """Delete every copied row again (one transaction), children first; the schema stays."""
    async with target.transaction() as session:
        for table in reversed(tables):
            await session.execute(f"DELETE FROM {_rows_of(table)}")
        # Deleting answers touches the summaries through triggers: clear them once more at the end.
        for table in tables:
            if table.summary:
                await session.execute(f"DELETE FROM {quoted(table.name)}")


async def board_subjects(reader: Reader) -> dict[int, list[str]]:
    """Every server the database knows, with the quizzes it has run: the boards to compare."""
    servers: dict[int, list[str]] = {}
    for row in await reader.fetch_all(
        "SELECT guild_id FROM runs UNION SELECT guild_id FROM guild_settings UNION SELECT guild_id FROM board_totals"
    ):
        servers[int(row[0])] = []
    for row in await reader.fetch_all("SELECT DISTINCT guild_id, quiz_id FROM runs ORDER BY guild_id, quiz_id"):
        servers[int(row[0])].append(str(row[1]))
    return dict(sorted(servers.items()))
