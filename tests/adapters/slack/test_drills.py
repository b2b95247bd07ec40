"""Daily drills on Slack: who may set them, the post at its time, thread replies, 429s."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from tests.adapters.slack.support import (
    ANA,
    BOB,
    BOSS,
    STUDY,
    Studybot,
    is_question,
)

TWO_HOURS = timedelta(hours=2)  # START is 07:00 UTC; the drills below fire at 09:00 UTC


async def set_drill(bot: Studybot, user: str = BOSS) -> str:
    reply, url = await bot.command("drill set 09:00 UTC window=2h", user)
    assert reply.ok
    (response,) = await bot.responses(url)
    return str(response["text"])


def drill_posts(bot: Studybot) -> list[str]:
    return [m.ts for m in bot.fake.posted(STUDY, top_level=True) if is_question(m)]


async def test_drill_set_by_a_member_is_refused_and_by_an_admin_posts_once(bot: Studybot) -> None:
    """A non-admin is told why; an admin's drill is stored and posted once at its time."""
    refused = await set_drill(bot, ANA)
    assert refused.startswith("Not allowed:")
    assert bot.count("drill_schedules") == 0

    stored = await set_drill(bot, BOSS)
    assert "Daily drill at 09:00 UTC" in stored
    assert bot.count("drill_schedules") == 1
    assert [c.args["user"] for c in bot.fake.calls_to("users.info")].count(BOSS) >= 1

    await bot.advance(TWO_HOURS)
    await bot.questions()
    await bot.advance(timedelta(minutes=30))
    assert len(drill_posts(bot)) == 1


async def test_a_configured_admin_user_may_set_a_drill(studybot: Studybot) -> None:
    """A member listed in SLACK_ADMIN_USERS manages drills without being a workspace admin."""
    studybot.admin_users = ANA
    await studybot.start()
    try:
        assert "Daily drill at 09:00 UTC" in await set_drill(studybot, ANA)
    finally:
        await studybot.stop()


async def test_a_drill_survives_a_429_on_its_first_post(bot: Studybot) -> None:
    """With 429 + Retry-After 1 on the first chat.postMessage, the drill is still posted, once."""
    await set_drill(bot)
    bot.fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    await bot.advance(TWO_HOURS)
    await bot.questions()
    statuses = [c.status for c in bot.fake.calls_to("chat.postMessage")]
    assert statuses[:2] == [429, 200]
    assert len(drill_posts(bot)) == 1
    assert len(bot.fake.posted(STUDY)) == 1


async def test_a_thread_reply_answers_the_drill_while_a_quiz_runs(either: Studybot) -> None:
    """`b` in the drill's thread answers the drill; again: already answered; a retry: nothing."""
    bot = either
    await set_drill(bot)
    await bot.advance(TWO_HOURS)
    (drill,) = await bot.questions()
    drill_post = bot.post_id(drill)
    reply, _ = await bot.command("quiz 1", ANA)
    assert reply.ok
    await bot.questions(2)

    first = await bot.thread_reply(drill, "b", BOB, event_id="Ev-first")
    assert first.ok
    (receipt,) = await bot.ephemerals(BOB)
    assert receipt.startswith("Locked in: B")
    assert bot.fake.ephemerals_for(BOB)[0].thread_ts == drill.ts
    assert bot.answers_on(drill_post) == 1

    await bot.thread_reply(drill, "B)", BOB, event_id="Ev-second")
    _, again = await bot.ephemerals(BOB, 2)
    assert "already answered" in again

    retried = await bot.thread_reply(drill, "b", BOB, event_id="Ev-first", retry_num=1)
    assert retried.ok
    await bot.quiet()
    assert len(bot.fake.ephemerals_for(BOB)) == 2
    assert bot.count("answers") == 1


async def test_chatter_in_a_question_thread_is_ignored(bot: Studybot) -> None:
    """A thread reply that is not an answer gets no reply and records nothing."""
    await set_drill(bot)
    await bot.advance(TWO_HOURS)
    (drill,) = await bot.questions()
    await bot.thread_reply(drill, "no idea, anyone?", ANA, event_id="Ev-chat")
    await bot.quiet()
    assert bot.fake.ephemerals_for(ANA) == []
    assert bot.count("answers") == 0


async def test_a_channel_the_bot_is_not_in_is_given_up_not_retried(bot: Studybot) -> None:
    """Slack says not_in_channel: the drill is tried once and dropped, and the channel's
    later messages are not held behind it for ever."""
    await set_drill(bot)
    bot.fake.not_in.add(STUDY)
    await bot.advance(TWO_HOURS)
    await bot.quiet()
    await bot.advance(timedelta(minutes=20))
    await bot.quiet()
    refused = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == STUDY]
    assert len(refused) == 1
    with sqlite3.connect(bot.database) as db:
        (waiting,) = db.execute(
            "SELECT count(*) FROM deliveries WHERE delivered_at IS NULL"
        ).fetchone()
    assert waiting == 0
