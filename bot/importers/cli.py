"""`quizbot import PATH... [-o OUT] [--force] [--dry-run] [--format F]`: the importer's command line.

One file without -o prints its YAML on stdout; one file with `-o OUT.yaml` writes that file (its
name is the quiz id); folders or several paths need `-o DIR` and get one YAML per quiz there.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.domain.problems import Problem
from bot.importers.bulk import Outcome, Source, check_target, report_lines, run_bulk, write_quiz_file
from bot.importers.convert import convert_file
from bot.importers.detect import FORMATS
from bot.quizfiles.names import is_quiz_suffix, name_problem, twins

USAGE_ERROR = 2


def run_import(paths: list[Path], out: Path | None, *, force: bool, dry_run: bool, fmt: str | None) -> int:
    """Run an import and return the exit code: 0 all imported, 1 some source failed, 2 bad usage."""
    if fmt is not None and fmt not in FORMATS:
        return _usage(f"unknown --format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if not paths:
        return _usage("nothing to import; give a quiz file or a folder of them")
    one_file = len(paths) == 1 and not paths[0].is_dir()
    if one_file and (out is None or _is_yaml_file(out)):
        # The bot's folder rule: `-o OUT` must be a name it will load (`<id>.yaml` or `<id>.yml`).
        problem = name_problem(out) if out is not None else None
        if problem is not None:
            return _usage(f"-o {out}: {problem}")
        return _import_one(paths[0], out, force=force, dry_run=dry_run, fmt=fmt)
    if out is None:
        return _usage("importing a folder or several files needs -o DIR (for example -o quizzes/)")
    if _is_yaml_file(out) or (out.exists() and not out.is_dir()):
        return _usage(f"-o {out} must be a folder when importing a folder or several files")
    return run_bulk(paths, out, force=force, dry_run=dry_run, fmt=fmt)


def _is_yaml_file(out: Path) -> bool:
    return is_quiz_suffix(out) and not out.is_dir()


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


def _import_one(source: Path, out: Path | None, *, force: bool, dry_run: bool, fmt: str | None) -> int:
    # With -o the file name is the quiz id, exactly as the bot will read it back.
    conversion = convert_file(source, fmt=fmt, quiz_id=out.stem if out is not None else None)
    outcome = Outcome(Source(source, named=True), conversion)
    if out is not None:
        check_target(outcome, out, force=force)
    outcome.extra_errors.extend(
        Problem(
            str(source),
            0,
            f"{twin} already holds quiz {twin.stem}, and the bot refuses a quiz held by two files; "
            f"import into it (-o {twin}) or remove it",
        )
        for twin in (twins(out) if out is not None else [])
    )
    if out is None and not dry_run:
        # stdout carries only the YAML, so it can be redirected into a file.
        for line in report_lines(outcome, dry_run=False):
            if not line.startswith("ok "):
                print(line, file=sys.stderr)
        if conversion.yaml_text is not None:
            sys.stdout.write(conversion.yaml_text)
        return 0 if outcome.ok else 1
    if outcome.ok and not outcome.unchanged and out is not None and conversion.yaml_text is not None and not dry_run:
        write_quiz_file(out, conversion.yaml_text)
    for line in report_lines(outcome, dry_run=dry_run):
        print(line)
    return 0 if outcome.ok else 1
