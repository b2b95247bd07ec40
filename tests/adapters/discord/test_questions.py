"""Channel questions end to end: quiz rounds, daily drills, clicks after a restart, tampering,
rate limits and the weekly board, through the real discord.py client and the fake Discord."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

from tests.adapters.discord.support import (
    ANA,
    ANNEX,
    BOB,
    CAROL,
    FOREIGN,
    GUILD,
    LOUNGE,
    OTHER_GUILD,
    START,
    STUDY,
    Studybot,
    closes_at,
    field,
    is_ephemeral,
    posts_to,
    questions_in,
    replies_to,
    title,
)
from tests.harness.discord_payloads import JSON, iter_buttons
from tests.harness.fake_discord import FakeDiscord

EIGHT = START.replace(hour=8)


async def set_drill(fake: FakeDiscord, channel: int, at: str = "08:00") -> str:
    """A manager sets a daily drill in `channel`; returns the reply line."""
    done = await fake.slash(
        GUILD, channel, CAROL, "drill set", {"time": at, "zone": "UTC"}, manage=True
    )
    return str((await fake.reply(done))["content"])


async def drill_now(fake: FakeDiscord, channel: int) -> JSON:
    started = await fake.slash(GUILD, channel, CAROL, "drill now", manage=True)
    await fake.reply(started)
    return await fake.wait_for_message(lambda m: m in questions_in(fake, channel, "Daily drill"))


async def test_quiz_question_two_clicks_receipts_then_disabled_and_revealed(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """/quiz posts letter buttons; one right and one wrong click get private receipts; at
    the end of the window the buttons are disabled and the reveal replies with 1 of 2."""
    started = await fake.slash(GUILD, STUDY, ANA, "quiz", {"count": 1})
    assert (await fake.reply(started))["content"].startswith("Quiz started: 1 question")
    question = await fake.wait_for_message(lambda m: bool(questions_in(fake, STUDY, "Quiz")))
    assert [b["label"] for b in iter_buttons(question)][:2] == ["A", "B"]
    right, wrong = bot.right_and_wrong(question)

    clicks = [await fake.click(question, right, ANA), await fake.click(question, wrong, BOB)]
    for click in clicks:
        receipt = await fake.reply(click)
        assert receipt["content"].startswith("Locked in") and is_ephemeral(receipt)
    assert replies_to(fake, question) == []

    await bot.advance_to(closes_at(question))
    [reveal] = await fake.wait_for(lambda: replies_to(fake, question), what="the reveal")
    assert field(reveal, "Result").startswith("1 of 2 got it right")
    assert "ana" in field(reveal, "Result") and "bob" not in field(reveal, "Result")
    closed = fake.message(question["id"])
    assert all(button["disabled"] for button in iter_buttons(closed))
    board = await fake.wait_for_message(lambda m: title(m) == "Quiz over: round scores")
    assert f"<@{ANA}>" in board["embeds"][0]["description"]
    assert [len(await bot.answers_of(u)) for u in (ANA, BOB)] == [1, 1]


async def test_drill_set_needs_manage_server_and_fires_once(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """Without Manage Server /drill set is refused with the reason; with it the schedule is
    stored, and the drill is posted once at 08:00 even when the fire runs twice more."""
    refused = await fake.slash(GUILD, STUDY, ANA, "drill set", {"time": "08:00", "zone": "UTC"})
    reason = await fake.reply(refused)
    assert "Manage Server" in reason["content"] and is_ephemeral(reason)
    status = await fake.slash(GUILD, STUDY, ANA, "drill status")
    assert (await fake.reply(status))["content"].startswith("No daily drill")

    assert (await set_drill(fake, STUDY)).startswith("Daily drill here at 08:00 UTC")
    await bot.advance_to(EIGHT + timedelta(minutes=1))
    assert len(questions_in(fake, STUDY, "Daily drill")) == 1

    service = bot.running.service
    async with service.repo.unit(readonly=True) as unit:
        tenant = await unit.find_tenant("discord", str(GUILD))
        assert tenant is not None
        schedule = await unit.schedule_for_channel(tenant.id, str(STUDY))
    assert schedule is not None
    await asyncio.gather(
        service.fire_drill(schedule.id, EIGHT), service.fire_drill(schedule.id, EIGHT)
    )
    await bot.advance_to(EIGHT + timedelta(minutes=1))
    assert len(questions_in(fake, STUDY, "Daily drill")) == 1
    assert posts_to(fake, STUDY, "Daily drill") == [200]


async def test_drill_and_review_clicks_work_after_a_restart(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """A fresh process on the same database records a click on a drill button and on a
    review card it never showed; a click that arrives without components is still routed."""
    await set_drill(fake, STUDY)
    drill = await drill_now(fake, STUDY)
    review = await fake.slash(GUILD, STUDY, ANA, "review")
    card = await fake.reply(review)
    assert is_ephemeral(card) and title(card).startswith("Review · 1 of")

    await bot.restart()
    answered = await fake.click(drill, iter_buttons(drill)[0]["custom_id"], ANA)
    assert (await fake.reply(answered))["content"].startswith("Locked in")
    graded = await fake.click(card, iter_buttons(card)[0]["custom_id"], ANA)
    feedback = await fake.reply(graded)
    assert feedback["id"] == card["id"] and title(feedback) in ("Correct", "Not quite")
    assert len(await bot.answers_of(ANA)) == 2

    await bot.restart()
    [next_button] = iter_buttons(feedback)
    assert next_button["label"] == "Next card"
    shown = await fake.click(feedback, next_button["custom_id"], ANA, with_components=False)
    assert title(await fake.reply(shown)).startswith("Review · 2 of")


async def test_foreign_stale_and_garbage_clicks_record_nothing(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """A button claimed from another guild, a closed question, a forged post id and a
    garbage custom_id each get a private error, and no answer is stored."""
    await fake.slash(GUILD, STUDY, ANA, "quiz", {"count": 1})
    question = await fake.wait_for_message(lambda m: bool(questions_in(fake, STUDY, "Quiz")))
    right, _ = bot.right_and_wrong(question)

    foreign = await fake.click(question, right, BOB, guild=OTHER_GUILD, channel=FOREIGN)
    forged = await fake.click(question, "sb:a:987654321:0", BOB, forge=True)
    garbage = await fake.click(question, "sb:a:; DROP TABLE posts", BOB, forge=True)
    errors = [await fake.reply(click) for click in (foreign, forged, garbage)]
    assert all(is_ephemeral(e) for e in errors)
    assert "somewhere else" in errors[0]["content"]
    assert "not one of mine" in errors[2]["content"]

    await bot.advance_to(closes_at(question))
    stale = await fake.click(question, right, BOB)  # the snapshot from before the reveal
    late = await fake.reply(stale)
    assert "closed" in late["content"] and is_ephemeral(late)
    assert await bot.answers_of(BOB) == []


async def test_drill_post_answered_429_is_retried_in_every_channel(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """Discord answers 429 to the first drill post in each of three channels: each channel
    still gets its drill exactly once."""
    for channel in (STUDY, LOUNGE, ANNEX):
        await set_drill(fake, channel)
        fake.inject_429("POST", rf"/channels/{channel}/messages", retry_after=0.05)
    await bot.advance_to(EIGHT + timedelta(minutes=1))
    for channel in (STUDY, LOUNGE, ANNEX):
        await fake.wait_for(partial(questions_in, fake, channel, "Daily drill"))
        assert len(questions_in(fake, channel, "Daily drill")) == 1
        assert posts_to(fake, channel, "Daily drill") == [429, 200]


async def test_a_channel_the_bot_cannot_post_in_is_given_up_not_retried(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """Discord answers 403 Missing Access: the drill is tried once and dropped, while the
    other channel's drill is posted as usual."""
    await set_drill(fake, STUDY)
    await set_drill(fake, LOUNGE)
    fake.no_access.add(STUDY)
    await bot.advance_to(EIGHT + timedelta(minutes=1))
    await fake.wait_for(partial(questions_in, fake, LOUNGE, "Daily drill"))
    await bot.advance_to(EIGHT + timedelta(minutes=30))
    assert posts_to(fake, STUDY, "Daily drill") == [403]
    assert len(questions_in(fake, LOUNGE, "Daily drill")) == 1


async def test_weekly_board_goes_to_every_drill_channel_once(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """On the board day (Monday 09:00 by default) the ended week's board is posted once in
    each channel with a drill, naming the member who scored."""
    await set_drill(fake, STUDY)
    await set_drill(fake, LOUNGE)
    drill = await drill_now(fake, STUDY)
    right, _ = bot.right_and_wrong(drill)
    await fake.reply(await fake.click(drill, right, ANA))

    monday = START + timedelta(days=4, hours=2, minutes=1)  # Monday 2026-01-19 09:01 UTC
    await bot.advance_to(monday)
    await bot.advance_to(monday + timedelta(hours=1))
    for channel in (STUDY, LOUNGE):
        boards = [m for m in fake.channel_messages(channel) if title(m).startswith("Week of ")]
        assert len(boards) == 1, [title(m) for m in fake.channel_messages(channel)]
        assert f"<@{ANA}>" in boards[0]["embeds"][0]["description"]
    assert [m for m in fake.channel_messages(ANNEX)] == []
