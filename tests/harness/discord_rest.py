"""The fake Discord's REST API: login, command sync, channel messages, interaction
callbacks and webhook follow-ups, with Discord's error codes and 429s.

It keeps its state on the FakeDiscord it serves (messages, interactions, commands) so
tests read one object; this module only answers requests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from tests.harness.discord_commands import command_problems, permission_string
from tests.harness.discord_payloads import (
    CHAT_INPUT_MESSAGE,
    EPHEMERAL,
    JSON,
    LOADING,
    FakeGuild,
    application_payload,
    iso_now,
    message_payload,
    message_problems,
)

if TYPE_CHECKING:
    from tests.harness.fake_discord import FakeDiscord

APPLICATION_COMMAND = 2
COMPONENT = 3
AUTOCOMPLETE = 4
TOKEN_LIFETIME = 15 * 60.0
_WEBHOOK_MESSAGE = r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"


class DiscordError(Exception):
    """An error answer in Discord's shape: HTTP status plus a JSON code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request as the fake saw it, with the fake clock's time of arrival."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[UploadedFile]
    at: float
    content_type: str
    status: int = 0

    def matches(self, method: str, pattern: str) -> bool:
        return self.method == method and re.fullmatch(pattern, self.path) is not None


@dataclass
class RateLimitRule:
    method: str
    pattern: str
    remaining: int
    retry_after: float
    is_global: bool


@dataclass
class InteractionRecord:
    """One dispatched interaction and everything the bot did to answer it."""

    id: int
    token: str
    type: int
    payload: JSON
    guild_id: int
    channel_id: int
    user_id: int
    dispatched_at: float
    first_response_at: float | None = None
    first_response_status: int | None = None
    acknowledged: bool = False
    callbacks: list[JSON] = field(default_factory=list)
    original_id: int | None = None
    message_ids: list[int] = field(default_factory=list)
    replies: list[int] = field(default_factory=list)
    choices: list[JSON] | None = None

    @property
    def ack_delay(self) -> float | None:
        """Seconds from dispatch to the first response, or None if none came."""
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.dispatched_at

    @property
    def callback_type(self) -> int | None:
        return int(self.callbacks[0]["type"]) if self.callbacks else None

    @property
    def deferred_ephemeral(self) -> bool:
        """Whether the first response was a defer whose message is only for the clicker."""
        if not self.callbacks or self.callbacks[0].get("type") != 5:
            return False
        data = self.callbacks[0].get("data") or {}
        return bool(int(data.get("flags") or 0) & EPHEMERAL)


_Answer = tuple[int, Any]
_Handler = Callable[[RecordedRequest, "re.Match[str]"], Awaitable[_Answer]]


