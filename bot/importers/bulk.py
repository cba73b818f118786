"""Import many sources (files and folders, recursively) into one folder of quiz YAML files.

Every source is converted first; only then are the good ones written, so a failure in one never
stops the others, and two sources that would produce the same quiz id are both refused by name.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.problems import Problem
from bot.domain.quiz import question_count_text
from bot.importers.convert import Conversion, convert_file
from bot.quizfiles.names import DEFAULT_SUFFIX, spellings, twin_message

SOURCE_SUFFIXES = frozenset({".md", ".txt", ".csv"})


@dataclass(frozen=True)
class Source:
    path: Path
    named: bool  # given on the command line (must be a quiz) rather than found in a folder


@dataclass
class Outcome:
    """What happens to one source: written (or would be, in a dry run), failed, or skipped."""

    source: Source
    conversion: Conversion
    target: Path | None = None
    extra_errors: list[Problem] = field(default_factory=list)
    # The target already holds exactly this YAML (a re-run): nothing to write, and not a failure.
    unchanged: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [*self.conversion.result.errors, *self.extra_errors]

    @property
    def skipped(self) -> bool:
        # A course folder also holds lesson notes and READMEs: files with no question at all are skipped.
        return not self.source.named and not self.conversion.result.found_questions

    @property
    def ok(self) -> bool:
        return self.conversion.ok and not self.extra_errors


def find_sources(paths: list[Path]) -> tuple[list[Source], list[Problem]]:
    """Expand folders into their *.md, *.txt and *.csv files (sorted, hidden folders left out)."""
    sources: list[Source] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = [Source(file, named=False) for file in _walk(path)]
            if not found:
                problems.append(Problem(str(path), 0, "no *.md, *.txt or *.csv files in this folder"))
        elif path.exists():
            found = [Source(path, named=True)]
        else:
            problems.append(Problem(str(path), 0, "no such file or folder; check the path"))
            continue
        for source in found:
            key = source.path.resolve()
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return sources, problems


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        files.extend(
            Path(root, name)
            for name in sorted(names)
            if not name.startswith(".") and Path(name).suffix.lower() in SOURCE_SUFFIXES
        )
    return files


def plan(sources: list[Source], out_dir: Path, *, force: bool, fmt: str | None) -> list[Outcome]:
    """Convert every source and decide its target file, refusing duplicate ids and existing files."""
    outcomes = [Outcome(source, convert_file(source.path, fmt=fmt)) for source in sources]
    by_id: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        quiz = outcome.conversion.result.quiz
        if outcome.conversion.ok and quiz is not None:
            by_id[quiz.id].append(outcome)
    for quiz_id, same in by_id.items():
        if len(same) > 1:
            for outcome in same:
                others = ", ".join(str(other.source.path) for other in same if other is not outcome)
                outcome.extra_errors.append(
                    Problem(
                        str(outcome.source.path),
                        0,
                        f"quiz id {quiz_id} is also produced by {others}; give them different days in "
                        "their titles or different file/folder names",
                    )
                )
            continue
        outcome = same[0]
        # A quiz already kept as `<id>.yml` is updated there: a second file would make the bot refuse both.
        existing = [path for path in spellings(out_dir, quiz_id) if path.exists()]
        if len(existing) > 1:
            outcome.extra_errors.append(Problem(str(outcome.source.path), 0, twin_message(quiz_id, existing)))
            continue
        target = existing[0] if existing else out_dir / f"{quiz_id}{DEFAULT_SUFFIX}"
        check_target(outcome, target, force=force)
    return outcomes


def check_target(outcome: Outcome, target: Path, *, force: bool) -> None:
    """Point `outcome` at `target`: unchanged if it already holds this YAML, refused if it differs (no --force)."""
    outcome.target = target
    if not target.exists() or not outcome.conversion.ok:
        return
    if _holds(target, outcome.conversion.yaml_text):
        outcome.unchanged = True
    elif not force:
        outcome.extra_errors.append(
            Problem(str(outcome.source.path), 0, f"{target} already exists; pass --force to overwrite it")
        )


def _holds(target: Path, yaml_text: str | None) -> bool:
    try:
        return yaml_text is not None and target.read_text(encoding="utf-8") == yaml_text
    except (OSError, UnicodeDecodeError):
        return False


def write_quiz_file(target: Path, yaml_text: str) -> None:
    """Write through a temporary file so a reader never sees half a quiz."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(yaml_text, encoding="utf-8", newline="\n")
    temporary.replace(target)


def report_lines(outcome: Outcome, *, dry_run: bool) -> list[str]:
    """The lines printed for one source: `ok ...`, `skip ...` or `error path:line: message`, then warnings."""
    result = outcome.conversion.result
    warnings = [f"warning {problem}" for problem in result.warnings]
    if outcome.skipped:
        return [f"skip {outcome.source.path}: no questions found, not a quiz", *warnings]
    if not outcome.ok or result.quiz is None:
        return [*(f"error {problem}" for problem in outcome.errors), *warnings]
    size = question_count_text(result.quiz)
    if outcome.unchanged:
        return [f"unchanged {result.quiz.id} {size} ({outcome.target} already holds it)", *warnings]
    where = "dry run, not written" if dry_run else f"{outcome.source.path} -> {outcome.target}"
    return [f"ok {result.quiz.id} {size} ({where})", *warnings]


def run_bulk(paths: list[Path], out_dir: Path, *, force: bool, dry_run: bool, fmt: str | None) -> int:
    """Import `paths` into `out_dir`, printing one line per source and a summary; 1 if any failed."""
    sources, problems = find_sources(paths)
    outcomes = plan(sources, out_dir, force=force, fmt=fmt)
    for problem in problems:
        print(f"error {problem}")
    written = unchanged = failed = skipped = warnings = 0
    for outcome in outcomes:
        if outcome.ok and outcome.unchanged:
            unchanged += 1
        elif outcome.ok and outcome.target is not None and outcome.conversion.yaml_text is not None:
            if not dry_run:
                write_quiz_file(outcome.target, outcome.conversion.yaml_text)
            written += 1
        elif outcome.skipped:
            skipped += 1
        else:
            failed += 1
        warnings += len(outcome.conversion.result.warnings)
        for line in report_lines(outcome, dry_run=dry_run):
            print(line)
    failed += len(problems)
    verb = "would import" if dry_run else "imported"
    print(
        f"{verb} {written} of {len(outcomes)} sources into {out_dir}: {unchanged} unchanged, {failed} failed, "
        f"{skipped} skipped, {warnings} warnings" + ("; dry run, nothing written" if dry_run else "")
    )
    return 1 if failed else 0
