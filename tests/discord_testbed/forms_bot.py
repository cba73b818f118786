"""A bot using file options, modals, ephemeral panels and file responses; for the test bed's own tests.

Every reply says what the bot received, so a test can check what discord.py made of the test bed's
payloads. Knobs on the bot (`max_bytes`, `download_timeout`, `modal_reply`) let a test pick a path.
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.settings import Settings

NO_PINGS = discord.AllowedMentions.none()


def _file(name: str, data: bytes) -> discord.File:
    return discord.File(io.BytesIO(data), name)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """The Label layout (discord.py 2.6+): a text display, text inputs, a select and a file upload."""

    def __init__(self, bot: FormsBot) -> None:
        super().__init__(custom_id="forms:feedback")
        self.bot = bot
        self.text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
            custom_id="text", style=discord.TextStyle.paragraph, min_length=5, max_length=50
        )
        self.nick: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
            custom_id="nick", required=False, default="anon", max_length=10
        )
        self.topic: discord.ui.Select[FeedbackModal] = discord.ui.Select(
            custom_id="topic",
            options=[discord.SelectOption(label=t, value=t) for t in ("bug", "idea", "praise")],
        )
        self.files: discord.ui.FileUpload[FeedbackModal] = discord.ui.FileUpload(
            custom_id="files", required=False, max_values=2
        )
        self.add_item(discord.ui.TextDisplay("Tell us what you think."))
        self.add_item(discord.ui.Label(text="Your feedback", component=self.text))
        self.add_item(discord.ui.Label(text="Signed", component=self.nick))
        self.add_item(discord.ui.Label(text="Topic", component=self.topic))
        self.add_item(discord.ui.Label(text="Attach files", component=self.files))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        names = ",".join(f"{a.filename}:{a.size}" for a in self.files.values) or "-"
        summary = f"{self.text.value}|{self.nick.value}|{self.topic.values}|{names}"
        await self.bot.reply_to_modal(interaction, summary)


class RenameModal(discord.ui.Modal, title="Rename"):
    """The legacy layout: a text input straight in the modal (discord.py wraps it in an action row)."""

    name: discord.ui.TextInput[RenameModal] = discord.ui.TextInput(label="New name", max_length=20)

    def __init__(self, bot: FormsBot) -> None:
        super().__init__(custom_id="forms:rename")
        self.bot = bot

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.bot.reply_to_modal(interaction, f"renamed to {self.name.value}")


class PanelView(discord.ui.View):
    """Buttons on an ephemeral message: each edits that message a different way."""

    def __init__(self, bot: FormsBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Update", custom_id="panel:update")
    async def update(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        await interaction.response.edit_message(content="updated", view=self)

    @discord.ui.button(label="Later", custom_id="panel:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="edited later")

    @discord.ui.button(label="Attach", custom_id="panel:attach")
    async def attach(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        await interaction.response.edit_message(content="with a file", attachments=[_file("panel.txt", b"panel")])

    @discord.ui.button(label="Add", custom_id="panel:add")
    async def add(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        assert interaction.message is not None
        kept = list(interaction.message.attachments)
        await interaction.response.edit_message(attachments=[*kept, _file("more.txt", b"more")])

    @discord.ui.button(label="Clear", custom_id="panel:clear")
    async def clear(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        await interaction.response.edit_message(content="no files", attachments=[])

    @discord.ui.button(label="Rename", custom_id="panel:rename")
    async def rename(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        await interaction.response.send_modal(RenameModal(self.bot))


class FormsCog(commands.Cog):
    def __init__(self, bot: FormsBot) -> None:
        self.bot = bot

    @app_commands.command(name="quiz-upload", description="Read an uploaded file")
    async def quiz_upload(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > self.bot.max_bytes:
            await interaction.response.send_message(f"too big: {file.size}", ephemeral=True)
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            data = await asyncio.wait_for(file.read(), self.bot.download_timeout)
        except TimeoutError:
            text = "download timed out"
        except discord.HTTPException as exc:
            text = f"download failed: {exc.status}"
        else:
            text = f"{file.filename}|{file.content_type}|{file.size}|{len(data)}|{data[:30].decode(errors='replace')}"
        await interaction.edit_original_response(content=text)

    @app_commands.command(name="feedback", description="Open the feedback form")
    async def feedback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal(self.bot))

    @app_commands.command(name="rename", description="Open the rename form")
    async def rename(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(RenameModal(self.bot))

    @app_commands.command(name="panel", description="Show an ephemeral panel")
    async def panel(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("panel", view=PanelView(self.bot), ephemeral=True)
        self.bot.panel_interaction = interaction

    @app_commands.command(name="dm", description="Send the member a direct message")
    async def dm(self, interaction: discord.Interaction, text: str) -> None:
        try:
            sent = await interaction.user.send(text, allowed_mentions=NO_PINGS)
        except discord.Forbidden as exc:
            reply = f"not sent: {exc.status} {exc.code}"
        else:
            reply = f"sent {sent.id} in {sent.channel.type.name}"
        await interaction.response.send_message(reply, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="report", description="Answer with files, follow up with one, then edit")
    async def report(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("report", file=_file("report.csv", b"a,b\n1,2\n"))
        await interaction.followup.send("appendix", file=_file("appendix.txt", b"more"), allowed_mentions=NO_PINGS)
        original = await interaction.original_response()
        await interaction.edit_original_response(
            attachments=[*original.attachments, _file("chart.png", b"\x89PNG fake")]
        )


class FormsBot(commands.Bot):
    def __init__(self, settings: Settings) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents(guilds=True))
        self.settings = settings
        self.max_bytes = 1024
        self.download_timeout = 2.0
        # How a modal submit is answered: "message" (4), "think" (5), "defer" (6) or "update" (7).
        self.modal_reply = "message"
        self.panel_interaction: discord.Interaction | None = None
        self.errors: list[discord.HTTPException] = []

    async def setup_hook(self) -> None:
        await self.add_cog(FormsCog(self))

    async def reply_to_modal(self, interaction: discord.Interaction, text: str) -> None:
        try:
            if self.modal_reply == "think":
                await interaction.response.defer(thinking=True, ephemeral=True)
                await interaction.followup.send(text, ephemeral=True)
            elif self.modal_reply == "defer":
                await interaction.response.defer()
                if interaction.message is not None:
                    await interaction.edit_original_response(content=text)
            elif self.modal_reply == "update":
                await interaction.response.edit_message(content=text)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as exc:
            self.errors.append(exc)


def create_forms_bot(settings: Settings) -> commands.Bot:
    return FormsBot(settings)
