"""A bot exercising the discord.py features the test bed must support; used by the test bed's own tests."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.settings import Settings

NO_PINGS = discord.AllowedMentions.none()


def error_text(exc: discord.HTTPException) -> str:
    return f"failed: {exc.status} {exc.code}"


class VoteView(discord.ui.View):
    """A plain (non-persistent) View: discord.py routes its clicks by the View it keeps in memory."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    async def _choose(self, interaction: discord.Interaction, label: str) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        await interaction.response.edit_message(
            content=f"{label} chosen by {interaction.user.name}", view=self
        )

    @discord.ui.button(label="A", custom_id="vote:a", style=discord.ButtonStyle.secondary)
    async def a(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._choose(interaction, "A")

    @discord.ui.button(label="B", custom_id="vote:b", style=discord.ButtonStyle.secondary)
    async def b(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._choose(interaction, "B")

    @discord.ui.button(label="Count", custom_id="vote:count", style=discord.ButtonStyle.primary)
    async def count(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()
        assert interaction.message is not None
        await interaction.message.edit(content="counted")


class AskModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput = discord.ui.TextInput(label="Answer", max_length=100)


class Daily(app_commands.Group, name="daily", description="Daily question settings"):
    @app_commands.command(name="set", description="Set the posting hour")
    async def set_hour(self, interaction: discord.Interaction, hour: app_commands.Range[int, 0, 23]) -> None:
        await interaction.response.send_message(f"hour={hour}", ephemeral=True)

    @app_commands.command(name="show", description="Show the settings")
    async def show(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("settings", ephemeral=True)


class ProbeCog(commands.Cog):
    def __init__(self, bot: ProbeBot) -> None:
        self.bot = bot

    @app_commands.command(description="Echo every option type back")
    async def echo(
        self,
        interaction: discord.Interaction,
        text: str,
        times: int = 1,
        loud: bool = False,
        ratio: float | None = None,
        who: discord.Member | None = None,
        where: discord.TextChannel | None = None,
        role: discord.Role | None = None,
    ) -> None:
        parts = [text * times, str(loud), str(ratio)]
        parts += [who.display_name if who else "-", where.name if where else "-", role.name if role else "-"]
        await interaction.response.send_message("|".join(parts), allowed_mentions=NO_PINGS)

    @app_commands.command(description="Think, then answer with a followup")
    async def think(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        await interaction.followup.send("done", ephemeral=True)
        await interaction.followup.send("and one more", ephemeral=True)

    @app_commands.command(description="Defer, then edit the original response")
    async def later(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="edited")

    @app_commands.command(description="Post a vote")
    async def vote(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Vote!", view=VoteView())

    @app_commands.command(description="Post a channel message with an embed, then edit it")
    async def post(self, interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel | discord.Thread)
        try:
            message = await interaction.channel.send("posting", embed=discord.Embed(title="Quiz"))
            self.bot.last_post = message
            await message.edit(content="posted")
        except discord.HTTPException as exc:
            await interaction.response.send_message(error_text(exc), ephemeral=True)
            return
        await interaction.response.send_message("ok", ephemeral=True)

    @app_commands.command(description="Edit the last posted message")
    async def touch(self, interaction: discord.Interaction) -> None:
        assert self.bot.last_post is not None
        try:
            await self.bot.last_post.edit(content="touched")
        except discord.HTTPException as exc:
            await interaction.response.send_message(error_text(exc), ephemeral=True)
            return
        await interaction.response.send_message("ok", ephemeral=True)

    @app_commands.command(description="Upload a file")
    async def upload(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("file", file=discord.File(io.BytesIO(b"hello"), "notes.txt"))

    @app_commands.command(description="Answer only once the test releases the gate")
    async def slow(self, interaction: discord.Interaction) -> None:
        self.bot.entered.set()
        await self.bot.gate.wait()
        try:
            await interaction.response.send_message("finally")
        except discord.HTTPException as exc:
            self.bot.errors.append(exc)

    @app_commands.command(description="Defer, then follow up once the test releases the gate")
    async def slowfollow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        self.bot.entered.set()
        await self.bot.gate.wait()
        try:
            await interaction.followup.send("late followup")
        except discord.HTTPException as exc:
            self.bot.errors.append(exc)

    @app_commands.command(description="Answer the same interaction twice at once")
    async def twice(self, interaction: discord.Interaction) -> None:
        results = await asyncio.gather(
            interaction.response.send_message("one"),
            interaction.response.send_message("two"),
            return_exceptions=True,
        )
        self.bot.errors += [r for r in results if isinstance(r, discord.HTTPException)]

    @app_commands.command(description="Send a message that is too long")
    async def big(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("x" * 2001)
        except discord.HTTPException as exc:
            self.bot.errors.append(exc)
            await interaction.response.send_message(error_text(exc), ephemeral=True)

    @app_commands.command(description="Open a modal")
    async def ask(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AskModal())

    @app_commands.command(description="Pick a topic")
    async def pick(self, interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"picked {topic}", ephemeral=True)

    @pick.autocomplete("topic")
    async def pick_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        topics = ["day1", "day2", "day48", "biology"]
        return [app_commands.Choice(name=t, value=t) for t in topics if t.startswith(current)]


class ProbeBot(commands.Bot):
    def __init__(self, settings: Settings) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents(guilds=True))
        self.settings = settings
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        self.errors: list[discord.HTTPException] = []
        self.last_post: discord.Message | None = None

    async def setup_hook(self) -> None:
        await self.add_cog(ProbeCog(self))
        self.tree.add_command(Daily())


def create_probe_bot(settings: Settings) -> commands.Bot:
    return ProbeBot(settings)
