"""Importers: turn quizzes written in markdown, Aiken or CSV into `Quiz` objects (and, via the CLI, YAML)."""