class DiscordRest:
    """The REST routes of the fake, answering as Discord does."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.routes: list[tuple[str, re.Pattern[str], _Handler]] = [
            ("GET", re.compile(r"/users/@me"), self._get_me),
            ("GET", re.compile(r"/oauth2/applications/@me"), self._get_application),
            ("GET", re.compile(r"/gateway(/bot)?"), self._get_gateway),
            ("PUT", re.compile(r"/applications/(\d+)/commands"), self._put_commands),
            ("GET", re.compile(r"/applications/(\d+)/commands"), self._get_commands),
            ("PUT", re.compile(r"/applications/(\d+)/guilds/(\d+)/commands"), self._put_commands),
            ("GET", re.compile(r"/applications/(\d+)/guilds/(\d+)/commands"), self._get_commands),
            ("GET", re.compile(r"/channels/(\d+)"), self._get_channel),
            ("POST", re.compile(r"/channels/(\d+)/messages"), self._post_message),
            ("GET", re.compile(r"/channels/(\d+)/messages/(\d+)"), self._get_message),
            ("PATCH", re.compile(r"/channels/(\d+)/messages/(\d+)"), self._patch_message),
            ("DELETE", re.compile(r"/channels/(\d+)/messages/(\d+)"), self._delete_message),
            ("POST", re.compile(r"/interactions/(\d+)/([^/]+)/callback"), self._callback),
            ("POST", re.compile(r"/webhooks/(\d+)/([^/]+)"), self._post_followup),
            ("GET", re.compile(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"), self._get_wh),
            (
                "PATCH",
                re.compile(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"),
                self._edit_wh,
            ),
            (
                "DELETE",
                re.compile(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"),
                self._del_wh,
            ),
        ]

    # ---------------------------------------------------------------- REST plumbing

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        content_type = request.headers.get("Content-Type", "")
        body, files = await self._read_body(request, content_type)
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            body=body,
            files=files,
            at=self.fake.clock(),
            content_type=content_type,
        )
        self.fake.requests.append(record)
        headers: dict[str, str] = {}
        try:
            rule = self._rate_limited(record)
            if rule is not None:
                status, data = 429, self._rate_limit_body(rule)
                headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(rule.retry_after)))}
                if rule.is_global:
                    headers["X-RateLimit-Global"] = "true"
            else:
                self._check_auth(request, path)
                status, data = await self._route(record)
        except DiscordError as error:
            status, data = error.status, {"message": error.message, "code": error.code}
        record.status = status
        self.fake.notify()
        return self._respond(status, data, headers)

    async def _route(self, record: RecordedRequest) -> _Answer:
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(record.path)
            if method == record.method and match is not None:
                return await handler(record, match)
        raise DiscordError(404, 0, "404: Not Found")

    def _check_auth(self, request: web.Request, path: str) -> None:
        if path.startswith(("/interactions/", "/webhooks/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.fake.token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    def _rate_limited(self, record: RecordedRequest) -> RateLimitRule | None:
        for rule in self.fake.rate_limits:
            if rule.remaining > 0 and record.matches(rule.method, rule.pattern):
                rule.remaining -= 1
                return rule
        return None

    @staticmethod
    def _rate_limit_body(rule: RateLimitRule) -> JSON:
        return {
            "message": "You are being rate limited.",
            "retry_after": rule.retry_after,
            "global": rule.is_global,
        }

    @staticmethod
    def _respond(status: int, data: Any, headers: dict[str, str]) -> web.Response:
        if data is None:
            return web.Response(status=204 if status == 200 else status, headers=headers)
        # discord.py compares the content type with == "application/json": no charset.
        return web.Response(
            status=status,
            body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", **headers},
        )

    @staticmethod
    async def _read_body(request: web.Request, content_type: str) -> tuple[Any, list[UploadedFile]]:
        if content_type.startswith("multipart/"):
            payload: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                raw = await part.read()
                if part.name == "payload_json":
                    payload = json.loads(raw)
                else:
                    files.append(
                        UploadedFile(
                            field=part.name or "",
                            filename=part.filename or "",
                            content_type=part.headers.get("Content-Type", ""),
                            data=bytes(raw),
                        )
                    )
            return payload, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    async def attachment(self, request: web.Request) -> web.Response:
        stored = self.fake.files.get(request.match_info["id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.content_type or None)

    # ---------------------------------------------------------------- REST: login, commands

    async def _get_me(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, self.fake.bot.payload() | {"verified": True, "mfa_enabled": False, "flags": 0}

    async def _get_application(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, application_payload(self.fake.application_id, self.fake.owner)

    async def _get_gateway(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, {
            "url": self.fake.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    def _check_application(self, match: re.Match[str]) -> int | None:
        if int(match.group(1)) != self.fake.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        return int(match.group(2)) if match.lastindex and match.lastindex > 1 else None

    async def _put_commands(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        guild_id = self._check_application(match)
        problems = [p for command in record.body or [] for p in command_problems(command)]
        if len(record.body or []) > 100:
            problems.append("at most 100 commands")
        if problems:
            raise DiscordError(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        stored: dict[str, JSON] = {}
        for command in record.body or []:
            key = (guild_id, command["name"])
            command_id = self.fake.command_ids.setdefault(key, self.fake.ids.next())
            stored[command["name"]] = {
                **command,
                "id": str(command_id),
                "application_id": str(self.fake.application_id),
                "version": str(self.fake.ids.next()),
                "type": command.get("type", 1),
                "default_member_permissions": permission_string(
                    command.get("default_member_permissions")
                ),
            } | ({"guild_id": str(guild_id)} if guild_id else {})
        if guild_id is None:
            self.fake.global_commands = stored
        else:
            self.fake.guild_commands[guild_id] = stored
        return 200, list(stored.values())

    async def _get_commands(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        guild_id = self._check_application(match)
        return 200, list(self.fake.commands(guild_id).values())

    # ---------------------------------------------------------------- REST: channel messages

    def _channel(self, channel_id: int) -> FakeGuild:
        for guild in self.fake.guilds.values():
            if channel_id in guild.channels:
                return guild
        raise DiscordError(404, 10003, "Unknown Channel")

    async def _get_channel(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        channel_id = int(match.group(1))
        return 200, self._channel(channel_id).channel_payload(channel_id)

    def _stored(self, channel_id: int, message_id: int) -> JSON:
        message = self.fake.messages.get(message_id)
        if message is None or self.fake.message_channel[message_id] != channel_id:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _post_message(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        channel_id = int(match.group(1))
        self._channel(channel_id)
        if channel_id in self.fake.no_access:
            raise DiscordError(403, 50001, "Missing Access")
        body = record.body or {}
        reference = body.get("message_reference")
        if reference:
            referenced = self.fake.messages.get(int(reference["message_id"]))
            if referenced is None and reference.get("fail_if_not_exists", True):
                raise DiscordError(400, 50035, "Invalid Form Body: Unknown message")
        message = self._create(channel_id, body, record.files)
        return 200, message

    async def _get_message(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, self._stored(int(match.group(1)), int(match.group(2)))

    async def _patch_message(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        message = self._stored(int(match.group(1)), int(match.group(2)))
        if message["author"]["id"] != str(self.fake.bot.id):
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self._edit(message, record.body or {}, record.files)
        return 200, message

    async def _delete_message(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        message_id = int(match.group(2))
        self._stored(int(match.group(1)), message_id)
        del self.fake.messages[message_id]
        return 204, None

    def _create(
        self,
        channel_id: int,
        body: JSON,
        files: list[UploadedFile],
        *,
        interaction: InteractionRecord | None = None,
    ) -> JSON:
        problems = message_problems(body)
        if problems:
            raise DiscordError(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        attachments = self._attachments(body, files, [])
        flags = int(body.get("flags") or 0)
        if not (body.get("content") or body.get("embeds") or attachments or flags & LOADING):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        message_id = self.fake.ids.next()
        message = message_payload(
            message_id=message_id,
            channel_id=channel_id,
            author=self.fake.bot,
            body=body,
            attachments=attachments,
            application_id=self.fake.application_id if interaction else None,
            message_type=CHAT_INPUT_MESSAGE if interaction and interaction.type == 2 else 0,
        )
        if interaction is not None:
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self.fake.user(interaction.user_id).payload(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id)},
            }
            interaction.message_ids.append(message_id)
        self.fake.messages[message_id] = message
        self.fake.message_channel[message_id] = channel_id
        return message

    def _edit(self, message: JSON, body: JSON, files: list[UploadedFile]) -> None:
        problems = message_problems(body)
        if problems:
            raise DiscordError(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in body:
                message[key] = body[key] if body[key] is not None else empty
        if "attachments" in body or files:
            message["attachments"] = self._attachments(body, files, message["attachments"])
        message["flags"] = int(message.get("flags") or 0) & ~LOADING
        message["edited_timestamp"] = iso_now()

    def _attachments(
        self, body: JSON, files: list[UploadedFile], current: list[JSON]
    ) -> list[JSON]:
        """Keep listed existing attachments, add uploaded files (by index) as new ones."""
        listed = body.get("attachments")
        if listed is None:
            keep, new_indexes = list(current), list(range(len(files)))
        else:
            existing = {str(a["id"]): a for a in current}
            keep = [existing[str(a["id"])] for a in listed if str(a.get("id")) in existing]
            new_indexes = [
                int(a["id"])
                for a in listed
                if str(a.get("id")) not in existing and str(a.get("id")).isdigit()
            ]
        added = []
        for index in new_indexes:
            if index >= len(files):
                raise DiscordError(400, 50035, f"Invalid Form Body: no file {index}")
            upload = files[index]
            attachment_id = str(self.fake.ids.next())
            self.fake.files[attachment_id] = upload
            url = f"{self.fake.base_url}/attachments/{attachment_id}/{upload.filename}"
            added.append(
                {
                    "id": attachment_id,
                    "filename": upload.filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                }
            )
        return keep + added

    # ---------------------------------------------------------------- REST: interactions

    def _interaction(self, interaction_id: int | None, token: str) -> InteractionRecord:
        for record in self.fake.interactions:
            if record.token == token and interaction_id in (None, record.id):
                return record
        raise DiscordError(404, 10062 if interaction_id else 10015, "Unknown interaction")

    async def _callback(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        interaction = self._interaction(int(match.group(1)), match.group(2))
        if interaction.acknowledged:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        first = interaction.first_response_at is None
        if first:
            interaction.first_response_at = record.at
            interaction.first_response_status = 404
        if record.at - interaction.dispatched_at > self.fake.ack_deadline:
            raise DiscordError(404, 10062, "Unknown interaction")
        body = record.body or {}
        kind = int(body.get("type") or 0)
        data = body.get("data") or {}
        allowed = {APPLICATION_COMMAND: {4, 5}, COMPONENT: {4, 5, 6, 7}, AUTOCOMPLETE: {8}}
        if kind not in allowed[interaction.type]:
            raise DiscordError(400, 50035, f"Invalid Form Body: callback type {kind}")
        resource: JSON | None = None
        if kind == 8:
            choices = list(data.get("choices") or [])
            if len(choices) > 25:
                raise DiscordError(400, 50035, "Invalid Form Body: at most 25 choices")
            interaction.choices = choices
        elif kind in (4, 5):
            created = dict(data)
            if kind == 5:
                created = {"flags": LOADING | (int(data.get("flags") or 0) & EPHEMERAL)}
            resource = self._create(
                interaction.channel_id, created, record.files, interaction=interaction
            )
            interaction.original_id = int(resource["id"])
            if kind == 4:
                interaction.replies.append(interaction.original_id)
        else:
            clicked = int(interaction.payload["message"]["id"])
            interaction.original_id = clicked
            if kind == 7:
                resource = self.fake.messages.get(clicked)
                if resource is None:
                    raise DiscordError(404, 10008, "Unknown Message")
                self._edit(resource, data, record.files)
                interaction.replies.append(clicked)
        interaction.acknowledged = True
        interaction.callbacks.append(body)
        if first:
            interaction.first_response_status = 200
        if "with_response" not in record.query:
            return 204, None
        answer: JSON = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_id": str(interaction.original_id or ""),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
            }
        }
        if resource is not None:
            answer["resource"] = {"type": kind, "message": resource}
        return 200, answer

    def _webhook_interaction(self, match: re.Match[str]) -> InteractionRecord:
        if int(match.group(1)) != self.fake.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        interaction = self._interaction(None, match.group(2))
        if not interaction.acknowledged:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if self.fake.clock() - interaction.dispatched_at > TOKEN_LIFETIME:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return interaction

    def _webhook_message(self, interaction: InteractionRecord, which: str) -> JSON:
        message_id = interaction.original_id if which == "@original" else int(which)
        if message_id is None or message_id not in self.fake.messages:
            raise DiscordError(404, 10008, "Unknown Message")
        if message_id != interaction.original_id and message_id not in interaction.message_ids:
            raise DiscordError(404, 10008, "Unknown Message")
        return self.fake.messages[message_id]

    async def _post_followup(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        interaction = self._webhook_interaction(match)
        body = record.body or {}
        original = self.fake.messages.get(interaction.original_id or 0)
        if original is not None and int(original.get("flags") or 0) & LOADING:
            # The first follow-up after a "thinking" defer replaces the loading message.
            self._edit(original, body, record.files)
            message = original
        else:
            message = self._create(
                interaction.channel_id, body, record.files, interaction=interaction
            )
        interaction.replies.append(int(message["id"]))
        wait = record.query.get("wait", "0").lower() in ("1", "true")
        return (200, message) if wait else (204, None)

    async def _get_wh(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, self._webhook_message(self._webhook_interaction(match), match.group(3))

    async def _edit_wh(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        interaction = self._webhook_interaction(match)
        message = self._webhook_message(interaction, match.group(3))
        was_loading = bool(int(message.get("flags") or 0) & LOADING)
        self._edit(message, record.body or {}, record.files)
        message_id = int(message["id"])
        if was_loading or message_id not in interaction.replies:
            interaction.replies.append(message_id)
        return 200, message

    async def _del_wh(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        interaction = self._webhook_interaction(match)
        message = self._webhook_message(interaction, match.group(3))
        del self.fake.messages[int(message["id"])]
        return 204, None
