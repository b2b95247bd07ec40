"""A local fake of Slack for end-to-end tests: Web API, Socket Mode, response URLs, signing.

Everything listens on 127.0.0.1 only. The fake records every call it receives with the
monotonic time it arrived, keeps the messages it was asked to post, can answer 429 on
demand or by enforcing Slack's per-channel pace, and speaks the Socket Mode envelope
protocol over a websocket. Tests wait on conditions (``wait_for``), never on fixed sleeps.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

JsonDict = dict[str, Any]

# Methods whose handler needs only the merged arguments; each returns a JSON body.
_Handler = Callable[[JsonDict, "str | None"], JsonDict]


@dataclass
class Call:
    """One Web API request as the fake saw it."""

    method: str
    args: JsonDict
    token: str | None
    at: float
    status: int = 200
    response: JsonDict = field(default_factory=dict)
    connection: int = 0  # the caller's port: calls over one kept-alive connection share it


@dataclass
class Message:
    """A message the bot posted (or that a test posted as a user) in a channel."""

    channel: str
    ts: str
    text: str
    blocks: list[JsonDict]
    thread_ts: str | None
    user: str
    edits: list[JsonDict] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[JsonDict]
    thread_ts: str | None
    message_ts: str


@dataclass
class SlackUser:
    id: str
    name: str
    team_id: str
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    tz: str = "UTC"


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str | None = None
    channel: str | None = None
    completed: bool = False


@dataclass
class Ack:
    """A Socket Mode acknowledgement: the envelope it answers and the optional payload."""

    envelope_id: str
    payload: JsonDict | None
    at: float


@dataclass
class ResponsePost:
    """A POST to a response_url handed out by the fake."""

    key: str
    body: JsonDict
    at: float


@dataclass
class Pace:
    """A token bucket: ``per_second`` steady rate with room for ``burst`` at once."""

    per_second: float
    burst: int

    def bucket(self, now: float) -> _Bucket:
        return _Bucket(self, float(self.burst), now)


@dataclass
class _Bucket:
    pace: Pace
    tokens: float
    updated: float

    def wait(self, now: float) -> int:
        """Whole seconds until one token is free (0 when one is free now)."""
        self.tokens = min(
            float(self.pace.burst), self.tokens + (now - self.updated) * self.pace.per_second
        )
        self.updated = now
        if self.tokens >= 1:
            return 0
        return max(1, math.ceil((1 - self.tokens) / self.pace.per_second))


class SlackApiFailure(Exception):
    """Raised inside a handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeSlack:
    """The fake workspace. Use as ``async with FakeSlack() as slack:``."""

    def __init__(
        self,
        *,
        team_id: str = "T0FAKE",
        team_name: str = "Fake Workspace",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        bot_token: str = "xoxb-fake-token",
        app_token: str = "xapp-fake-token",
        signing_secret: str = "fake-signing-secret",
        channel_pace: Pace | None = None,
        workspace_pace: Pace | None = None,
        auto_users: bool = True,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.channel_pace = channel_pace
        self.workspace_pace = workspace_pace
        self.auto_users = auto_users

        self.calls: list[Call] = []
        self.messages: list[Message] = []
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, list[JsonDict]] = defaultdict(list)
        self.files: dict[str, UploadedFile] = {}
        self.users: dict[str, SlackUser] = {}
        self.responses: list[ResponsePost] = []
        self.acks: dict[str, Ack] = {}
        self.socket_connections = 0
        self.not_in: set[str] = set()  # channels the bot was never invited to

        self._rate_limited: dict[str, list[int]] = defaultdict(list)
        self._observers: dict[str, list[Callable[[JsonDict], None]]] = defaultdict(list)
        self._channel_buckets: dict[str, _Bucket] = {}
        self._workspace_bucket: _Bucket | None = None
        self._changed = asyncio.Condition()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._handlers: dict[str, _Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": self._connections_open,
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(
            [
                web.route("*", "/api/{method}", self._api),
                web.post("/upload/{file_id}", self._upload),
                web.post("/response/{key}", self._response_url),
                web.get("/socket", self._socket),
            ]
        )
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """The Web API base for ``AsyncWebClient(base_url=...)`` (with its trailing slash)."""
        return f"{self.origin}/api/"

    def response_url(self) -> str:
        """A fresh response_url for a slash command or a click; posts to it are recorded."""
        return f"{self.origin}/response/{next(self._ids)}"

    # ------------------------------------------------------------ configuration

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        team_id: str | None = None,
        tz: str = "UTC",
    ) -> SlackUser:
        user = SlackUser(
            id=user_id,
            name=name or user_id.lower(),
            team_id=team_id or self.team_id,
            is_admin=is_admin,
            is_owner=is_owner,
            is_primary_owner=is_primary_owner,
            tz=tz,
        )
        self.users[user_id] = user
        return user

    def observe(self, method: str, observer: Callable[[JsonDict], None]) -> None:
        """Call ``observer(args)`` as each call of ``method`` arrives, before it is answered."""
        self._observers[method].append(observer)

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and ``Retry-After``."""
        self._rate_limited[method].extend([retry_after] * times)

    # ------------------------------------------------------------------ queries

    def calls_to(self, method: str, *, status: int | None = None) -> list[Call]:
        return [
            c for c in self.calls if c.method == method and (status is None or c.status == status)
        ]

    def posted(self, channel: str | None = None, *, top_level: bool = False) -> list[Message]:
        """Messages in ``channel`` (all channels when None); ``top_level`` drops thread replies."""
        return [
            m
            for m in self.messages
            if (channel is None or m.channel == channel)
            and not (top_level and m.thread_ts is not None)
        ]

    def thread(self, channel: str, ts: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and m.thread_ts == ts]

    def message(self, channel: str, ts: str) -> Message:
        for m in self.messages:
            if m.channel == channel and m.ts == ts:
                return m
        raise KeyError((channel, ts))

    def ephemerals_for(self, user: str) -> list[Ephemeral]:
        return [e for e in self.ephemerals if e.user == user]

    def dm_channel(self, user_id: str) -> str:
        return f"D{user_id}"

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self, predicate: Callable[[], Any], *, within: float = 20.0, what: str = ""
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change); return its value."""

        async def until() -> Any:
            async with self._changed:
                while True:
                    value = predicate()
                    if value:
                        return value
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(until(), within)
        except TimeoutError:
            raise AssertionError(
                f"fake Slack: timed out after {within}s waiting for {what or predicate}"
            ) from None

    async def wait_for_calls(
        self, method: str, count: int = 1, *, within: float = 20.0
    ) -> list[Call]:
        """Wait until ``method`` has answered ``count`` successful calls; return them."""

        def enough() -> list[Call] | None:
            done = self.calls_to(method, status=200)
            return done if len(done) >= count else None

        result: list[Call] = await self.wait_for(enough, within=within, what=f"{count}x {method}")
        return result

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ Web API

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _merged_args(request)
        token = _bearer(request) or args.pop("token", None)
        now = time.monotonic()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        call = Call(method, args, token, now, connection=int(peer[1]) if peer else 0)
        self.calls.append(call)
        for observer in self._observers.get(method, ()):
            observer(args)
        try:
            retry_after = self._throttle(method, args, now)
            if retry_after:
                call.status = 429
                call.response = {"ok": False, "error": "ratelimited"}
                return web.json_response(
                    call.response, status=429, headers={"Retry-After": str(retry_after)}
                )
            handler = self._handlers.get(method)
            if handler is None:
                call.response = {"ok": False, "error": "unknown_method"}
                return web.json_response(call.response, status=404)
            try:
                call.response = handler(args, token)
            except SlackApiFailure as failure:
                call.response = {"ok": False, "error": failure.error}
            return web.json_response(call.response)
        finally:
            await self._notify()

    def _throttle(self, method: str, args: JsonDict, now: float) -> int:
        queued = self._rate_limited.get(method)
        if queued:
            return queued.pop(0)
        if method != "chat.postMessage":
            return 0
        buckets: list[_Bucket] = []
        if self.channel_pace is not None:
            channel = str(args.get("channel", ""))
            if channel not in self._channel_buckets:
                self._channel_buckets[channel] = self.channel_pace.bucket(now)
            buckets.append(self._channel_buckets[channel])
        if self.workspace_pace is not None:
            if self._workspace_bucket is None:
                self._workspace_bucket = self.workspace_pace.bucket(now)
            buckets.append(self._workspace_bucket)
        wait = max((bucket.wait(now) for bucket in buckets), default=0)
        if not wait:
            for bucket in buckets:
                bucket.tokens -= 1
        return wait

    def _require_bot(self, token: str | None) -> None:
        if token is None:
            raise SlackApiFailure("not_authed")
        if token != self.bot_token:
            raise SlackApiFailure("invalid_auth")

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _auth_test(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        return {
            "ok": True,
            "url": f"{self.origin}/",
            "team": self.team_name,
            "user": "studybot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _post_message(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        channel = args.get("channel")
        if not channel:
            raise SlackApiFailure("channel_not_found")
        if channel in self.not_in:
            raise SlackApiFailure("not_in_channel")
        text = str(args.get("text") or "")
        blocks = _json_list(args.get("blocks"))
        if not text and not blocks:
            raise SlackApiFailure("no_text")
        message = Message(
            channel=str(channel),
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=_opt_str(args.get("thread_ts")),
            user=self.bot_user_id,
        )
        self.messages.append(message)
        return {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "message": _as_json(message),
        }

    def _update(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        try:
            message = self.message(str(args.get("channel")), str(args.get("ts")))
        except KeyError:
            raise SlackApiFailure("message_not_found") from None
        message.edits.append({"text": message.text, "blocks": message.blocks})
        if "text" in args:
            message.text = str(args["text"] or "")
        if "blocks" in args:
            message.blocks = _json_list(args["blocks"])
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}

    def _post_ephemeral(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        if not args.get("channel") or not args.get("user"):
            raise SlackApiFailure("invalid_arguments")
        ephemeral = Ephemeral(
            channel=str(args["channel"]),
            user=str(args["user"]),
            text=str(args.get("text") or ""),
            blocks=_json_list(args.get("blocks")),
            thread_ts=_opt_str(args.get("thread_ts")),
            message_ts=self._next_ts(),
        )
        self.ephemerals.append(ephemeral)
        return {"ok": True, "message_ts": ephemeral.message_ts}

    def _users_info(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        user_id = str(args.get("user") or "")
        user = self.users.get(user_id)
        if user is None and self.auto_users and user_id.startswith(("U", "W")):
            user = self.add_user(user_id)
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {
            "ok": True,
            "user": {
                "id": user.id,
                "team_id": user.team_id,
                "name": user.name,
                "real_name": user.name.title(),
                "tz": user.tz,
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "is_primary_owner": user.is_primary_owner,
                "is_bot": user.is_bot,
                "profile": {"display_name": user.name, "real_name": user.name.title()},
            },
        }

    def _conversations_open(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        users = str(args.get("users") or "")
        if not users or "," in users:
            raise SlackApiFailure("not_found" if not users else "not_supported_by_fake")
        return {"ok": True, "channel": {"id": self.dm_channel(users)}}

    def _views_publish(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackApiFailure("invalid_arguments")
        user = str(args.get("user_id") or "")
        self.views[user].append(view)
        return {"ok": True, "view": {"id": f"V{next(self._ids)}", **view}}

    def _get_upload_url(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        filename = args.get("filename")
        length = args.get("length")
        if not filename or length is None:
            raise SlackApiFailure("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = UploadedFile(id=file_id, filename=str(filename), length=int(length))
        return {"ok": True, "upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: JsonDict, token: str | None) -> JsonDict:
        self._require_bot(token)
        entries = _json_list(args.get("files"))
        if not entries:
            raise SlackApiFailure("invalid_arguments")
        channel = _opt_str(args.get("channel_id"))
        done: list[JsonDict] = []
        for entry in entries:
            upload = self.files.get(str(entry.get("id")))
            if upload is None or upload.data is None:
                raise SlackApiFailure("file_not_found")
            upload.title = _opt_str(entry.get("title"))
            upload.channel = channel
            upload.completed = True
            done.append({"id": upload.id, "name": upload.filename, "title": upload.title})
        if channel is not None:
            message = Message(
                channel=channel,
                ts=self._next_ts(),
                text=str(args.get("initial_comment") or ""),
                blocks=[],
                thread_ts=_opt_str(args.get("thread_ts")),
                user=self.bot_user_id,
                files=[d["id"] for d in done],
            )
            self.messages.append(message)
        return {"ok": True, "files": done}

    def _connections_open(self, args: JsonDict, token: str | None) -> JsonDict:
        if token != self.app_token:
            raise SlackApiFailure("invalid_auth" if token else "not_authed")
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket?ticket={next(self._ids)}"}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        self.calls.append(
            Call("upload", {"file_id": file_id, "size": len(data)}, None, time.monotonic())
        )
        upload = self.files.get(file_id)
        try:
            if upload is None:
                return web.Response(status=404, text="unknown upload")
            upload.data = data
            return web.Response(text=f"OK - {len(data)}")
        finally:
            await self._notify()

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append(ResponsePost(request.match_info["key"], body, time.monotonic()))
        await self._notify()
        return web.json_response({"ok": True})

    def responses_to(self, url: str) -> list[JsonDict]:
        key = url.rsplit("/", 1)[-1]
        return [r.body for r in self.responses if r.key == key]

    # -------------------------------------------------------------- Socket Mode

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": "A0FAKE"},
                "debug_info": {"host": "fake-slack"},
            }
        )
        await self._notify()
        try:
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(frame.data)
                envelope_id = data.get("envelope_id")
                if envelope_id:
                    self.acks[envelope_id] = Ack(envelope_id, data.get("payload"), time.monotonic())
                    await self._notify()
        finally:
            self._sockets.remove(ws)
            await self._notify()
        return ws

    async def wait_socket_connected(self, *, within: float = 20.0) -> None:
        await self.wait_for(lambda: self._sockets, within=within, what="a Socket Mode connection")

    async def send_envelope(
        self,
        kind: str,
        payload: JsonDict,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Send one Socket Mode envelope (slash_commands, interactive, events_api); its id."""
        if not self._sockets:
            raise AssertionError("fake Slack: no Socket Mode connection to send on")
        envelope_id = f"env-{next(self._ids)}"
        envelope: JsonDict = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": (
                kind != "events_api"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    async def wait_ack(self, envelope_id: str, *, within: float = 20.0) -> Ack:
        ack: Ack = await self.wait_for(
            lambda: self.acks.get(envelope_id), within=within, what=f"ack of {envelope_id}"
        )
        return ack

    async def ask_to_reconnect(self) -> None:
        """Send Slack's ``disconnect`` message, as Slack does before it rotates a connection."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": "refresh_requested"})


# ------------------------------------------------------------------ payload builders


def slash_command(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    team_id: str,
    response_url: str,
    command: str = "/study",
    user_name: str | None = None,
    trigger_id: str = "trigger-1",
) -> dict[str, str]:
    """The form fields Slack sends for a slash command (also the Socket Mode payload)."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": channel_id.lower(),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0FAKE",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions(
    *,
    action_id: str,
    value: str,
    user_id: str,
    team_id: str,
    channel_id: str,
    message_ts: str,
    response_url: str,
    block_id: str = "choices",
    container_ephemeral: bool = False,
) -> JsonDict:
    """A ``block_actions`` payload for one button click on a message."""
    return {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0FAKE",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": container_ephemeral,
        },
        "trigger_id": "trigger-2",
        "channel": {"id": channel_id, "name": channel_id.lower()},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def event_callback(event: JsonDict, *, team_id: str, event_id: str) -> JsonDict:
    """An Events API ``event_callback`` body carrying ``event``."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": "A0FAKE",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": team_id, "user_id": "U0BOT", "is_bot": True, "is_enterprise_install": False}
        ],
    }


def user_message(
    text: str, *, user: str, channel: str, ts: str, thread_ts: str | None = None
) -> JsonDict:
    """A ``message`` event from a person, optionally a reply in a thread."""
    event: JsonDict = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": "im" if channel.startswith("D") else "channel",
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


# -------------------------------------------------------------------- signed HTTP


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature over ``v0:{timestamp}:{body}``."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    """What a signed request to the bot's endpoint got back, and how long it took."""

    status: int
    body: str
    headers: Mapping[str, str]
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SignedSender:
    """Sends Slack-signed HTTP requests to a bolt endpoint such as ``.../slack/events``."""

    def __init__(self, url: str, signing_secret: str) -> None:
        self.url = url
        self.signing_secret = signing_secret

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        bad_signature: bool = False,
        retry_num: int | None = None,
        within: float = 10.0,
    ) -> Delivery:
        """Sign and POST ``body``; ``timestamp`` defaults to now (wall clock, as Slack)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature(self.signing_secret, ts, body)
        if bad_signature:
            sig = signature(self.signing_secret + "-wrong", ts, body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        started = time.monotonic()
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=within)) as session,
            session.post(self.url, data=body.encode(), headers=headers) as response,
        ):
            text = await response.text()
            return Delivery(
                status=response.status,
                body=text,
                headers=dict(response.headers),
                elapsed=time.monotonic() - started,
            )

    async def command(self, fields: Mapping[str, str], **options: Any) -> Delivery:
        """A form-encoded slash command (build ``fields`` with :func:`slash_command`)."""
        body = urllib.parse.urlencode(fields)
        return await self.send(body, "application/x-www-form-urlencoded", **options)

    async def interaction(self, payload: JsonDict, **options: Any) -> Delivery:
        """An interactivity request: ``payload=<json>``, form-encoded."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded", **options)

    async def event(self, envelope: JsonDict, **options: Any) -> Delivery:
        """An Events API request (build ``envelope`` with :func:`event_callback`)."""
        return await self.send(json.dumps(envelope), "application/json", **options)


# ------------------------------------------------------------------------- helpers


async def _merged_args(request: web.Request) -> JsonDict:
    """Query string, form fields and a JSON body merged, the way Slack accepts either."""
    args: JsonDict = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return args
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            args.update(body)
    else:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    return args


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return header.removeprefix("Bearer ").strip() or None


def _json_list(value: Any) -> list[JsonDict]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, list):
        raise SlackApiFailure("invalid_arguments")
    return [dict(v) for v in value]


def _opt_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _as_json(message: Message) -> JsonDict:
    return {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "blocks": message.blocks,
        "ts": message.ts,
        **({"thread_ts": message.thread_ts} if message.thread_ts else {}),
    }
