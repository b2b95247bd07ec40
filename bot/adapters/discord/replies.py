"""Answering an interaction: acknowledge first, then do the work, then show the result.

Discord drops an interaction that gets no first response within 3 seconds, so every
handler defers before any database work and edits its answer in afterwards. Domain
errors become one polite line; anything else is logged and the user gets a short apology.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import cast

import discord

from bot.adapters.discord import render
from bot.adapters.discord.client import Interaction, StudyClient
from bot.adapters.discord.render import Reply
from bot.core.errors import StudyError
from bot.core.service import StudyService

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[Reply]]


def service_of(interaction: Interaction) -> StudyService:
    return cast(StudyClient, interaction.client).service


async def _outcome(interaction: Interaction, work: Work) -> Reply | str:
    """The reply, or the one line to show instead when the work failed."""
    try:
        return await work()
    except StudyError as error:
        return render.error_line(error)
    except Exception:
        log.exception("Discord interaction %s failed", interaction.id)
        return render.FAILED


async def edit_original(interaction: Interaction, reply: Reply) -> None:
    await interaction.edit_original_response(
        content=reply.content,
        embeds=reply.embeds,
        view=reply.view,
        attachments=reply.files,
        allowed_mentions=discord.AllowedMentions.none(),
    )


async def respond(interaction: Interaction, work: Work, *, ephemeral: bool = True) -> None:
    """Defer ("thinking"), run the work, and put its reply (or error) in that message."""
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    outcome = await _outcome(interaction, work)
    await edit_original(interaction, Reply(outcome) if isinstance(outcome, str) else outcome)


async def update(interaction: Interaction, work: Work) -> None:
    """For a button on a private message: replace that message with the work's reply; an
    error goes in a new private line and leaves the message as it was."""
    await interaction.response.defer()
    outcome = await _outcome(interaction, work)
    if isinstance(outcome, str):
        await interaction.followup.send(outcome, ephemeral=True)
    else:
        await edit_original(interaction, outcome)


async def say(interaction: Interaction, text: str) -> None:
    """A private line needing no work: answered at once."""
    await interaction.response.send_message(text, ephemeral=True)
