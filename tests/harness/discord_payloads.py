"""Discord JSON shapes for the fake: users, members, guilds, messages, interactions.

Only the fields discord.py 2.x reads are filled in; values are plausible, not real.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
# Permission bits (https://discord.com/developers/docs/topics/permissions).
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
BOT_PERMISSIONS = MEMBER_PERMISSIONS | EMBED_LINKS | ATTACH_FILES

# Message flags and types.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
DEFAULT_MESSAGE = 0
REPLY_MESSAGE = 19
CHAT_INPUT_MESSAGE = 20

# Application command option types.
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10


class Snowflakes:
    """Increasing snowflake ids whose timestamp part is the wall clock."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._counter) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class FakeUser:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeGuild:
    id: int
    name: str
    channels: list[int] = field(default_factory=list)

    def channel_payload(self, channel_id: int) -> JSON:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.id),
            "name": f"channel-{channel_id}",
            "position": self.channels.index(channel_id) if channel_id in self.channels else 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }


def member_payload(user: FakeUser, permissions: int) -> JSON:
    return {
        "user": user.payload(),
        "nick": None,
        "roles": [],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": str(permissions),
    }


def guild_create_payload(guild: FakeGuild, bot: FakeUser) -> JSON:
    everyone = {
        "id": str(guild.id),
        "name": "@everyone",
        "permissions": str(MEMBER_PERMISSIONS),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "owner_id": "1",
        "unavailable": False,
        "large": False,
        "member_count": 2,
        "joined_at": "2026-01-01T00:00:00+00:00",
        "roles": [everyone],
        "emojis": [],
        "stickers": [],
        "features": [],
        "channels": [guild.channel_payload(c) for c in guild.channels],
        "threads": [],
        "members": [member_payload(bot, BOT_PERMISSIONS)],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "system_channel_flags": 0,
    }


def application_payload(application_id: int, owner: FakeUser) -> JSON:
    return {
        "id": str(application_id),
        "name": "studybot-fake",
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": owner.payload(),
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "summary": "",
        "rpc_origins": [],
        "interactions_endpoint_url": None,
    }


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    author: FakeUser,
    body: JSON,
    attachments: list[JSON],
    application_id: int | None = None,
    message_type: int = DEFAULT_MESSAGE,
) -> JSON:
    message: JSON = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author.payload(),
        "content": body.get("content") or "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": list(body.get("embeds") or []),
        "components": list(body.get("components") or []),
        "pinned": False,
        "type": message_type,
        "flags": int(body.get("flags") or 0),
    }
    if application_id is not None:
        message["application_id"] = str(application_id)
        message["webhook_id"] = str(application_id)
    reference = body.get("message_reference")
    if reference:
        message["message_reference"] = {
            "type": 0,
            "message_id": str(reference["message_id"]),
            "channel_id": str(reference.get("channel_id") or channel_id),
        }
        message["type"] = REPLY_MESSAGE
    return message


def iter_buttons(message: JSON) -> list[JSON]:
    """Every button of a message, in row order."""
    buttons: list[JSON] = []
    for row in message.get("components") or []:
        for component in row.get("components") or []:
            if component.get("type") == 2:
                buttons.append(component)
    return buttons


def message_problems(body: JSON) -> list[str]:
    """What Discord would refuse in a message body (400 code 50035)."""
    problems: list[str] = []
    if len(body.get("content") or "") > 2000:
        problems.append("content: must be 2000 or fewer in length")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append("embeds: must be 10 or fewer in length")
    for embed in embeds:
        if len(embed.get("title") or "") > 256:
            problems.append("embeds.title: must be 256 or fewer in length")
        if len(embed.get("description") or "") > 4096:
            problems.append("embeds.description: must be 4096 or fewer in length")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append("embeds.fields: must be 25 or fewer in length")
        for item in fields:
            if len(item.get("name") or "") > 256 or len(item.get("value") or "") > 1024:
                problems.append("embeds.fields: name ≤ 256 and value ≤ 1024")
    rows = body.get("components") or []
    if len(rows) > 5:
        problems.append("components: must be 5 or fewer in length")
    for row in rows:
        if len(row.get("components") or []) > 5:
            problems.append("components.components: must be 5 or fewer in length")
    for button in iter_buttons(body):
        if len(button.get("custom_id") or "") > 100:
            problems.append("custom_id: must be 100 or fewer in length")
        if len(button.get("label") or "") > 80:
            problems.append("label: must be 80 or fewer in length")
    return problems
