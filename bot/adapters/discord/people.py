"""Who and where an interaction comes from, in the core's terms."""

from __future__ import annotations

import discord

from bot.core.errors import BadInput
from bot.core.ports import Place, Who

PLATFORM = "discord"


def place_of(interaction: discord.Interaction[discord.Client]) -> Place:
    if interaction.guild_id is None or interaction.channel_id is None:
        raise BadInput("studybot works in server channels, not in direct messages.")
    return Place(PLATFORM, str(interaction.guild_id), str(interaction.channel_id))


def who_of(interaction: discord.Interaction[discord.Client]) -> Who:
    """The caller; may manage the server when Discord says so in this very interaction."""
    permissions = interaction.permissions
    can_manage = permissions.manage_guild or permissions.administrator
    return as_who(interaction.user, can_manage)


def as_who(user: discord.abc.User, can_manage: bool = False) -> Who:
    return Who(PLATFORM, str(user.id), user.display_name, can_manage=can_manage)
