"""The fake Discord speaks enough of the gateway and REST API for the real discord.py client.

A tiny bot written here (not our adapter) logs in, syncs commands, answers slash commands,
routes button clicks through a DynamicItem, defers and edits, and meets a 429 and a late
first response, all against the fake on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from tests.harness.discord_payloads import EPHEMERAL, LOADING, REPLY_MESSAGE
from tests.harness.fake_discord import FakeDiscord

GUILD = 111
CHANNEL = 222
OTHER_CHANNEL = 223
ANA = 301
BOB = 302
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ZONES = [f"Zone/{n:02d}" for n in range(40)]


class Pick(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"t:pick:(?P<n>\d+)"
):
    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=str(n), custom_id=f"t:pick:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
    ) -> Pick:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"picked {self.n}", ephemeral=True)


class TinyBot(discord.Client):
    """A minimal client with a command tree; each command exercises one fake feature."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.release = asyncio.Event()
        self.late_error: discord.HTTPException | None = None
        self.late_answered = asyncio.Event()
        self.autocomplete_limit = 25
        self._register()

    async def setup_hook(self) -> None:
        self.add_dynamic_items(Pick)

    def _register(self) -> None:
        tree = self.tree

        @tree.command(description="Say it back")
        async def echo(interaction: discord.Interaction[Any], text: str, times: int = 1) -> None:
            await interaction.response.send_message(" ".join([text] * times))

        @tree.command(description="Post two buttons in the channel")
        async def post(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            view = discord.ui.View(timeout=None)
            view.add_item(Pick(1))
            view.add_item(Pick(2))
            channel = self.get_partial_messageable(interaction.channel_id or 0)
            question = await channel.send("pick one", view=view)
            await channel.send("the answer is 2", reference=question)
            await interaction.edit_original_response(content="posted")

        @tree.command(description="Attach a picture")
        async def chart(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            png = discord.File(io.BytesIO(PNG), filename="chart.png")
            await interaction.edit_original_response(content="your chart", attachments=[png])
            original = await interaction.original_response()
            await interaction.followup.send(f"{original.content}, again", ephemeral=True, wait=True)

        @tree.command(description="Answer only when released")
        async def slow(interaction: discord.Interaction[Any]) -> None:
            await self.release.wait()
            try:
                await interaction.response.send_message("too late")
            except discord.HTTPException as error:
                self.late_error = error
            self.late_answered.set()

        @tree.command(description="Whether I may manage this server")
        async def whoami(interaction: discord.Interaction[Any]) -> None:
            manage = interaction.permissions.manage_guild
            await interaction.response.send_message(f"manage={manage}", ephemeral=True)

        @tree.command(description="Pick a zone")
        async def zone(interaction: discord.Interaction[Any], name: str) -> None:
            await interaction.response.send_message(name)

        @zone.autocomplete("name")
        async def zone_names(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            found = [z for z in ZONES if current.lower() in z.lower()]
            return [app_commands.Choice(name=z, value=z) for z in found][: self.autocomplete_limit]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        server.add_guild(GUILD, "Study", [CHANNEL, OTHER_CHANNEL])
        yield server


def point_at(server: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
    )


@pytest.fixture
def pointed(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    point_at(fake, monkeypatch)
    yield fake


@asynccontextmanager
async def running(server: FakeDiscord, *, sync: bool = True) -> AsyncIterator[TinyBot]:
    bot = TinyBot()
    await bot.login(server.token)
    if sync:
        bot.tree.copy_global_to(guild=discord.Object(GUILD))
        await bot.tree.sync(guild=discord.Object(GUILD))
    task = asyncio.create_task(bot.connect(reconnect=False))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        await task


async def test_login_identifies_with_guild_intent_and_gets_the_guild(pointed: FakeDiscord) -> None:
    """Login calls /users/@me and /oauth2/applications/@me, IDENTIFY → READY → GUILD_CREATE."""
    async with running(pointed, sync=False) as bot:
        assert bot.user is not None and bot.user.id == pointed.bot.id
        assert bot.application_id == pointed.application_id
        guild = bot.get_guild(GUILD)
        assert guild is not None and guild.get_channel(CHANNEL) is not None
    paths = [(r.method, r.path) for r in pointed.requests]
    assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert [p["intents"] for p in pointed.identify_payloads] == [1]
    assert pointed.heartbeats >= 1


async def test_wrong_token_is_refused_at_login(pointed: FakeDiscord) -> None:
    """A token the fake does not know gets 401, which discord.py turns into LoginFailure."""
    bot = TinyBot()
    with pytest.raises(discord.LoginFailure):
        await bot.login("not-the-token")
    await bot.close()


async def test_command_sync_to_one_guild_and_globally(pointed: FakeDiscord) -> None:
    """PUT guild commands and PUT global commands are stored with ids, separately."""
    bot = TinyBot()
    await bot.login(pointed.token)
    bot.tree.copy_global_to(guild=discord.Object(GUILD))
    synced = await bot.tree.sync(guild=discord.Object(GUILD))
    assert {c.name for c in synced} == set(pointed.commands(GUILD))
    assert "echo" in pointed.commands(GUILD) and pointed.commands() == {}
    await bot.tree.sync()
    assert set(pointed.commands()) == set(pointed.commands(GUILD))
    assert pointed.requests_matching("PUT", rf"/applications/\d+/guilds/{GUILD}/commands")
    await bot.close()


async def test_slash_command_with_options_is_answered(pointed: FakeDiscord) -> None:
    """A slash command with typed options reaches the handler; its reply is recorded in time."""
    async with running(pointed):
        interaction = await pointed.slash(GUILD, CHANNEL, ANA, "echo", {"text": "hi", "times": 2})
        reply = await pointed.reply(interaction)
    assert reply["content"] == "hi hi"
    assert interaction.callback_type == 4
    assert interaction.ack_delay is not None and interaction.ack_delay < 3
    assert [m["content"] for m in pointed.channel_messages(CHANNEL)] == ["hi hi"]


async def test_slash_helper_refuses_what_discord_would_not_send(pointed: FakeDiscord) -> None:
    """Missing required options, unknown options or unsynced commands fail in the test."""
    async with running(pointed):
        with pytest.raises(AssertionError, match="requires"):
            await pointed.slash(GUILD, CHANNEL, ANA, "echo", {})
        with pytest.raises(AssertionError, match="no option"):
            await pointed.slash(GUILD, CHANNEL, ANA, "echo", {"text": "a", "loud": True})
        with pytest.raises(AssertionError, match="never synced"):
            await pointed.slash(GUILD, CHANNEL, ANA, "nope")


async def test_button_routed_by_dynamic_item_after_a_restart(pointed: FakeDiscord) -> None:
    """A click on a message posted by a previous client is routed by its custom_id."""
    async with running(pointed):
        done = await pointed.slash(GUILD, CHANNEL, ANA, "post")
        assert (await pointed.reply(done))["content"] == "posted"
    question = await pointed.wait_for_message(lambda m: m["content"] == "pick one")
    reveal = await pointed.wait_for_message(lambda m: m["content"] == "the answer is 2")
    assert reveal["type"] == REPLY_MESSAGE
    assert reveal["message_reference"]["message_id"] == question["id"]
    async with running(pointed, sync=False):
        click = await pointed.click(question, "t:pick:2", BOB)
        receipt = await pointed.reply(click)
    assert receipt["content"] == "picked 2"
    assert receipt["flags"] & EPHEMERAL
    assert len(pointed.sessions) == 2


async def test_click_helper_refuses_missing_or_disabled_buttons(pointed: FakeDiscord) -> None:
    """Only buttons on the message, and enabled ones, can be clicked unless forged."""
    message: dict[str, Any] = {"id": "1", "channel_id": str(CHANNEL), "components": []}
    with pytest.raises(AssertionError, match="no button"):
        await pointed.click(message, "t:pick:1", ANA)
    message["components"] = [
        {"type": 1, "components": [{"type": 2, "custom_id": "t:pick:1", "disabled": True}]}
    ]
    with pytest.raises(AssertionError, match="disabled"):
        await pointed.click(message, "t:pick:1", ANA)


async def test_deferred_answer_then_edit_of_original_with_a_file(pointed: FakeDiscord) -> None:
    """Defer (type 5, ephemeral) → PATCH @original as multipart → GET it → follow-up ?wait=1."""
    async with running(pointed):
        interaction = await pointed.slash(GUILD, CHANNEL, ANA, "chart")
        first = await pointed.reply(interaction)
        second = await pointed.reply(interaction, 1)
    assert interaction.callback_type == 5 and interaction.deferred_ephemeral
    assert first["content"] == "your chart" and not first["flags"] & LOADING
    assert first["flags"] & EPHEMERAL
    assert pointed.attachment_bytes(first["attachments"][0]) == PNG
    assert second["content"] == "your chart, again" and second["flags"] & EPHEMERAL
    assert pointed.requests_matching("GET", r"/webhooks/\d+/[^/]+/messages/@original")
    edit = pointed.requests_matching("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")[0]
    assert edit.content_type.startswith("multipart/form-data")
    assert edit.files[0].filename == "chart.png"
    assert pointed.channel_messages(CHANNEL) == []


async def test_rate_limit_is_retried_by_discord_py(pointed: FakeDiscord) -> None:
    """A 429 with Via and retry_after makes discord.py wait and send again: one message."""
    pointed.inject_429("POST", rf"/channels/{CHANNEL}/messages")
    async with running(pointed):
        done = await pointed.slash(GUILD, CHANNEL, ANA, "post")
        await pointed.reply(done)
    posts = pointed.requests_matching("POST", rf"/channels/{CHANNEL}/messages")
    assert [p.status for p in posts] == [429, 200, 200]
    assert posts[1].at - posts[0].at >= 0.05
    assert [m["content"] for m in pointed.channel_messages(CHANNEL)] == [
        "pick one",
        "the answer is 2",
    ]


async def test_first_response_after_three_seconds_gets_10062(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fake's clock is pushed 3.5 s past the dispatch: the answer is Unknown interaction."""
    offset = [0.0]
    async with FakeDiscord(clock=lambda: time.monotonic() + offset[0]) as server:
        server.add_guild(GUILD, "Study", [CHANNEL])
        point_at(server, monkeypatch)
        async with running(server) as bot:
            interaction = await server.slash(GUILD, CHANNEL, ANA, "slow")
            offset[0] = 3.5
            bot.release.set()
            await server.response(interaction)
            await asyncio.wait_for(bot.late_answered.wait(), 5)
        assert isinstance(bot.late_error, discord.NotFound) and bot.late_error.code == 10062
        assert interaction.first_response_status == 404
        assert server.slow_interactions() == [interaction]


async def test_autocomplete_choices_and_the_25_limit(pointed: FakeDiscord) -> None:
    """Autocomplete answers reach the fake; more than 25 choices get 400 code 50035."""
    async with running(pointed) as bot:
        typed = await pointed.autocomplete(GUILD, CHANNEL, ANA, "zone", {"name": "1"}, "name")
        assert [c["value"] for c in await pointed.choices(typed)] == [z for z in ZONES if "1" in z]
        bot.autocomplete_limit = 40
        too_many = await pointed.autocomplete(GUILD, CHANNEL, ANA, "zone", {"name": ""}, "name")
        await pointed.response(too_many)
    refused = pointed.requests_matching("POST", rf"/interactions/{too_many.id}/[^/]+/callback")
    assert refused[0].status == 400 and too_many.choices is None


async def test_manage_server_permission_is_carried_by_the_member(pointed: FakeDiscord) -> None:
    """The member's permissions in the interaction say whether they may manage the server."""
    async with running(pointed):
        plain = await pointed.slash(GUILD, CHANNEL, ANA, "whoami")
        admin = await pointed.slash(GUILD, CHANNEL, BOB, "whoami", manage=True)
        assert (await pointed.reply(plain))["content"] == "manage=False"
        assert (await pointed.reply(admin))["content"] == "manage=True"


async def test_json_answers_carry_exactly_application_json(fake: FakeDiscord) -> None:
    """discord.py compares the content type with ==, so no charset may follow it."""
    headers = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.api_base}/users/@me", headers=headers) as answer,
    ):
        assert answer.headers["Content-Type"] == "application/json"
        assert (await answer.json())["id"] == str(fake.bot.id)
