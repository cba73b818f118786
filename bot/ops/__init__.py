"""Operator tools behind the CLI: backup and restore, doctor, answer export and rescoring."""
