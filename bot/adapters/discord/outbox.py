"""The Outbox port for Discord: questions and boards to a channel, reveals as replies.

The core's sender calls it with retries; discord.py itself waits out 429s (it sleeps the
``retry_after`` Discord sends and tries again), so a drill fanned out to many channels
is slowed, not lost. Only REST is used: no gateway state or cached channel is needed.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord import render
from bot.core.delivery import Undeliverable
from bot.core.ports import ChannelView, Place
from bot.core.views import QuestionView, RevealView

NO_PINGS = discord.AllowedMentions.none()


class DiscordOutbox:
    """Made with the adapter (the app routes to it from the start), bound to the client
    once the adapter has logged in."""

    def __init__(self) -> None:
        self.client: discord.Client | None = None

    def _channel(self, place: Place) -> discord.PartialMessageable:
        if self.client is None:
            raise RuntimeError("the Discord adapter is not started")
        return self.client.get_partial_messageable(int(place.channel), guild_id=int(place.tenant))

    async def post(self, place: Place, view: ChannelView) -> str:
        reply = render.channel_message(view)
        channel = self._channel(place)
        extra: dict[str, Any] = {}
        if reply.view is not None:
            extra["view"] = reply.view
        if reply.files:
            extra["files"] = reply.files
        if isinstance(view, RevealView) and view.question_message_id:
            extra["reference"] = discord.MessageReference(
                message_id=int(view.question_message_id),
                channel_id=channel.id,
                guild_id=int(place.tenant),
                fail_if_not_exists=False,  # a deleted question still gets its reveal
            )
        try:
            message = await channel.send(
                content=reply.content,
                embeds=reply.embeds,
                allowed_mentions=NO_PINGS,
                **extra,
            )
        except (discord.Forbidden, discord.NotFound) as error:
            # no access to the channel, or it is gone: no retry will change that
            raise Undeliverable(f"{error.status} {error.text}") from error
        return str(message.id)

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        reply = render.question(view)
        message = self._channel(place).get_partial_message(int(message_id))
        try:
            await message.edit(content=reply.content, embeds=reply.embeds, view=reply.view)
        except (discord.Forbidden, discord.NotFound) as error:
            raise Undeliverable(f"{error.status} {error.text}") from error
