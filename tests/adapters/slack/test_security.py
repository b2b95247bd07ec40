"""Requests studybot must not trust: bad signatures, stale timestamps, foreign or forged clicks."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from tests.adapters.slack.support import ANA, BOB, OTHER_TEAM, Studybot, wrong_letter

TABLES = ("tenants", "learners", "quiz_rounds", "posts", "answers", "deliveries")


@pytest.mark.parametrize(
    "forgery",
    [{"bad_signature": True}, {"timestamp": "stale"}],
    ids=["bad signature", "timestamp older than 5 minutes"],
)
async def test_a_forged_or_replayed_command_gets_401_and_records_nothing(
    bot: Studybot, forgery: dict[str, object]
) -> None:
    """A bad signature and a timestamp older than five minutes are refused before any work."""
    options = dict(forgery)
    if options.get("timestamp") == "stale":
        options["timestamp"] = int(time.time()) - 5 * 60 - 10
    reply, url = await bot.command("quiz 1", ANA, **options)
    assert reply.status == 401
    await bot.quiet()
    assert {table: bot.count(table) for table in TABLES} == dict.fromkeys(TABLES, 0)
    assert bot.fake.calls_to("chat.postMessage") == []
    assert bot.fake.responses_to(url) == []


async def test_a_forged_thread_reply_event_gets_401(bot: Studybot) -> None:
    """Events are checked like commands: a wrongly signed one is refused."""
    reply, _ = await bot.command("quiz 1", ANA)
    (question,) = await bot.questions()
    forged = await bot.wire.event(
        {"type": "event_callback", "team_id": "T0FAKE", "event_id": "Ev-forged", "event": {}},
        bad_signature=True,
    )
    assert forged.status == 401
    assert bot.count("answers") == 0


async def test_a_click_naming_another_workspaces_post_records_nothing(bot: Studybot) -> None:
    """A block_actions payload from another workspace with our post's id is refused politely."""
    await bot.command("quiz 1", ANA)
    (question,) = await bot.questions()
    reply, _ = await bot.click(question, "a", BOB, team=OTHER_TEAM)
    assert reply.ok
    (told,) = await bot.ephemerals(BOB)
    assert "belongs somewhere else" in told
    assert bot.count("answers") == 0


async def test_a_tampered_button_value_records_nothing(bot: Studybot) -> None:
    """Values that are not ours, or name a post that does not exist, record nothing."""
    await bot.command("quiz 1", ANA)
    (question,) = await bot.questions()
    await bot.click(question, "a", BOB, value="drop table answers")
    await bot.click(question, "a", BOB, value="99999:0")
    await bot.click(question, "a", BOB, value=f"{bot.post_id(question)}:9")
    told = await bot.ephemerals(BOB, 3)
    assert "not one of mine" in told[0]
    assert bot.count("answers") == 0


async def test_a_click_after_the_reveal_is_told_it_is_closed(bot: Studybot) -> None:
    """A stale button (the question closed meanwhile) records nothing and says why."""
    await bot.command("quiz 1", ANA)
    (question,) = await bot.questions()
    q = bot.question_of(question)
    as_posted = replace(question, blocks=list(question.blocks))  # the fake updates in place
    await bot.advance(bot.closes_at(question) - bot.clock.now())
    assert question.edits, "the reveal updated the question"
    await bot.click(as_posted, wrong_letter(q), BOB)
    (told,) = await bot.ephemerals(BOB)
    assert "closed" in told
    assert bot.count("answers") == 0
