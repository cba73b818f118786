"""An offline Discord for end-to-end tests: the real discord.py client against a server on loopback."""

from tests.discord_testbed.model import Message, Permission, User
from tests.discord_testbed.testbed import FAKE_TOKEN, InteractionResult, TestBed

__all__ = ["FAKE_TOKEN", "InteractionResult", "Message", "Permission", "TestBed", "User"]
