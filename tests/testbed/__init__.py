"""Tests of the offline Discord test bed itself (tests/discord_testbed/)."""
