"""The fake Slack speaks well enough to a tiny real slack-bolt app (not our adapter)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.harness.fake_slack import (
    FakeSlack,
    Pace,
    SignedSender,
    event_callback,
    slash_command,
    user_message,
)

CHANNEL = "C0STUDY"
USER = "U0ANA"

# Bytes standing in for a chart; the fake stores whatever is uploaded.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@dataclass
class Tiny:
    """A bolt app served on loopback, with what its listeners saw."""

    app: AsyncApp
    sender: SignedSender
    retry_nums: list[Any] = field(default_factory=list)


def web_client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(
        token=slack.bot_token,
        base_url=slack.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )


def build_app(slack: FakeSlack, seen: list[Any]) -> AsyncApp:
    app = AsyncApp(client=web_client(slack), signing_secret=slack.signing_secret)

    @app.command("/study")
    async def study(
        ack: Any, command: dict[str, str], client: AsyncWebClient, respond: Any
    ) -> None:
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text=f"echo {command['text']}")
        await respond(f"done: {command['text']}")

    @app.event("message")
    async def message(event: dict[str, Any], request: Any, client: AsyncWebClient) -> None:
        seen.append(request.headers.get("x-slack-retry-num"))
        await client.chat_postMessage(
            channel=event["channel"], thread_ts=event["ts"], text="heard you"
        )

    return app


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def tiny(slack: FakeSlack) -> AsyncIterator[Tiny]:
    seen: list[Any] = []
    app = build_app(slack, seen)
    runner = web.AppRunner(app.web_app(path="/slack/events"), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    sender = SignedSender(f"http://127.0.0.1:{port}/slack/events", slack.signing_secret)
    try:
        yield Tiny(app, sender, seen)
    finally:
        await runner.cleanup()


def command(slack: FakeSlack, text: str) -> dict[str, str]:
    return slash_command(
        text,
        user_id=USER,
        channel_id=CHANNEL,
        team_id=slack.team_id,
        response_url=slack.response_url(),
    )


async def test_a_signed_slash_command_is_acked_and_its_listener_reaches_the_fake(
    slack: FakeSlack, tiny: Tiny
) -> None:
    """A correctly signed command gets 200 quickly; the post and the respond() are recorded."""
    fields = command(slack, "quiz")
    delivery = await tiny.sender.command(fields)
    assert delivery.status == 200
    assert delivery.elapsed < 3
    await slack.wait_for(lambda: slack.responses_to(fields["response_url"]), what="respond()")
    assert [m.text for m in slack.posted(CHANNEL)] == ["echo quiz"]
    assert slack.responses_to(fields["response_url"]) == [{"text": "done: quiz"}]
    assert slack.calls_to("auth.test"), "bolt checks its token against auth.test"


@pytest.mark.parametrize(
    ("options", "why"),
    [({"bad_signature": True}, "bad signature"), ({"timestamp": 0}, "stale timestamp")],
)
async def test_a_badly_signed_or_stale_request_is_refused(
    slack: FakeSlack, tiny: Tiny, options: dict[str, Any], why: str
) -> None:
    """bolt answers 401 to a wrong signature and to a timestamp older than five minutes."""
    if "timestamp" in options:
        options = {"timestamp": int(time.time()) - 301}
    delivery = await tiny.sender.command(command(slack, "quiz"), **options)
    assert delivery.status == 401, why
    assert not slack.calls_to("chat.postMessage")


async def test_a_signed_event_carries_its_retry_number(slack: FakeSlack, tiny: Tiny) -> None:
    """A JSON event reaches the message listener with X-Slack-Retry-Num as bolt sees it."""
    event = user_message("b", user=USER, channel=CHANNEL, ts="1700000000.000900")
    delivery = await tiny.sender.event(
        event_callback(event, team_id=slack.team_id, event_id="Ev1"), retry_num=1
    )
    assert delivery.status == 200
    await slack.wait_for_calls("chat.postMessage")
    assert tiny.retry_nums == [["1"]]
    assert slack.posted(CHANNEL)[0].thread_ts == "1700000000.000900"


async def test_a_429_is_retried_after_retry_after(slack: FakeSlack) -> None:
    """One 429 with Retry-After 1 makes the retry handler wait at least a second, then post."""
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    response = await web_client(slack).chat_postMessage(channel=CHANNEL, text="hello")
    assert response["ok"]
    first, second = slack.calls_to("chat.postMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0
    assert len(slack.posted(CHANNEL)) == 1


async def test_the_channel_pace_answers_429_past_the_burst(slack: FakeSlack) -> None:
    """With a pace of 1/s and a burst of 2, a third immediate post is refused with Retry-After."""
    slack.channel_pace = Pace(per_second=1, burst=2)
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.base_url)
    await client.chat_postMessage(channel=CHANNEL, text="one")
    await client.chat_postMessage(channel=CHANNEL, text="two")
    await client.chat_postMessage(channel="C0OTHER", text="elsewhere")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=CHANNEL, text="three")
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "1"
    assert [m.text for m in slack.posted(CHANNEL)] == ["one", "two"]


async def test_the_workspace_cap_applies_across_channels(slack: FakeSlack) -> None:
    """A workspace pace refuses posts beyond its burst even when each channel is quiet."""
    slack.workspace_pace = Pace(per_second=0.5, burst=2)
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.base_url)
    await client.chat_postMessage(channel="C1", text="one")
    await client.chat_postMessage(channel="C2", text="two")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C3", text="three")
    assert refused.value.response.headers["Retry-After"] == "2"


async def test_files_upload_v2_goes_through_three_steps(slack: FakeSlack) -> None:
    """files_upload_v2 gets an upload URL, posts the bytes there, then completes into a DM."""
    client = web_client(slack)
    dm = (await client.conversations_open(users=USER))["channel"]["id"]
    result = await client.files_upload_v2(
        channel=dm, content=PNG, filename="stats.png", title="Your stats"
    )
    assert result["file"]["title"] == "Your stats"
    methods = [c.method for c in slack.calls if c.method != "conversations.open"]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    (upload,) = slack.files.values()
    assert (upload.data, upload.channel, upload.length) == (PNG, dm, len(PNG))
    assert slack.posted(dm)[0].files == [upload.id]


async def test_users_info_reports_the_configured_roles(slack: FakeSlack) -> None:
    """users.info answers is_admin/is_owner as configured, and plain members by default."""
    slack.add_user("U0BOSS", "boss", is_admin=True, is_owner=True)
    client = web_client(slack)
    boss = (await client.users_info(user="U0BOSS"))["user"]
    member = (await client.users_info(user=USER))["user"]
    assert (boss["is_admin"], boss["is_owner"]) == (True, True)
    assert (member["is_admin"], member["is_owner"]) == (False, False)


async def test_the_same_command_works_over_socket_mode(slack: FakeSlack) -> None:
    """AsyncSocketModeHandler connects to the fake, acks an envelope, and its post lands."""
    app = build_app(slack, [])
    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()
    try:
        await slack.wait_socket_connected()
        fields = command(slack, "review")
        envelope_id = await slack.send_envelope("slash_commands", dict(fields))
        ack = await slack.wait_ack(envelope_id)
        assert ack.envelope_id == envelope_id
        await slack.wait_for(lambda: slack.responses_to(fields["response_url"]), what="respond()")
        assert [m.text for m in slack.posted(CHANNEL)] == ["echo review"]
        assert slack.calls_to("apps.connections.open")[0].token == slack.app_token
    finally:
        await handler.close_async()
