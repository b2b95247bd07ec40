"""A local fake of Discord for end-to-end tests: the gateway websocket and the REST API.

The real discord.py client runs against it once ``discord.http.Route.BASE`` is set to
``fake.api_base`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` to ``fake.gateway_url`` (the
settings ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``). It listens on 127.0.0.1 only.

It records every REST request with the time it arrived, and for every interaction the
time from dispatch to its first response; a first response later than ``ack_deadline``
(Discord's 3 s) gets 404 code 10062 as Discord answers it. It keeps the messages the bot
posted (content, embeds, components, attachments) so tests can read them and click
their buttons, and it can answer 429 to chosen routes the way Discord does (a ``Via``
header and a JSON body with ``retry_after``), which discord.py honours and retries.
Tests wait on conditions (``wait_for`` and friends), never on fixed sleeps.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import BodyPartReader, WSMsgType, web

from tests.harness.discord_commands import OptionBuilder, command_problems, permission_string
from tests.harness.discord_payloads import (
    CHAT_INPUT_MESSAGE,
    EPHEMERAL,
    JSON,
    LOADING,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeGuild,
    FakeUser,
    Snowflakes,
    application_payload,
    guild_create_payload,
    iso_now,
    iter_buttons,
    member_payload,
    message_payload,
    message_problems,
)

T = TypeVar("T")

APPLICATION_COMMAND = 2
COMPONENT = 3
AUTOCOMPLETE = 4
GUILDS_INTENT = 1 << 0
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


@dataclass
class GatewaySession:
    ws: web.WebSocketResponse
    seq: int = 0
    intents: int | None = None
    ready: bool = False
    closed: bool = False

    async def send(self, frame: JSON) -> None:
        await self.ws.send_str(json.dumps(frame))

    async def dispatch(self, event: str, data: JSON) -> None:
        self.seq += 1
        await self.send({"op": 0, "t": event, "s": self.seq, "d": data})


_Answer = tuple[int, Any]
_Handler = Callable[[RecordedRequest, "re.Match[str]"], Awaitable[_Answer]]


class FakeDiscord:
    """The fake server plus the helpers tests drive it with (slash, click, wait_for...)."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        clock: Callable[[], float] = time.monotonic,
        ack_deadline: float = 3.0,
    ) -> None:
        self.token = token
        self.clock = clock
        self.ack_deadline = ack_deadline
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot = FakeUser(self.application_id, "studybot", bot=True)
        self.owner = FakeUser(self.ids.next(), "owner")
        self.guilds: dict[int, FakeGuild] = {}
        self.users: dict[int, FakeUser] = {}
        self.requests: list[RecordedRequest] = []
        self.interactions: list[InteractionRecord] = []
        self.identify_payloads: list[JSON] = []
        self.heartbeats = 0
        self.sessions: list[GatewaySession] = []
        self.messages: dict[int, JSON] = {}
        self.message_channel: dict[int, int] = {}
        self.files: dict[str, UploadedFile] = {}
        self.global_commands: dict[str, JSON] = {}
        self.guild_commands: dict[int, dict[str, JSON]] = {}
        self.command_ids: dict[tuple[int | None, str], int] = {}
        self.rate_limits: list[RateLimitRule] = []
        self.options = OptionBuilder(self.user, self.guild_of_channel)
        self._waiters: list[asyncio.Future[None]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], _Handler]] = [
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

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for DISCORD_API_BASE (discord.http.Route.BASE)."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The value for DISCORD_GATEWAY_URL (DiscordWebSocket.DEFAULT_GATEWAY)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        for session in self.sessions:
            if not session.closed:
                await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- world set-up

    def add_guild(
        self, guild_id: int, name: str = "", channels: list[int] | None = None
    ) -> FakeGuild:
        """A guild the bot is in (sent in READY/GUILD_CREATE to clients that connect later)."""
        guild = FakeGuild(guild_id, name or f"guild-{guild_id}", list(channels or []))
        self.guilds[guild_id] = guild
        return guild

    def user(self, user_id: int, name: str = "") -> FakeUser:
        """The member with this id, created on first use."""
        if user_id not in self.users:
            self.users[user_id] = FakeUser(user_id, name or f"user{user_id}")
        return self.users[user_id]

    def guild_of_channel(self, channel_id: int) -> FakeGuild:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild
        raise AssertionError(f"channel {channel_id} is in no guild of the fake")

    def inject_429(
        self,
        method: str,
        pattern: str,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> RateLimitRule:
        """Answer the next `times` requests matching (method, path regex) with a 429."""
        rule = RateLimitRule(method, pattern, times, retry_after, is_global)
        self.rate_limits.append(rule)
        return rule

    # ---------------------------------------------------------------- waiting

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(
        self, probe: Callable[[], T | None], *, within: float = 5.0, what: str = "a condition"
    ) -> T:
        """Return probe()'s first value that is not None/False.

        The probe is re-checked whenever the fake's state changes (a request, a gateway
        frame), so it should look at the fake, not at state only the bot changes.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = probe()
            if result is not None and result is not False:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"fake Discord: timed out after {within}s waiting for {what}")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.remove(waiter)

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], *, within: float = 5.0
    ) -> RecordedRequest:
        """The first recorded request (answered) that matches."""

        def probe() -> RecordedRequest | None:
            return next((r for r in self.requests if r.status and predicate(r)), None)

        return await self.wait_for(probe, within=within, what="a matching request")

    async def wait_for_message(
        self, predicate: Callable[[JSON], bool], *, within: float = 5.0
    ) -> JSON:
        """A copy of the first channel message (as it is now) that matches."""

        def probe() -> JSON | None:
            return next((m for m in self.channel_messages() if predicate(m)), None)

        return await self.wait_for(probe, within=within, what="a matching channel message")

    async def wait_connected(self, *, within: float = 10.0) -> None:
        """Until a client has identified and received its guilds."""
        await self.wait_for(self._live_session, within=within, what="a gateway client")

    async def response(self, interaction: InteractionRecord, *, within: float = 5.0) -> None:
        """Until the bot has answered (or tried to answer) the interaction."""
        await self.wait_for(
            lambda: interaction.first_response_at is not None,
            within=within,
            what=f"a first response to interaction {interaction.id}",
        )

    async def reply(
        self, interaction: InteractionRecord, index: int = 0, *, within: float = 5.0
    ) -> JSON:
        """A copy of the index-th visible message the bot gave in answer (not a loading one)."""
        await self.wait_for(
            lambda: len(interaction.replies) > index,
            within=within,
            what=f"reply {index} to interaction {interaction.id}",
        )
        return self.message(interaction.replies[index])

    async def choices(self, interaction: InteractionRecord, *, within: float = 5.0) -> list[JSON]:
        """The autocomplete choices the bot returned."""
        return await self.wait_for(
            lambda: interaction.choices,
            within=within,
            what=f"autocomplete choices for {interaction.id}",
        )

    # ---------------------------------------------------------------- reading state

    def message(self, message_id: int | str) -> JSON:
        return copy.deepcopy(self.messages[int(message_id)])

    def channel_messages(self, channel_id: int | None = None) -> list[JSON]:
        """Copies of the (non-ephemeral) channel messages, oldest first."""
        return [
            copy.deepcopy(message)
            for mid, message in self.messages.items()
            if not int(message.get("flags") or 0) & EPHEMERAL
            and (channel_id is None or self.message_channel[mid] == channel_id)
        ]

    def attachment_bytes(self, attachment: JSON) -> bytes:
        return self.files[str(attachment["id"])].data

    def requests_matching(self, method: str, pattern: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.matches(method, pattern)]

    def commands(self, guild_id: int | None = None) -> dict[str, JSON]:
        """The commands the bot registered globally (None) or for one guild."""
        if guild_id is None:
            return dict(self.global_commands)
        return dict(self.guild_commands.get(guild_id, {}))

    def slow_interactions(self, limit: float | None = None) -> list[InteractionRecord]:
        """Interactions whose first response never came or came `limit` s or more later."""
        bound = self.ack_deadline if limit is None else limit
        return [i for i in self.interactions if i.ack_delay is None or i.ack_delay >= bound]

    # ---------------------------------------------------------------- acting as users

    async def slash(
        self,
        guild: int,
        channel: int,
        user: int,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        manage: bool = False,
    ) -> InteractionRecord:
        """A member runs a slash command; `name` may name a subcommand ("drill set")."""
        data = self._command_data(guild, name, dict(options or {}), focused=None)
        return await self._dispatch(APPLICATION_COMMAND, guild, channel, user, manage, data)

    async def autocomplete(
        self,
        guild: int,
        channel: int,
        user: int,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        manage: bool = False,
    ) -> InteractionRecord:
        """A member types into option `focused`; the record's `choices` gets the answer."""
        data = self._command_data(guild, name, dict(options), focused=focused)
        return await self._dispatch(AUTOCOMPLETE, guild, channel, user, manage, data)

    async def click(
        self,
        message: JSON,
        custom_id: str,
        user: int,
        *,
        manage: bool = False,
        guild: int | None = None,
        channel: int | None = None,
        forge: bool = False,
        with_components: bool = True,
    ) -> InteractionRecord:
        """A member clicks a button of `message` (a copy, so an old snapshot works too).

        `forge` puts an arbitrary custom_id on the message's first button, as a tampered
        client would; `guild`/`channel` let the click claim another place.
        `with_components=False` drops the components, as Discord has done on ephemerals.
        """
        clicked = copy.deepcopy(message)
        buttons = iter_buttons(clicked)
        target = next((b for b in buttons if b.get("custom_id") == custom_id), None)
        if forge:
            if not buttons:
                raise AssertionError("forge needs a message with at least one button")
            buttons[0]["custom_id"] = custom_id
            buttons[0]["disabled"] = False
        elif target is None:
            raise AssertionError(f"no button {custom_id!r} on message {message.get('id')}")
        elif target.get("disabled"):
            raise AssertionError(f"button {custom_id!r} is disabled; Discord allows no click")
        if not with_components:
            clicked["components"] = []
        channel_id = channel if channel is not None else int(clicked["channel_id"])
        guild_id = guild if guild is not None else self.guild_of_channel(channel_id).id
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._dispatch(
            COMPONENT, guild_id, channel_id, user, manage, data, message=clicked
        )

    def _command_data(
        self, guild_id: int, name: str, values: dict[str, Any], focused: str | None
    ) -> JSON:
        top, *path = name.split()
        command = self.guild_commands.get(guild_id, {}).get(top) or self.global_commands.get(top)
        if command is None:
            raise AssertionError(f"/{top} was never synced to guild {guild_id} or globally")
        return self.options.command_data(command, path, values, focused)

    async def _dispatch(
        self,
        kind: int,
        guild_id: int,
        channel_id: int,
        user_id: int,
        manage: bool,
        data: JSON,
        message: JSON | None = None,
    ) -> InteractionRecord:
        session = await self.wait_for(self._live_session, what="a gateway client")
        guild = self.guilds.get(guild_id) or FakeGuild(guild_id, f"guild-{guild_id}", [channel_id])
        member = self.user(user_id)
        permissions = MEMBER_PERMISSIONS | (MANAGE_GUILD if manage else 0)
        interaction_id = self.ids.next()
        token = f"tok{interaction_id}x{len(self.interactions)}"
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild_id),
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": guild.channel_payload(channel_id),
            "member": member_payload(member, permissions),
            "token": token,
            "version": 1,
            "app_permissions": str(MEMBER_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(
            id=interaction_id,
            token=token,
            type=kind,
            payload=payload,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            dispatched_at=self.clock(),
        )
        self.interactions.append(record)
        await session.dispatch("INTERACTION_CREATE", payload)
        return record

    # ---------------------------------------------------------------- gateway

    async def request_reconnect(self) -> None:
        """Ask the connected client to reconnect (op 7), as Discord does now and then.

        Its RESUME is refused (op 9), so it identifies again on a new session."""
        session = self._live_session()
        assert session is not None, "no client is connected"
        await session.send({"op": 7, "d": None})

    def _live_session(self) -> GatewaySession | None:
        live = [s for s in self.sessions if s.ready and not s.closed]
        return live[-1] if live else None

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = GatewaySession(ws)
        self.sessions.append(session)
        try:
            await session.send({"op": 10, "d": {"heartbeat_interval": 41250}})
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                op = message.get("op")
                if op == 1:
                    self.heartbeats += 1
                    await session.send({"op": 11})
                elif op == 2:
                    await self._identify(session, message["d"])
                elif op == 6:
                    await session.send({"op": 9, "d": False})
        finally:
            session.closed = True
            self._notify()
        return ws

    async def _identify(self, session: GatewaySession, data: JSON) -> None:
        self.identify_payloads.append(data)
        if data.get("token") != self.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        session.intents = int(data.get("intents") or 0)
        me = self.bot.payload() | {"verified": True, "mfa_enabled": False, "flags": 0}
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": me,
                "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
                "session_id": f"session-{len(self.sessions)}",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        if session.intents & GUILDS_INTENT:
            for guild in self.guilds.values():
                await session.dispatch("GUILD_CREATE", guild_create_payload(guild, self.bot))
        session.ready = True
        self._notify()

    # ---------------------------------------------------------------- REST plumbing

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        content_type = request.headers.get("Content-Type", "")
        body, files = await self._read_body(request, content_type)
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            body=body,
            files=files,
            at=self.clock(),
            content_type=content_type,
        )
        self.requests.append(record)
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
        self._notify()
        return self._respond(status, data, headers)

    async def _route(self, record: RecordedRequest) -> _Answer:
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(record.path)
            if method == record.method and match is not None:
                return await handler(record, match)
        raise DiscordError(404, 0, "404: Not Found")

    def _check_auth(self, request: web.Request, path: str) -> None:
        if path.startswith(("/interactions/", "/webhooks/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    def _rate_limited(self, record: RecordedRequest) -> RateLimitRule | None:
        for rule in self.rate_limits:
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

    async def _attachment(self, request: web.Request) -> web.Response:
        stored = self.files.get(request.match_info["id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.content_type or None)

    # ---------------------------------------------------------------- REST: login, commands

    async def _get_me(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, self.bot.payload() | {"verified": True, "mfa_enabled": False, "flags": 0}

    async def _get_application(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, application_payload(self.application_id, self.owner)

    async def _get_gateway(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    def _check_application(self, match: re.Match[str]) -> int | None:
        if int(match.group(1)) != self.application_id:
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
            command_id = self.command_ids.setdefault(key, self.ids.next())
            stored[command["name"]] = {
                **command,
                "id": str(command_id),
                "application_id": str(self.application_id),
                "version": str(self.ids.next()),
                "type": command.get("type", 1),
                "default_member_permissions": permission_string(
                    command.get("default_member_permissions")
                ),
            } | ({"guild_id": str(guild_id)} if guild_id else {})
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return 200, list(stored.values())

    async def _get_commands(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        guild_id = self._check_application(match)
        return 200, list(self.commands(guild_id).values())

    # ---------------------------------------------------------------- REST: channel messages

    def _channel(self, channel_id: int) -> FakeGuild:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild
        raise DiscordError(404, 10003, "Unknown Channel")

    async def _get_channel(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        channel_id = int(match.group(1))
        return 200, self._channel(channel_id).channel_payload(channel_id)

    def _stored(self, channel_id: int, message_id: int) -> JSON:
        message = self.messages.get(message_id)
        if message is None or self.message_channel[message_id] != channel_id:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _post_message(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        channel_id = int(match.group(1))
        self._channel(channel_id)
        body = record.body or {}
        reference = body.get("message_reference")
        if reference:
            referenced = self.messages.get(int(reference["message_id"]))
            if referenced is None and reference.get("fail_if_not_exists", True):
                raise DiscordError(400, 50035, "Invalid Form Body: Unknown message")
        message = self._create(channel_id, body, record.files)
        return 200, message

    async def _get_message(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        return 200, self._stored(int(match.group(1)), int(match.group(2)))

    async def _patch_message(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        message = self._stored(int(match.group(1)), int(match.group(2)))
        if message["author"]["id"] != str(self.bot.id):
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self._edit(message, record.body or {}, record.files)
        return 200, message

    async def _delete_message(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        message_id = int(match.group(2))
        self._stored(int(match.group(1)), message_id)
        del self.messages[message_id]
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
        message_id = self.ids.next()
        message = message_payload(
            message_id=message_id,
            channel_id=channel_id,
            author=self.bot,
            body=body,
            attachments=attachments,
            application_id=self.application_id if interaction else None,
            message_type=CHAT_INPUT_MESSAGE if interaction and interaction.type == 2 else 0,
        )
        if interaction is not None:
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self.user(interaction.user_id).payload(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id)},
            }
            interaction.message_ids.append(message_id)
        self.messages[message_id] = message
        self.message_channel[message_id] = channel_id
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
            attachment_id = str(self.ids.next())
            self.files[attachment_id] = upload
            url = f"{self.base_url}/attachments/{attachment_id}/{upload.filename}"
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
        for record in self.interactions:
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
        if record.at - interaction.dispatched_at > self.ack_deadline:
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
                resource = self.messages.get(clicked)
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
        if int(match.group(1)) != self.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        interaction = self._interaction(None, match.group(2))
        if not interaction.acknowledged:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if self.clock() - interaction.dispatched_at > TOKEN_LIFETIME:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return interaction

    def _webhook_message(self, interaction: InteractionRecord, which: str) -> JSON:
        message_id = interaction.original_id if which == "@original" else int(which)
        if message_id is None or message_id not in self.messages:
            raise DiscordError(404, 10008, "Unknown Message")
        if message_id != interaction.original_id and message_id not in interaction.message_ids:
            raise DiscordError(404, 10008, "Unknown Message")
        return self.messages[message_id]

    async def _post_followup(self, record: RecordedRequest, match: re.Match[str]) -> _Answer:
        interaction = self._webhook_interaction(match)
        body = record.body or {}
        original = self.messages.get(interaction.original_id or 0)
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
        del self.messages[int(message["id"])]
        return 204, None
