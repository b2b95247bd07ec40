"""The Discord adapter's lifecycle: log in, sync the commands once, connect, stop.

Commands are synced here at start-up, never in ``on_ready`` (which runs again on every
reconnect and would spend Discord's daily command-create budget): to one guild when
``DISCORD_GUILD_ID`` is set (instant, for trying things out), otherwise globally.
``DISCORD_API_BASE`` and ``DISCORD_GATEWAY_URL`` point discord.py at another Discord,
such as the local fake the tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
import yarl

from bot.adapters.discord import clicks, commands
from bot.adapters.discord.client import StudyClient
from bot.adapters.discord.components import DYNAMIC_ITEMS
from bot.adapters.discord.outbox import DiscordOutbox
from bot.adapters.discord.people import PLATFORM
from bot.config import Settings
from bot.core.service import StudyService

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0


class DiscordAdapter:
    platform = PLATFORM

    def __init__(self, settings: Settings) -> None:
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self.token = settings.discord_token.get_secret_value()
        self.guild_id = settings.discord_guild_id
        self.api_base = settings.discord_api_base.rstrip("/")
        self.gateway_url = settings.discord_gateway_url
        self.client: StudyClient | None = None
        self.outbox = DiscordOutbox()
        self._connection: asyncio.Task[None] | None = None

    async def start(self, service: StudyService) -> None:
        # discord.py keeps both endpoints as class attributes: the one seam it offers.
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        client = StudyClient(service, clicks.unrouted)
        self.client = client
        for command in commands.build():
            client.tree.add_command(command)
        client.route_buttons(DYNAMIC_ITEMS)
        try:
            await client.login(self.token)  # a wrong token fails here, before anything else
            await self._sync(client)
        except BaseException:
            await client.close()  # the app stops only adapters that started
            raise
        self.outbox.client = client
        self._connection = asyncio.create_task(client.connect(), name="discord-gateway")
        self._connection.add_done_callback(_connection_ended)

    async def _sync(self, client: StudyClient) -> None:
        if self.guild_id is not None:
            guild = discord.Object(self.guild_id)
            client.tree.copy_global_to(guild=guild)
            synced = await client.tree.sync(guild=guild)
            log.info("Discord: %d commands synced to guild %s", len(synced), self.guild_id)
        else:
            synced = await client.tree.sync()
            log.info("Discord: %d commands synced globally (may take a while to show)", len(synced))

    async def wait_ready(self) -> None:
        """Until the gateway session is up; a connection that fails first raises here."""
        if self.client is None or self._connection is None:
            raise RuntimeError("the Discord adapter was not started")
        connected = asyncio.create_task(self.client.connected.wait())
        try:
            done, _ = await asyncio.wait(
                {connected, self._connection},
                timeout=READY_TIMEOUT,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            connected.cancel()
        if self._connection in done:
            self._connection.result()  # raises what ended the connection
            raise RuntimeError("the Discord gateway connection ended before it was ready")
        if connected not in done:
            raise TimeoutError(f"Discord did not connect within {READY_TIMEOUT:.0f}s")
        log.info("Discord: connected as %s", self.client.user)

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self._connection is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._connection
            self._connection = None


def _connection_ended(task: asyncio.Task[None]) -> None:
    """discord.py reconnects by itself; it gives up only on errors such as a revoked token."""
    if not task.cancelled() and task.exception() is not None:
        log.error("Discord: the gateway connection ended: %s", task.exception())
