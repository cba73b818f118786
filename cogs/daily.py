"""/daily: schedule, pause, inspect and trigger daily question posts, and see streaks.

The group stays visible to everyone because `/daily streak` is for members; the other subcommands are
for organisers, which the daily service checks (default_permissions on a group would hide all of its
subcommands, and is only a hint anyway).
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import QuizBot
from bot.domain.limits import MESSAGE_CONTENT
from bot.domain.schedule import MAX_REVEAL_HOURS, MIN_REVEAL_HOURS
from bot.ui.access import member_of
from bot.ui.choices import timezone_choices
from bot.ui.daily_texts import now_posted_text, status_lines, streaks_text
from bot.ui.text import NO_MENTIONS, pack_texts, plain

Interaction = discord.Interaction[QuizBot]


class DailyCog(commands.Cog, name="Daily"):
    daily = app_commands.Group(name="daily", description="Daily question posts", guild_only=True)

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

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
    @app_commands.autocomplete(timezone=timezone_choices)
    async def set_schedule(
        self,
        interaction: Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        quizzes: str,
        order: Literal["sequential", "shuffled"] = "sequential",
        reveal: app_commands.Range[int, MIN_REVEAL_HOURS, MAX_REVEAL_HOURS] | None = None,
        weekdays: str | None = None,
    ) -> None:
        """Post a daily question in a channel (creates, changes or resumes its schedule)."""
        assert interaction.guild_id is not None
        status = await self.bot.daily.set(
            member_of(interaction),
            interaction.guild_id,
            channel.id,
            time_text=time,
            timezone_text=timezone,
            quizzes_text=quizzes,
            order_text=order,
            reveal_hours=reveal,
            weekdays_text=weekdays,
        )
        text = "Daily question scheduled.\n" + "\n".join(status_lines(status))
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @daily.command(name="off")
    @app_commands.describe(channel="The channel whose daily posts stop")
    async def turn_off(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        """Stop daily posts in a channel (history and streaks are kept; /daily set resumes)."""
        assert interaction.guild_id is not None
        await self.bot.daily.turn_off(member_of(interaction), interaction.guild_id, channel.id)
        await interaction.response.send_message(
            f"Daily posts in <#{channel.id}> are off. An open question is still revealed on time; "
            "/daily set for that channel turns them back on.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @daily.command(name="status")
    async def status(self, interaction: Interaction) -> None:
        """Show this server's daily schedules: next post, queue position, last post, pauses."""
        assert interaction.guild_id is not None
        statuses = await self.bot.daily.statuses(member_of(interaction), interaction.guild_id)
        # One channel per block; a server with many schedules gets several messages, never a cut line.
        messages = pack_texts(["\n".join(status_lines(status)) for status in statuses], MESSAGE_CONTENT)
        await interaction.response.send_message(messages[0], ephemeral=True, allowed_mentions=NO_MENTIONS)
        for text in messages[1:]:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @daily.command(name="now")
    @app_commands.describe(channel="The channel with the daily schedule")
    async def post_now(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        """Post the next daily question right away (to try a schedule)."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        post = await self.bot.daily.post_now(member_of(interaction), interaction.guild_id, channel.id)
        await interaction.followup.send(now_posted_text(post, channel.id), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @daily.command(name="streak")
    @app_commands.describe(member="Whose streak (default: yours)")
    async def streak(self, interaction: Interaction, member: discord.Member | None = None) -> None:
        """Show current and best daily-question streaks."""
        assert interaction.guild_id is not None
        who = member or interaction.user
        found = await self.bot.daily.streaks(interaction.guild_id, who.id, interaction.user.id)
        text = streaks_text(plain(who.display_name), found)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(DailyCog(bot))
