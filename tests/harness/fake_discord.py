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
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from tests.harness.discord_commands import OptionBuilder
from tests.harness.discord_payloads import (
    EPHEMERAL,
    JSON,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeGuild,
    FakeUser,
    Snowflakes,
    guild_create_payload,
    iter_buttons,
    member_payload,
)
from tests.harness.discord_rest import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    COMPONENT,
    DiscordRest,
    InteractionRecord,
    RateLimitRule,
    RecordedRequest,
    UploadedFile,
)

T = TypeVar("T")

GUILDS_INTENT = 1 << 0


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
        self.no_access: set[int] = set()  # channels the bot may not post in (403 50001)
        self.files: dict[str, UploadedFile] = {}
        self.global_commands: dict[str, JSON] = {}
        self.guild_commands: dict[int, dict[str, JSON]] = {}
        self.command_ids: dict[tuple[int | None, str], int] = {}
        self.rate_limits: list[RateLimitRule] = []
        self.options = OptionBuilder(self.user, self.guild_of_channel)
        self._waiters: list[asyncio.Future[None]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.rest = DiscordRest(self)

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
        app.router.add_get("/attachments/{id}/{name}", self.rest.attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
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

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(
        self, probe: Callable[[], T | None], *, within: float = 20.0, what: str = "a condition"
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
        self, predicate: Callable[[RecordedRequest], bool], *, within: float = 20.0
    ) -> RecordedRequest:
        """The first recorded request (answered) that matches."""

        def probe() -> RecordedRequest | None:
            return next((r for r in self.requests if r.status and predicate(r)), None)

        return await self.wait_for(probe, within=within, what="a matching request")

    async def wait_for_message(
        self, predicate: Callable[[JSON], bool], *, within: float = 20.0
    ) -> JSON:
        """A copy of the first channel message (as it is now) that matches."""

        def probe() -> JSON | None:
            return next((m for m in self.channel_messages() if predicate(m)), None)

        return await self.wait_for(probe, within=within, what="a matching channel message")

    async def wait_connected(self, *, within: float = 30.0) -> None:
        """Until a client has identified and received its guilds."""
        await self.wait_for(self._live_session, within=within, what="a gateway client")

    async def response(self, interaction: InteractionRecord, *, within: float = 20.0) -> None:
        """Until the bot has answered (or tried to answer) the interaction."""
        await self.wait_for(
            lambda: interaction.first_response_at is not None,
            within=within,
            what=f"a first response to interaction {interaction.id}",
        )

    async def reply(
        self, interaction: InteractionRecord, index: int = 0, *, within: float = 20.0
    ) -> JSON:
        """A copy of the index-th visible message the bot gave in answer (not a loading one)."""
        await self.wait_for(
            lambda: len(interaction.replies) > index,
            within=within,
            what=f"reply {index} to interaction {interaction.id}",
        )
        return self.message(interaction.replies[index])

    async def choices(self, interaction: InteractionRecord, *, within: float = 20.0) -> list[JSON]:
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
            self.notify()
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
        self.notify()
