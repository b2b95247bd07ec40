"""Many clicks at once: each acknowledged first, recorded once, confirmed after its commit."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from bot.adapters.slack.adapter import build_client
from bot.adapters.slack.backlog import WORKERS
from bot.adapters.slack.people import People
from tests.adapters.slack.support import ANA, Studybot, wrong_letter
from tests.harness.fake_slack import FakeSlack, Message

LOCKED_IN = "Locked in"
REPEAT = "You already answered this one"


def answered(database: Path, post_id: int, user: str) -> bool:
    """Is ``user``'s answer to the post committed (seen from another connection)?"""
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT 1 FROM answers JOIN learners ON learners.id = answers.learner_id"
            " WHERE answers.post_id = ? AND learners.platform_user_id = ?",
            (post_id, user),
        ).fetchone()
    return row is not None


async def quiz_question(bot: Studybot) -> Message:
    reply, _ = await bot.command("quiz 1", ANA)
    assert reply.ok
    (message,) = await bot.questions()
    return message


def texts_by_user(bot: Studybot, users: list[str]) -> dict[str, list[str]]:
    return {user: [e.text for e in bot.fake.ephemerals_for(user)] for user in users}


async def test_clicks_held_up_by_a_busy_database_are_acked_then_each_counts_once(
    bot: Studybot,
) -> None:
    """40 learners click twice at once while another process holds the write lock: all 80
    clicks are acknowledged and none confirmed; once the lock is free, one answer each,
    each confirmed only after it is committed, each repeat told it does not count."""
    message = await quiz_question(bot)
    question, post_id = bot.question_of(message), bot.post_id(message)
    learners = [f"U0L{n:03d}" for n in range(40)]
    confirmed_early: list[str] = []

    def check(args: dict[str, Any]) -> None:  # runs as chat.postEphemeral arrives
        user = str(args["user"])
        if str(args.get("text", "")).startswith(LOCKED_IN) and not answered(
            bot.database, post_id, user
        ):
            confirmed_early.append(user)

    bot.fake.observe("chat.postEphemeral", check)
    holder = sqlite3.connect(bot.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        letters = (question.answer_letter, wrong_letter(question))
        replies = await asyncio.gather(
            *(bot.click(message, letter, user) for user in learners for letter in letters)
        )
        assert [reply.status for reply, _ in replies] == [200] * 80
        assert bot.answers_on(post_id) == 0
        assert not any(texts_by_user(bot, learners).values())
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    def all_told() -> bool:
        return all(len(texts) == 2 for texts in texts_by_user(bot, learners).values())

    await bot.fake.wait_for(all_told, what="two replies to each learner")
    await bot.quiet()
    assert bot.answers_on(post_id) == 40
    for user, texts in texts_by_user(bot, learners).items():
        assert sorted(t.split(":")[0].split(";")[0] for t in texts) == [LOCKED_IN, REPEAT], user
    assert confirmed_early == []


async def test_the_web_api_calls_of_many_clicks_share_a_few_connections(bot: Studybot) -> None:
    """30 new learners answer at once: their users.info and chat.postEphemeral calls come
    over kept-alive connections, never more than the workers making them."""
    message = await quiz_question(bot)
    question = bot.question_of(message)
    learners = [f"U0K{n:03d}" for n in range(30)]
    await asyncio.gather(*(bot.click(message, question.answer_letter, u) for u in learners))
    await bot.fake.wait_for(lambda: all(bot.fake.ephemerals_for(u) for u in learners))
    calls = [
        c
        for c in bot.fake.calls
        if c.method in ("users.info", "chat.postEphemeral") and c.args.get("user") in learners
    ]
    assert Counter(c.method for c in calls) == {"users.info": 30, "chat.postEphemeral": 30}
    assert len({c.connection for c in calls}) <= WORKERS


async def test_clicks_acked_before_a_stop_are_recorded_before_it_ends(bot: Studybot) -> None:
    """Clicks queued behind a busy database when studybot is told to stop: the stop waits
    for them, and every one is recorded and confirmed."""
    message = await quiz_question(bot)
    question, post_id = bot.question_of(message), bot.post_id(message)
    learners = [f"U0S{n:03d}" for n in range(20)]
    holder = sqlite3.connect(bot.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        replies = await asyncio.gather(
            *(bot.click(message, question.answer_letter, u) for u in learners)
        )
        assert all(reply.ok for reply, _ in replies)
        assert bot.answers_on(post_id) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await bot.stop()
    assert bot.answers_on(post_id) == 20
    for user in learners:
        assert [e.text.startswith(LOCKED_IN) for e in bot.fake.ephemerals_for(user)] == [True]


async def test_a_new_learners_clicks_at_once_ask_slack_for_their_name_once(
    fake: FakeSlack,
) -> None:
    """Five lookups of one new learner at once make one users.info call; all get the name."""
    client = build_client(fake.bot_token, fake.base_url)
    people = People(client)
    found = await asyncio.gather(*(people.who("U0NEW") for _ in range(5)))
    assert {who.display_name for who in found} == {"u0new"}
    assert len(fake.calls_to("users.info")) == 1
    await people.who("U0NEW")
    assert len(fake.calls_to("users.info")) == 1
