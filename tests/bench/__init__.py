"""Smoke tests of the benchmark harness in bench/."""
