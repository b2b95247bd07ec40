"""The discord.py client studybot runs: guilds intent only, a command tree, the service.

Buttons are routed by their custom_id (DynamicItem), never by views kept in memory, so a
restarted process answers clicks on messages it never saw. A click DynamicItem cannot
route (a value that matches no pattern, or a message that arrived without its
components) still gets a polite answer through ``on_unrouted_click``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import discord
from discord import app_commands

from bot.core.service import StudyService

Interaction = discord.Interaction[discord.Client]
UnroutedClick = Callable[[Interaction, str], Awaitable[None]]


class StudyClient(discord.Client):
    def __init__(self, service: StudyService, on_unrouted_click: UnroutedClick) -> None:
        # studybot has no voice: silence discord.py's warnings about missing voice libraries
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # interactions need no intent; guilds keeps channels known
        super().__init__(intents=intents)
        self.service = service
        self.tree: app_commands.CommandTree[StudyClient] = app_commands.CommandTree(self)
        self.connected = asyncio.Event()
        self._on_unrouted_click = on_unrouted_click
        self._patterns: list[re.Pattern[str]] = []

    def route_buttons(self, items: Iterable[type[discord.ui.DynamicItem[Any]]]) -> None:
        """Register the DynamicItem classes that own our custom_id patterns."""
        items = list(items)
        self.add_dynamic_items(*items)
        self._patterns += [item.__discord_ui_compiled_template__ for item in items]

    async def on_connect(self) -> None:
        # READY arrived: interactions are handled from now on. on_ready would also wait
        # for every guild's GUILD_CREATE, which studybot does not need.
        self.connected.set()

    async def on_interaction(self, interaction: Interaction) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if not self._routed_by_dynamic_item(interaction, custom_id):
            await self._on_unrouted_click(interaction, custom_id)

    def _routed_by_dynamic_item(self, interaction: Interaction, custom_id: str) -> bool:
        """What discord.py's DynamicItem dispatch will handle: a known pattern on a button
        that the clicked message really carries."""
        if not any(p.fullmatch(custom_id) for p in self._patterns):
            return False
        message = interaction.message
        if message is None:
            return False
        return any(
            getattr(child, "custom_id", None) == custom_id
            for row in message.components
            for child in getattr(row, "children", [row])
        )
