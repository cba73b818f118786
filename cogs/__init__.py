"""Discord glue: slash commands, buttons and embeds. Loaded by name from bot.app.EXTENSIONS."""
