"""The Slack adapter's lifecycle: one bolt AsyncApp, in Socket Mode or HTTP mode, in our loop.

Socket Mode when an app-level token is set (no public URL needed); otherwise HTTP mode
on ``SLACK_HTTP_PORT`` at ``/slack/events`` for commands, clicks and events alike, with
every request's signature checked against the signing secret. ``AsyncApp.start()``
would run its own loop, so the app's aiohttp application is served with AppRunner and
TCPSite instead, beside the scheduler and any other adapter.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import actions, commands, events
from bot.adapters.slack.backlog import Pressure
from bot.adapters.slack.listeners import Listeners
from bot.adapters.slack.outbox import SlackOutbox
from bot.adapters.slack.people import PLATFORM, People
from bot.config import Settings
from bot.core.service import StudyService

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
RATE_LIMIT_RETRIES = 5
STOP_GRACE_SECONDS = 10.0
# connections waiting to be accepted: Slack opens many at once in a burst of clicks, and
# a connection refused by a full queue is retried by its sender a second or more later
LISTEN_BACKLOG = 1024


def build_client(token: str, base_url: str) -> AsyncWebClient:
    """The Web API client every Slack call goes through; it retries 429 after Retry-After.

    Until ``SlackAdapter.start`` gives it a session, slack_sdk opens a new aiohttp
    session, and so a new connection, for every call.
    """
    if not base_url.endswith("/"):
        base_url += "/"  # slack_sdk joins method names onto the base
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


class _ClientTokenNotice(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that the
    client we pass wins; that warning tells an operator nothing, so it is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client` as well")


CLIENT_TOKEN_NOTICE = _ClientTokenNotice()


class SlackAdapter:
    platform = PLATFORM

    def __init__(self, settings: Settings) -> None:
        token = _secret(settings.slack_bot_token)
        if not token:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        self.app_token = _secret(settings.slack_app_token)
        self.signing_secret = _secret(settings.slack_signing_secret)
        if not self.app_token and not self.signing_secret:
            raise ValueError(
                "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
            )
        self.port = settings.slack_http_port
        self.host = settings.slack_http_host
        self.admin_users = list(settings.slack_admin_users)
        self.client = build_client(token, settings.slack_api_url)
        self.outbox = SlackOutbox(self.client)
        self.app: AsyncApp | None = None
        self.listeners: Listeners | None = None
        self.bot_user_id: str | None = None
        self.http_port: int | None = (
            None  # the bound port in HTTP mode (SLACK_HTTP_PORT=0 picks one)
        )
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    async def start(self, service: StudyService) -> None:
        # one connection pool for every Web API call (bolt's per-request clients share it);
        # a session per call costs a TCP connection each, which a burst of clicks cannot afford
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.client.timeout)
        )
        self.client.session = self._session
        auth = await self.client.auth_test()  # a wrong token fails here, not on the first click
        self.bot_user_id = auth.get("user_id")
        self.listeners = Listeners(service, People(self.client, self.admin_users), self.client)
        bolt_log = logging.getLogger("bot.adapters.slack.bolt")
        bolt_log.addFilter(CLIENT_TOKEN_NOTICE)  # once: the same filter is not added twice
        app = AsyncApp(
            name="studybot",
            client=self.client,
            signing_secret=self.signing_secret or "",
            request_verification_enabled=not self.socket_mode,
            logger=bolt_log,
        )
        # bolt tries listeners in this order, each match costing a call: clicks come most
        actions.register(app, self.listeners)
        commands.register(app, self.listeners)
        events.register(app, self.listeners)
        self.app = app
        if self.socket_mode:
            self._socket = AsyncSocketModeHandler(app, self.app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack: Socket Mode connected as %s", auth.get("user"))
        else:
            web_app = app.web_app(path=EVENTS_PATH)
            web_app.middlewares.append(_counted(self.listeners.backlog.pressure))
            self._runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.host, self.port, backlog=LISTEN_BACKLOG)
            await site.start()
            self.http_port = int(self._runner.addresses[0][1])
            log.info("Slack: HTTP mode on port %s at %s", self.http_port, EVENTS_PATH)

    async def wait_ready(self) -> None:
        """Socket Mode is connected once ``connect_async`` returns; HTTP mode once bound."""
        if self._socket is None and self._runner is None:
            raise RuntimeError("the Slack adapter was not started")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.listeners is not None:
            await self.listeners.finish(STOP_GRACE_SECONDS)
        if self._session is not None:
            self.client.session = None
            await self._session.close()
            self._session = None


def _counted(pressure: Pressure) -> Any:
    """aiohttp middleware: every request is in flight until its response is ready."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        pressure.enter()
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            pressure.leave()

    return middleware


def _secret(value: Any) -> str:
    """A setting that may be a pydantic SecretStr, a plain string or unset."""
    if value is None:
        return ""
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if getter is not None else value)
