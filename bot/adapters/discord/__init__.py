"""Discord: slash commands, letter buttons routed by custom_id, embeds, reveals as replies."""

from bot.adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
