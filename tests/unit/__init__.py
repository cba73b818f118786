"""Unit tests, one package per package of bot/ (tests of bot/settings.py etc. sit here directly)."""
