"""studybot's Discord start-up: login, one command sync, guilds intent only, reconnects."""

from __future__ import annotations

import discord
import pytest

from bot.core.errors import StudyError
from tests.adapters.discord.support import ANA, GUILD, STUDY, Studybot
from tests.harness.fake_discord import FakeDiscord

COMMANDS = {
    "quiz",
    "review",
    "drill",
    "leaderboard",
    "stats",
    "readiness",
    "topics",
    "export-me",
    "forget-me",
    "settings",
}


def command_puts(fake: FakeDiscord) -> list[str]:
    return [r.path for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]


async def test_commands_sync_once_to_the_test_guild_even_across_reconnects(
    studybot: Studybot, fake: FakeDiscord
) -> None:
    """With DISCORD_GUILD_ID the commands go to that guild once at start-up, with the
    guilds intent only; a gateway reconnect (a new IDENTIFY and READY) syncs nothing."""
    studybot.guild_id = GUILD
    await studybot.start()
    try:
        app_id = fake.application_id
        assert command_puts(fake) == [f"/applications/{app_id}/guilds/{GUILD}/commands"]
        assert set(fake.commands(GUILD)) == COMMANDS and fake.commands() == {}
        assert [p["intents"] for p in fake.identify_payloads] == [
            discord.Intents(guilds=True).value
        ]

        await fake.request_reconnect()
        # discord.py waits 5 s before identifying again
        await fake.wait_for(
            lambda: sum(s.ready for s in fake.sessions) == 2, within=15, what="a new session"
        )
        answered = await fake.slash(GUILD, STUDY, ANA, "topics")
        assert (await fake.reply(answered))["embeds"][0]["title"] == "Topics"
        assert len(command_puts(fake)) == 1
    finally:
        await studybot.stop()


async def test_commands_sync_globally_without_a_test_guild(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """Without DISCORD_GUILD_ID one global sync; manager commands carry the Manage Server
    hint and none of them works in direct messages."""
    assert command_puts(fake) == [f"/applications/{fake.application_id}/commands"]
    commands = fake.commands()
    assert set(commands) == COMMANDS
    assert commands["settings"]["default_member_permissions"] == str(1 << 5)
    assert all(
        c.get("contexts") in (None, [0]) or c.get("dm_permission") is False
        for c in commands.values()
        if c["name"] in ("quiz", "drill", "settings")
    )
    drill_set = next(o for o in commands["drill"]["options"] if o["name"] == "set")
    zone = next(o for o in drill_set["options"] if o["name"] == "zone")
    assert zone["autocomplete"] is True


async def test_a_wrong_token_stops_the_start_with_a_login_failure(
    studybot: Studybot, fake: FakeDiscord
) -> None:
    """A token Discord refuses fails start-up at login, before any command sync."""
    studybot.token = "not-the-token"
    with pytest.raises(StudyError, match="could not start") as failed:
        await studybot.start()
    assert isinstance(failed.value.__cause__, discord.LoginFailure)
    assert command_puts(fake) == [] and fake.sessions == []


async def test_readiness_shows_a_predicted_score_per_topic(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """/readiness answers privately with the predicted score, every topic and what to study."""
    answered = await fake.slash(GUILD, STUDY, ANA, "readiness")
    embed = (await fake.reply(answered))["embeds"][0]
    assert embed["title"].startswith("Exam readiness:") and embed["title"].endswith("predicted")
    assert "models.basics" in embed["description"] and "Study next:" in embed["description"]
