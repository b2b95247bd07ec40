"""Starting and keeping the Slack connection: a wrong token, Slack asking to reconnect."""

from __future__ import annotations

import pytest

from bot.core.errors import StudyError
from tests.adapters.slack.support import ANA, Studybot


async def test_a_wrong_bot_token_stops_start_up_with_one_clear_line(studybot: Studybot) -> None:
    """auth.test refuses the token: start-up fails naming Slack and the reason, and cleans up."""
    studybot.bot_token = "xoxb-revoked"
    with pytest.raises(StudyError) as failed:
        await studybot.start()
    assert "slack" in str(failed.value) and "invalid_auth" in str(failed.value)


async def test_socket_mode_reconnects_when_slack_asks_and_keeps_answering(
    studybot: Studybot,
) -> None:
    """After Slack's `disconnect` message the app opens a new connection and still works."""
    studybot.mode = "socket"
    await studybot.start()
    try:
        await studybot.fake.ask_to_reconnect()
        await studybot.fake.wait_for(
            lambda: (
                len(studybot.fake.calls_to("apps.connections.open")) >= 2
                and studybot.fake.socket_connections >= 2
            ),
            what="a second Socket Mode connection",
        )
        await studybot.fake.wait_socket_connected()
        reply, url = await studybot.command("topics", ANA)
        assert reply.ok
        (topics,) = await studybot.responses(url)
        assert "Topics" in topics["text"]
    finally:
        await studybot.stop()


async def test_http_mode_answers_slacks_url_verification(bot: Studybot) -> None:
    """Saving the request URL in Slack's settings sends a challenge; studybot echoes it."""
    challenge = {"type": "url_verification", "token": "x", "challenge": "c0ffee-42"}
    reply = await bot.wire.event(challenge)
    assert reply.ok and reply.body == {"challenge": "c0ffee-42"}
