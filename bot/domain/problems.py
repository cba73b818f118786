"""A problem in a source file, pointing at its line: `path:line: message`, as editors and people read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem; `line` is 1-based, or 0 when it concerns a whole file or folder rather than a line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"
