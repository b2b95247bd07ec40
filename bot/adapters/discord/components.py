"""The DynamicItems that own studybot's custom_id patterns.

discord.py rebuilds one from the clicked message's button and its custom_id, so clicks
work after a restart and on messages this process never saw. ``from_custom_id`` runs
before the 3-second acknowledgement, so it only keeps the parsed ids; the handler defers
before it touches the database.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapters.discord import clicks, custom_ids
from bot.adapters.discord.client import Interaction

Button = discord.ui.Button[discord.ui.View]


class _Routed(discord.ui.DynamicItem[Button], template=r"(?!)"):
    """Base: keep the match of the custom_id; subclasses hand the click to their handler."""

    def __init__(self, item: Button, match: re.Match[str]) -> None:
        super().__init__(item)
        self.match = match

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> _Routed:
        if not isinstance(item, discord.ui.Button):
            raise TypeError("studybot's custom_ids are only on buttons")
        return cls(item, match)


class AnswerButton(_Routed, template=custom_ids.ANSWER):
    async def callback(self, interaction: Interaction) -> None:
        await clicks.answer_post(interaction, self.match)


class ReviewButton(_Routed, template=custom_ids.REVIEW):
    async def callback(self, interaction: Interaction) -> None:
        await clicks.answer_review(interaction, self.match)


class NextCardButton(_Routed, template=custom_ids.NEXT_CARD):
    async def callback(self, interaction: Interaction) -> None:
        await clicks.next_card(interaction, self.match)


class ForgetButton(_Routed, template=custom_ids.FORGET):
    async def callback(self, interaction: Interaction) -> None:
        await clicks.forget(interaction, self.match)


DYNAMIC_ITEMS: tuple[type[_Routed], ...] = (
    AnswerButton,
    ReviewButton,
    NextCardButton,
    ForgetButton,
)
