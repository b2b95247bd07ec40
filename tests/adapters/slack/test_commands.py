"""The /study subcommands: usage in the ack, read commands, workspace settings."""

from __future__ import annotations

import pytest

from tests.adapters.slack.support import ANA, BOSS, Studybot


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dance", "Unknown subcommand `dance`. Try `/study help`."),
        ("quiz 0", "The count must be at least 1. Usage: `/study quiz [concept] [count]`"),
        ("leaderboard month", "Choose `week` or `all`. Usage: `/study leaderboard [week|all]`"),
        ("drill set 25:00 UTC", "Usage: `/study drill set HH:MM ZONE"),
        ("drill sometimes", "Unknown drill subcommand `sometimes`."),
        ("timezone Mars/Base", "Usage: `/study timezone ZONE`"),
        ("stats please", "`stats` takes no arguments."),
        ('quiz "rag', "Could not read that"),
    ],
)
async def test_bad_input_is_answered_in_the_ack_with_the_usage(
    bot: Studybot, text: str, expected: str
) -> None:
    """Unknown subcommands and bad arguments get one ephemeral line and the usage, at once."""
    reply, url = await bot.command(text, ANA)
    assert reply.ok and reply.body["response_type"] == "ephemeral"
    assert expected in reply.body["text"]
    assert "\n" not in reply.body["text"]
    await bot.quiet()
    assert bot.fake.responses_to(url) == [] and bot.count("tenants") == 0


async def test_help_lists_every_subcommand(bot: Studybot) -> None:
    """/study alone and /study help answer with the list of subcommands."""
    for text in ("", "help"):
        reply, _ = await bot.command(text, ANA)
        for sub in ("quiz", "review", "drill set", "leaderboard", "stats", "topics", "forget-me"):
            assert f"`{sub}" in reply.body["text"]


async def test_topics_and_an_empty_leaderboard(bot: Studybot) -> None:
    """Read commands answer through response_url and create no rows."""
    _, topics_url = await bot.command("topics", ANA)
    _, board_url = await bot.command("leaderboard all", ANA)
    (topics,) = await bot.responses(topics_url)
    (board,) = await bot.responses(board_url)
    assert "`models.basics`" in topics["blocks"][0]["text"]["text"]
    assert "No points yet" in board["blocks"][0]["text"]["text"]
    assert bot.count("learners") == 0


async def test_an_unknown_concept_names_the_topics_command(bot: Studybot) -> None:
    """A domain error becomes one friendly line that may point at a command."""
    _, url = await bot.command("quiz astrology", ANA)
    (told,) = await bot.responses(url)
    assert "Unknown concept 'astrology'" in told["text"] and "/study topics" in told["text"]


async def test_an_admin_sets_the_time_zone_and_the_weekly_board(bot: Studybot) -> None:
    """timezone and board are admin settings; settings shows them to anyone."""
    _, refused_url = await bot.command("timezone Europe/Berlin", ANA)
    (refused,) = await bot.responses(refused_url)
    assert refused["text"].startswith("Not allowed:")
    _, zone_url = await bot.command("timezone Europe/Berlin", BOSS)
    _, board_url = await bot.command("board fri 16:30", BOSS)
    await bot.responses(zone_url)
    await bot.responses(board_url)
    _, url = await bot.command("settings", ANA)
    (shown,) = await bot.responses(url)
    text = shown["blocks"][0]["text"]["text"]
    assert "Time zone: Europe/Berlin" in text and "Weekly board: Friday at 16:30" in text


async def test_drill_status_off_and_now(bot: Studybot) -> None:
    """status without a drill points at drill set; now posts a question; off is admin-only."""
    _, url = await bot.command("drill status", ANA)
    (status,) = await bot.responses(url)
    assert "No daily drill" in status["text"]
    _, url = await bot.command("drill set 09:00 UTC", BOSS)
    await bot.responses(url)
    _, url = await bot.command("drill now", BOSS)
    (now,) = await bot.responses(url)
    assert "Posting a drill" in now["text"]
    await bot.questions()
    _, url = await bot.command("drill off", ANA)
    (refused,) = await bot.responses(url)
    assert refused["text"].startswith("Not allowed:")
    _, url = await bot.command("drill off", BOSS)
    (off,) = await bot.responses(url)
    assert off["response_type"] == "in_channel" and "off" in off["text"]


async def test_a_demoted_admin_loses_drill_rights_at_once(bot: Studybot) -> None:
    """The role is asked of Slack on every call: no cached admin survives a demotion."""
    _, url = await bot.command("drill set 09:00 UTC", BOSS)
    await bot.responses(url)
    bot.fake.users[BOSS].is_admin = False
    _, url = await bot.command("drill off", BOSS)
    (refused,) = await bot.responses(url)
    assert refused["text"].startswith("Not allowed:")
