"""/daily commands and the Discord side of daily posts (sending questions and reveals).

Permissions: the group stays visible to everyone because `/daily streak` is for members; the admin
subcommands check Manage Server or the quiz-master role at run time (default_permissions on a group
would hide all of its subcommands, and is only a hint anyway).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.daily import ChannelUnavailableError, DailyScheduler, NowRefusedError, QuestionPost, RevealPost
from bot.daily.admin import OFF_REASON, ScheduleStatus, member_streaks, parse_request, save, schedule_status, turn_off
from bot.domain.daily import DailyConfig
from bot.domain.limits import AUTOCOMPLETE_CHOICES, MESSAGE_CONTENT
from bot.domain.schedule import MAX_REVEAL_HOURS, MIN_REVEAL_HOURS, format_weekdays, timezone_suggestions
from bot.ui.daily_texts import discord_time, plain, question_body, question_title, reveal_body, reveal_title
from bot.ui.delivery_errors import DELIVERY_ERRORS, delivery_error
from bot.ui.live_buttons import AnswerButton, answer_buttons

log = logging.getLogger(__name__)

MISSING_PERMISSIONS = 50013
NO_MENTIONS = discord.AllowedMentions.none()


class DiscordDailyPresenter:
    """Sends daily posts; a deleted channel or missing permission becomes ChannelUnavailableError."""

    def __init__(self, bot: commands.Bot) -> None:
        self._bot = bot

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self._bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self._bot.fetch_channel(channel_id)
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


async def is_daily_admin(interaction: discord.Interaction[Any]) -> bool:
    if interaction.permissions.manage_guild:
        return True
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    settings = await interaction.client.storage.settings.guild_settings(interaction.guild_id)  # type: ignore[attr-defined]
    role_id = settings.quiz_master_role_id
    return role_id is not None and any(role.id == role_id for role in interaction.user.roles)


def status_lines(status: ScheduleStatus) -> list[str]:
    config, schedule = status.config, status.config.schedule
    quizzes = "all quizzes" if config.quiz_ids is None else ", ".join(config.quiz_ids)
    reveal = "at the next post" if schedule.reveal_hours is None else f"{schedule.reveal_hours} h after posting"
    lines = [
        f"**<#{config.channel_id}>** · {schedule.time:%H:%M} {schedule.timezone} · {format_weekdays(schedule.weekdays)}"
        f" · {config.order} · reveal {reveal}",
        f"Quizzes: {plain(quizzes)}",
    ]
    if config.paused_reason == OFF_REASON:
        lines.append("Off: turned off with /daily off. Run /daily set for this channel to turn it back on.")
    elif config.paused_reason is not None:
        lines.append(f"⏸️ Paused: {config.paused_reason}")
    if status.next_local is not None:
        lines.append(
            f"Next post: {status.next_local:%a %Y-%m-%d %H:%M} {schedule.timezone} "
            f"({discord_time(status.next_local, 'F')})"
        )
    if status.next_key is not None:
        lines.append(f"Queue: question {status.position} of {status.question_count} next ({plain(status.next_key)})")
    else:
        lines.append("Queue: no questions (none of its quizzes is in the quiz folder)")
    last = status.last_post
    if last is not None:
        lines.append(
            f"Last post: {last.slot.key()} ({plain(last.question_key)}, {last.status.value}) "
            f"{discord_time(last.post_at, 'R')}"
        )
    else:
        lines.append("Last post: none yet")
    return lines


def pack_blocks(blocks: list[str], limit: int) -> list[str]:
    """Join blocks with blank lines into as few texts of at most `limit` characters as possible."""
    texts: list[str] = []
    for block in (b[:limit] for b in blocks):
        if texts and len(texts[-1]) + 2 + len(block) <= limit:
            texts[-1] += "\n\n" + block
        else:
            texts.append(block)
    return texts


class Daily(commands.Cog):
    daily = app_commands.Group(name="daily", description="Daily question posts", guild_only=True)

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.scheduler = DailyScheduler(
            bot.storage,  # type: ignore[attr-defined]
            bot.clock,  # type: ignore[attr-defined]
            DiscordDailyPresenter(bot),
            lambda: bot.catalog,  # type: ignore[attr-defined]
            ready=bot.wait_until_ready,
        )

    async def cog_load(self) -> None:
        # The answer buttons are the live quiz's; registering them again is harmless and keeps
        # daily posts clickable even if the quiz cog is not loaded.
        self.bot.add_dynamic_items(AnswerButton)
        self.scheduler.start()

    async def cog_unload(self) -> None:
        await self.scheduler.stop()

    async def _deny_non_admin(self, interaction: discord.Interaction[Any]) -> bool:
        if await is_daily_admin(interaction):
            return False
        await interaction.response.send_message(
            "Only members with Manage Server or the quiz-master role can change daily posts. "
            "Ask an admin, or use /daily streak to see your streak.",
            ephemeral=True,
        )
        return True

    @daily.command(name="set")
    @app_commands.describe(
        channel="Where to post",
        time="Local post time, 24-hour HH:MM (e.g. 09:00)",
        timezone="IANA time zone, e.g. Europe/Berlin",
        quizzes='Quiz ids separated by commas, or "all"',
        order="sequential (quiz order) or shuffled (no repeats until all were asked)",
        reveal=f"Reveal {MIN_REVEAL_HOURS}-{MAX_REVEAL_HOURS} hours after posting (default: at the next post)",
        weekdays='e.g. "mon-fri", "mon,wed,fri", "weekends" (default: every day)',
    )
    async def set_schedule(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        quizzes: str,
        order: Literal["sequential", "shuffled"] = "sequential",
        reveal: app_commands.Range[int, MIN_REVEAL_HOURS, MAX_REVEAL_HOURS] | None = None,
        weekdays: str | None = None,
    ) -> None:
        """Post a daily question in a channel (creates, changes or resumes its schedule)."""
        if await self._deny_non_admin(interaction):
            return
        assert interaction.guild_id is not None
        try:
            request = parse_request(
                guild_id=interaction.guild_id,
                channel_id=channel.id,
                time_text=time,
                timezone_text=timezone,
                quizzes_text=quizzes,
                order_text=order,
                reveal_hours=reveal,
                weekdays_text=weekdays,
                catalog=self.bot.catalog,  # type: ignore[attr-defined]
            )
        except ValueError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        config = await save(
            self.bot.storage,  # type: ignore[attr-defined]
            request,
            created_by=interaction.user.id,
            now=self.bot.clock.now(),  # type: ignore[attr-defined]
        )
        self.scheduler.rearm()
        status = await self._status(config)
        log.info("daily set: guild %d channel %d by %d", config.guild_id, config.channel_id, interaction.user.id)
        await interaction.response.send_message(
            "Daily question scheduled.\n" + "\n".join(status_lines(status)), ephemeral=True
        )

    @set_schedule.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        names = timezone_suggestions(current, limit=AUTOCOMPLETE_CHOICES)
        return [app_commands.Choice(name=name, value=name) for name in names]

    @daily.command(name="off")
    @app_commands.describe(channel="The channel whose daily posts stop")
    async def turn_off(self, interaction: discord.Interaction[Any], channel: discord.TextChannel) -> None:
        """Stop daily posts in a channel (history and streaks are kept; /daily set resumes)."""
        if await self._deny_non_admin(interaction):
            return
        config = await turn_off(self.bot.storage, channel.id)  # type: ignore[attr-defined]
        if config is None or config.guild_id != interaction.guild_id:
            await interaction.response.send_message(
                f"There is no daily schedule in <#{channel.id}>. /daily status lists this server's schedules.",
                ephemeral=True,
            )
            return
        self.scheduler.rearm()
        log.info("daily off: guild %d channel %d by %d", config.guild_id, config.channel_id, interaction.user.id)
        await interaction.response.send_message(
            f"Daily posts in <#{channel.id}> are off. An open question is still revealed on time; "
            "/daily set for that channel turns them back on.",
            ephemeral=True,
        )

    async def _status(self, config: DailyConfig) -> ScheduleStatus:
        return await schedule_status(
            self.bot.storage,  # type: ignore[attr-defined]
            self.bot.catalog,  # type: ignore[attr-defined]
            config,
            self.bot.clock.now(),  # type: ignore[attr-defined]
        )

    @daily.command(name="status")
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        """Show this server's daily schedules: next post, queue position, last post, pauses."""
        if await self._deny_non_admin(interaction):
            return
        assert interaction.guild_id is not None
        configs = await self.bot.storage.daily.guild_schedules(interaction.guild_id)  # type: ignore[attr-defined]
        if not configs:
            await interaction.response.send_message(
                "No daily questions here yet. Create one with /daily set.", ephemeral=True
            )
            return
        blocks = ["\n".join(status_lines(await self._status(config))) for config in configs]
        # One channel per block; a server with many schedules gets several messages, never a cut line.
        messages = pack_blocks(blocks, MESSAGE_CONTENT)
        await interaction.response.send_message(messages[0], ephemeral=True)
        for text in messages[1:]:
            await interaction.followup.send(text, ephemeral=True)

    @daily.command(name="now")
    @app_commands.describe(channel="The channel with the daily schedule")
    async def post_now(self, interaction: discord.Interaction[Any], channel: discord.TextChannel) -> None:
        """Post the next daily question right away (to try a schedule)."""
        if await self._deny_non_admin(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await self.bot.storage.daily.schedule_for_channel(channel.id)  # type: ignore[attr-defined]
        if config is None or config.guild_id != interaction.guild_id:
            await interaction.followup.send(
                f"There is no daily schedule in <#{channel.id}>. Create one with /daily set first.", ephemeral=True
            )
            return
        try:
            post = await self.scheduler.post_now(channel.id)
        except NowRefusedError as error:
            await interaction.followup.send(str(error), ephemeral=True)
            return
        kind = "today's post" if post.slot.is_scheduled else "an extra post (not counted for streaks)"
        await interaction.followup.send(
            f"Posted {plain(post.question_key)} in <#{channel.id}> as {kind}; "
            f"the answer is revealed {discord_time(post.reveal_at, 'f')}.",
            ephemeral=True,
        )

    @daily.command(name="streak")
    @app_commands.describe(member="Whose streak (default: yours)")
    async def streak(self, interaction: discord.Interaction[Any], member: discord.Member | None = None) -> None:
        """Show current and best daily-question streaks."""
        assert interaction.guild_id is not None
        who = member or interaction.user
        found = await member_streaks(self.bot.storage, interaction.guild_id, who.id)  # type: ignore[attr-defined]
        name = plain(who.display_name)
        if not found:
            await interaction.response.send_message(
                f"{name} has no daily-question streak yet: no daily question was posted here. "
                "Admins start one with /daily set.",
                ephemeral=True,
            )
            return
        lines = [f"Daily streaks of {name}:"]
        lines += [f"<#{config.channel_id}>: current {s.current}, best {s.best}" for config, s in found]
        await interaction.response.send_message("\n".join(lines), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Daily(bot))
