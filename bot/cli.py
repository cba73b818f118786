"""The `quizbot` command line: run the bot, validate and import quizzes, sync slash commands."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from bot.domain.database_target import redacted
from bot.domain.errors import EXIT_FAILURE, ConfigError, QuizbotError, exit_code
from bot.settings import Settings, database_setting, load_settings, shard_settings

# `sync --dev-guild` without an id: take it from QUIZBOT_DEV_GUILD, which must then be set. Not a string:
# argparse would pass a string constant through `type=int`.
_DEV_GUILD_FROM_SETTINGS = object()
# Set to see the traceback of an unexpected error (a bug) instead of its one-line summary.
TRACEBACK_VARIABLE = "QUIZBOT_TRACEBACK"


def _settings_or_exit() -> Settings:
    # A ConfigError reaches main(), which prints it as one line and exits 2.
    return load_settings()


def _database(args: argparse.Namespace) -> Path | str:
    """--db when given, else QUIZBOT_DB: a SQLite file or a PostgreSQL URL."""
    if args.db is not None:
        return database_setting(args.db, name="--db")
    return _settings_or_exit().database


def _refuse_server_backup(database: Path | str, command: str) -> Path:
    """The SQLite file to back up or restore; a PostgreSQL URL is refused: that is the server's tools' job."""
    if isinstance(database, Path):
        return database
    where = redacted(database)
    raise ConfigError(
        f"quizbot {command} copies SQLite files; {where} is PostgreSQL, whose backups are pg_dump's job: "
        f"pg_dump -Fc -f quizbot.dump '{where}', and to restore (bots stopped) "
        f"pg_restore --clean --if-exists -d '{where}' quizbot.dump."
    )


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runtime import run_bot

    settings = _settings_or_exit()
    if args.shards is not None or args.shard_count is not None:
        # A flag wins over its setting; the other half may still come from the settings.
        shards = args.shards if args.shards is not None else settings.extra.get("QUIZBOT_SHARDS")
        count = args.shard_count if args.shard_count is not None else settings.extra.get("QUIZBOT_SHARD_COUNT")
        settings = replace(settings, shards=shard_settings(shards, count, via="flags"))
    token = settings.require_token()
    return asyncio.run(run_bot(settings, token))


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.runtime import sync_commands

    settings = _settings_or_exit()
    token = settings.require_token()
    if args.dev_guild is _DEV_GUILD_FROM_SETTINGS:
        if settings.dev_guild_id is None:
            raise ConfigError(
                "--dev-guild without an id uses QUIZBOT_DEV_GUILD, which is not set: pass the server id "
                "(quizbot sync --dev-guild 123456789012345678), or leave out --dev-guild to sync globally."
            )
    elif args.dev_guild is not None:
        settings = replace(settings, dev_guild_id=args.dev_guild)
    return asyncio.run(sync_commands(settings, token))


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.quizfiles.validate_cli import run_validate

    settings = _settings_or_exit()
    return run_validate(args.paths, default_folder=settings.quizzes_dir)


def cmd_import(args: argparse.Namespace) -> int:
    from bot.importers.cli import run_import

    return run_import(args.paths, args.output, force=args.force, dry_run=args.dry_run, fmt=args.format)


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.ops.backup import backup_database

    source = _refuse_server_backup(_database(args), "backup")
    report = backup_database(source, args.output, overwrite=args.force)
    print(
        f"backed up {source} to {report.path} ({report.size_bytes / 1_048_576:.1f} MiB, schema version "
        f"{report.schema_version}, integrity ok) in {report.seconds:.1f} s"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.ops.backup import restore_database

    target = _refuse_server_backup(_database(args), "restore")
    report = restore_database(args.backup, target, create=args.create)
    # Absolute paths: the admin sees which file was written, whichever .env this shell read.
    if report.previous_moved_to is None:
        written = f"the new file {report.target}"
    else:
        print(f"kept the previous database as {report.previous_moved_to}")
        written = str(report.target)
    print(
        f"restored {report.restored_from} to {written} (schema version {report.schema_version}); "
        "start the bot again"
    )
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.ops.doctor import run_doctor_cli

    return run_doctor_cli(offline=args.offline)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.ops.export import run_export

    return run_export(_database(args), args.guild, args.output, quiz_id=args.quiz, since=args.since)


def cmd_rescore(args: argparse.Namespace) -> int:
    from bot.ops.export import run_rescore

    settings = _settings_or_exit()
    return run_rescore(_database(args), settings.quizzes_dir, args.quiz)


def cmd_forget(args: argparse.Namespace) -> int:
    from bot.ops.forget import run_forget

    return run_forget(_database(args), args.user_id, args.guild)


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.ops.migrate import run_migrate

    # QUIZBOT_DB as written: settings.db_path is a Path, which would fold a URL's "//".
    source = args.db or _settings_or_exit().extra.get("QUIZBOT_DB") or "quizbot.db"
    return run_migrate(source, args.to)


def build_parser() -> argparse.ArgumentParser:
    from bot.importers.detect import FORMATS

    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="A Discord quiz bot for study groups. Settings come from the environment or .env.",
        epilog="Exit status: 0 done; 1 failed now, may work later (a supervisor retries); "
        "2 a setting or argument must change first.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the bot (needs DISCORD_TOKEN)")
    run.add_argument(
        "--shards",
        metavar="IDS",
        help="the gateway shards this process holds, e.g. 0-3 or 0,2 (default: QUIZBOT_SHARDS; needs a shard count)",
    )
    run.add_argument(
        "--shard-count",
        metavar="N",
        help="the total number of shards across all processes (default: QUIZBOT_SHARD_COUNT; "
        "alone: this process holds all N)",
    )
    run.set_defaults(handler=cmd_run)

    sync = sub.add_parser(
        "sync", help="register the slash commands with Discord, then exit (globally, or to one guild)"
    )
    sync.add_argument(
        "--dev-guild",
        type=int,
        nargs="?",
        const=_DEV_GUILD_FROM_SETTINGS,
        default=None,
        metavar="GUILD_ID",
        help="sync to this guild only (instant); without a value uses QUIZBOT_DEV_GUILD, which must be set",
    )
    sync.set_defaults(handler=cmd_sync)

    validate = sub.add_parser(
        "validate", help="check quiz files and print every problem as path:line: message"
    )
    validate.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the quiz folder)")
    validate.set_defaults(handler=cmd_validate)

    imp = sub.add_parser("import", help="convert markdown, Aiken or CSV quizzes into quiz YAML files")
    imp.add_argument("paths", nargs="+", type=Path, help="files and folders to import")
    imp.add_argument("-o", "--output", type=Path, help="OUT.yaml (or OUT.yml) for one file, or a folder for many")
    imp.add_argument("--force", action="store_true", help="overwrite existing quiz files")
    imp.add_argument("--dry-run", action="store_true", help="report what would be written, write nothing")
    imp.add_argument("--format", choices=FORMATS, help="skip format detection")
    imp.set_defaults(handler=cmd_import)

    backup = sub.add_parser(
        "backup", help="copy the database consistently while the bot runs (SQLite backup API), then check it"
    )
    backup.add_argument("output", type=Path, metavar="OUT.db", help="where to write the copy")
    backup.add_argument("--db", help="database file to copy (default: QUIZBOT_DB); PostgreSQL: use pg_dump")
    backup.add_argument("--force", action="store_true", help="replace OUT.db if it exists")
    backup.set_defaults(handler=cmd_backup)

    restore = sub.add_parser(
        "restore", help="put a backup in place of the database (stop the bot first; the old file is kept)"
    )
    restore.add_argument("backup", type=Path, metavar="BACKUP.db", help="a file made by `quizbot backup`")
    restore.add_argument(
        "--db", help="database file to replace (default: QUIZBOT_DB); it must exist. PostgreSQL: use pg_restore"
    )
    restore.add_argument(
        "--create", action="store_true", help="restore into a new file when there is no database at --db yet"
    )
    restore.set_defaults(handler=cmd_restore)

    doctor = sub.add_parser(
        "doctor", help="check configuration, database, quiz folder and the bot's Discord access"
    )
    doctor.add_argument("--offline", action="store_true", help="skip the checks that call Discord")
    doctor.set_defaults(handler=cmd_doctor)

    export = sub.add_parser("export", help="write a guild's stored answers as CSV (one row per answer)")
    export.add_argument("--guild", type=int, required=True, metavar="ID", help="the Discord server id")
    export.add_argument("--quiz", metavar="ID", help="only this quiz")
    export.add_argument("--since", metavar="DATE", help="only answers from this date (UTC) or ISO time on")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="answers.csv")
    export.add_argument("--db", help="database file or postgresql:// URL to read (default: QUIZBOT_DB)")
    export.set_defaults(handler=cmd_export)

    rescore = sub.add_parser(
        "rescore", help="re-mark every stored answer of a quiz with its file's current answer key"
    )
    rescore.add_argument("quiz", metavar="QUIZ", help="the quiz id (its file in the quiz folder)")
    rescore.add_argument("--db", help="database file or postgresql:// URL to update (default: QUIZBOT_DB)")
    rescore.set_defaults(handler=cmd_rescore)

    forget = sub.add_parser(
        "forget",
        help="delete a member's answers and recompute the boards, as /privacy's Forget me does (bot may run)",
    )
    forget.add_argument("user_id", type=int, metavar="USER_ID", help="the member's Discord id")
    forget.add_argument("--guild", type=int, metavar="ID", help="only in this server (default: every server)")
    forget.add_argument("--db", help="database file or postgresql:// URL to update (default: QUIZBOT_DB)")
    forget.set_defaults(handler=cmd_forget)

    migrate = sub.add_parser(
        "migrate",
        help="copy the whole database into an empty one, SQLite to PostgreSQL or back, and verify it "
        "(stop every bot process first)",
    )
    migrate.add_argument(
        "--to",
        required=True,
        metavar="TARGET",
        help="postgresql://USER:PASSWORD@HOST/DATABASE (an empty database) or a new SQLite file",
    )
    migrate.add_argument(
        "--db", metavar="SOURCE", help="database to copy (default: QUIZBOT_DB): a SQLite file or a postgresql:// URL"
    )
    migrate.set_defaults(handler=cmd_migrate)
    return parser


def _version() -> str:
    try:
        return metadata.version("quizbot")
    except metadata.PackageNotFoundError:
        return "(not installed: run pip install -e . for the version)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr and exit 1 or 2, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.handler(args))
    except QuizbotError as error:
        print(f"quizbot: {error}", file=sys.stderr)
        return exit_code(error)
    except KeyboardInterrupt:
        print("quizbot: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get(TRACEBACK_VARIABLE):
            traceback.print_exc()
        else:
            summary = " ".join(str(error).split())  # one line, even when a library's message has several
            print(
                f"quizbot: unexpected error ({type(error).__name__}: {summary}); this is a bug in quizbot: please "
                f"report it with the output of the same command run with {TRACEBACK_VARIABLE}=1",
                file=sys.stderr,
            )
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
