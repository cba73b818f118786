"""The Discord side of daily posts: sending questions and reveals; a lost channel pauses the schedule."""

from __future__ import annotations

from typing import Any

import discord

from bot.daily import ChannelUnavailableError, QuestionPost, RevealPost
from bot.ui.daily_texts import question_body, question_title, reveal_body, reveal_title
from bot.ui.delivery_errors import DELIVERY_ERRORS, delivery_error
from bot.ui.live_buttons import answer_buttons
from bot.ui.text import NO_MENTIONS

MISSING_PERMISSIONS = 50013


class DiscordDailyPresenter:
    """Sends daily posts; a deleted channel or missing permission becomes ChannelUnavailableError."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self._client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self._client.fetch_channel(channel_id)
            except discord.NotFound:
                raise self._deleted(channel_id) from None
            except discord.Forbidden:
                raise self._forbidden(channel_id) from None
        if not isinstance(channel, discord.abc.Messageable):
            raise ChannelUnavailableError(f"<#{channel_id}> is not a text channel. Run /daily set with a text channel.")
        return channel

    @staticmethod
    def _deleted(channel_id: int) -> ChannelUnavailableError:
        return ChannelUnavailableError(f"the channel {channel_id} was deleted. Run /daily set with another channel.")

    @staticmethod
    def _forbidden(channel_id: int) -> ChannelUnavailableError:
        return ChannelUnavailableError(
            f"the bot may not post in <#{channel_id}> (Discord error {MISSING_PERMISSIONS}, missing permissions). "
            "Give it View Channel, Send Messages and Embed Links there, then run /daily set again."
        )

    async def _send(self, channel_id: int, **kwargs: Any) -> discord.Message:
        try:
            channel = await self._channel(channel_id)
            return await channel.send(allowed_mentions=NO_MENTIONS, **kwargs)
        except discord.NotFound:
            raise self._deleted(channel_id) from None
        except discord.Forbidden:
            raise self._forbidden(channel_id) from None
        except DELIVERY_ERRORS as error:
            # Refused (4xx) or failed on the way (5xx, network): the scheduler's rules differ (issue 13).
            raise delivery_error(error, "posting in the daily channel") from error

    async def post_question(self, post: QuestionPost) -> int:
        embed = discord.Embed(title=question_title(post), description=question_body(post))
        view = answer_buttons(post.run_id, 0, post.question.choices)
        # A nonce makes Discord return the earlier message if this exact post is sent again.
        message = await self._send(post.channel_id, embed=embed, view=view, nonce=post.nonce)
        return message.id

    async def post_reveal(self, reveal: RevealPost) -> None:
        embed = discord.Embed(title=reveal_title(reveal), description=reveal_body(reveal))
        reference = None
        if reveal.question_message_id is not None:
            reference = discord.MessageReference(
                message_id=reveal.question_message_id, channel_id=reveal.channel_id, fail_if_not_exists=False
            )
        await self._send(reveal.channel_id, embed=embed, reference=reference, nonce=reveal.nonce)
