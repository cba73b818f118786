"""The `quizbot` command line: run the bot, validate and import quizzes, sync slash commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import ConfigError, Settings, load_settings

EXIT_CONFIG = 2


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        print(f"quizbot: {error}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def _token_or_exit(settings: Settings) -> str:
    try:
        return settings.require_token()
    except ConfigError as error:
        print(f"quizbot: {error}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runtime import run_bot

    settings = _settings_or_exit()
    token = _token_or_exit(settings)
    return asyncio.run(run_bot(settings, token))


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.runtime import sync_commands

    settings = _settings_or_exit()
    token = _token_or_exit(settings)
    if args.dev_guild is not None:
        from dataclasses import replace

        settings = replace(settings, dev_guild_id=args.dev_guild)
    return asyncio.run(sync_commands(settings, token))


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.quizfiles.validate_cli import run_validate

    settings = _settings_or_exit()
    return run_validate(args.paths, default_folder=settings.quizzes_dir)


def cmd_import(args: argparse.Namespace) -> int:
    from bot.importers.cli import run_import

    return run_import(args.paths, args.output, force=args.force, dry_run=args.dry_run, fmt=args.format)


def build_parser() -> argparse.ArgumentParser:
    from bot.importers.detect import FORMATS

    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="A Discord quiz bot for study groups. Settings come from the environment or .env.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="start the bot (needs DISCORD_TOKEN)")
    run.set_defaults(handler=cmd_run)

    sync = sub.add_parser(
        "sync", help="register the slash commands with Discord, then exit (globally, or to one guild)"
    )
    sync.add_argument(
        "--dev-guild",
        type=int,
        nargs="?",
        const=None,
        default=None,
        metavar="GUILD_ID",
        help="sync to this guild only (instant); without a value uses QUIZBOT_DEV_GUILD",
    )
    sync.set_defaults(handler=cmd_sync)

    validate = sub.add_parser(
        "validate", help="check quiz files and print every problem as path:line: message"
    )
    validate.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the quiz folder)")
    validate.set_defaults(handler=cmd_validate)

    imp = sub.add_parser("import", help="convert markdown, Aiken or CSV quizzes into quiz YAML files")
    imp.add_argument("paths", nargs="+", type=Path, help="files and folders to import")
    imp.add_argument("-o", "--output", type=Path, help="OUT.yaml for one file, or a folder for many")
    imp.add_argument("--force", action="store_true", help="overwrite existing quiz files")
    imp.add_argument("--dry-run", action="store_true", help="report what would be written, write nothing")
    imp.add_argument("--format", choices=FORMATS, help="skip format detection")
    imp.set_defaults(handler=cmd_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
