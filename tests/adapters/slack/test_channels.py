"""Many channels: the weekly board in each drill channel, Slack's pace kept, nothing lost."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from tests.adapters.slack.support import ANA, BOSS, LOUNGE, START, STUDY, Studybot, text_of
from tests.harness.fake_slack import Pace

CHANNELS = [f"C0DRILL{n}" for n in range(5)]
SLACK_PACE = Pace(per_second=1, burst=3)  # what Slack allows chat.postMessage per channel


async def set_drill(bot: Studybot, channel: str, days: str = "daily") -> None:
    _, url = await bot.command(f"drill set 09:00 UTC days={days} window=2h", BOSS, channel=channel)
    (response,) = await bot.responses(url)
    assert "Daily drill" in response["text"]


async def test_the_weekly_board_is_posted_once_in_every_drill_channel(bot: Studybot) -> None:
    """When the week ends, each channel with a drill gets the ended week's board, once."""
    for channel in (STUDY, LOUNGE):
        await set_drill(bot, channel, days="mon")  # few posts: Slack's pace is real time
    await bot.command("quiz 1", ANA)
    (question,) = await bot.questions(channel=STUDY)
    await bot.click(question, bot.question_of(question).answer_letter, ANA)
    await bot.ephemerals(ANA)

    monday_after = datetime(2026, 1, 19, 10, 0, tzinfo=START.tzinfo)
    await bot.advance(monday_after - bot.clock.now())
    await bot.advance(timedelta(days=1))
    for channel in (STUDY, LOUNGE):
        boards = [m for m in bot.fake.posted(channel) if "final standings" in m.text]
        assert len(boards) == 1, channel
        assert "Week of 2026-01-12" in boards[0].text
        assert "ana" in text_of(boards[0].blocks) and "<@" not in text_of(boards[0].blocks)


def worst_burst(times: list[float]) -> float:
    """How far a series of send times exceeds Slack's pace (<= 0: within it)."""
    excess = 0.0
    for i, first in enumerate(times):
        for j in range(i, len(times)):
            allowed = SLACK_PACE.burst + (times[j] - first) * SLACK_PACE.per_second
            excess = max(excess, (j - i + 1) - allowed)
    return excess


async def test_a_fanned_out_drill_and_a_fast_quiz_keep_slacks_pace(studybot: Studybot) -> None:
    """Five channels fire at once and a quiz races through one: no 429, no post lost."""
    studybot.fake.channel_pace = SLACK_PACE
    await studybot.start()
    try:
        for channel in CHANNELS:
            await set_drill(studybot, channel)
        await studybot.advance(timedelta(hours=2))
        for channel in CHANNELS:
            await studybot.questions(channel=channel)

        await studybot.command("quiz 3", ANA, channel=CHANNELS[0])
        for n in range(1, 4):
            questions = await studybot.questions(n + 1, channel=CHANNELS[0])
            latest = questions[-1]
            await studybot.click(latest, studybot.question_of(latest).answer_letter, ANA)
            await studybot.ephemerals(ANA, n)
            if n == 1:  # the first question closes on its timer, the others once Ana answered
                await studybot.advance(studybot.closes_at(latest) - studybot.clock.now())
        await studybot.running.timer.settle()
        reveals = await studybot.fake.wait_for(
            lambda: [m for m in studybot.fake.posted(CHANNELS[0]) if m.thread_ts] or None
        )
        assert reveals

        # every attempt counts, refused or not: that is what Slack's limit sees
        attempts: defaultdict[str, list[float]] = defaultdict(list)
        for call in studybot.fake.calls_to("chat.postMessage"):
            attempts[call.args["channel"]].append(call.at)
        assert max(worst_burst(times) for times in attempts.values()) <= 0.25
        posted = [m for m in studybot.fake.posted() if m.channel in CHANNELS]
        assert len(posted) == len(studybot.fake.calls_to("chat.postMessage", status=200))
        assert {m.channel for m in posted} == set(CHANNELS)
        assert len(studybot.fake.posted(CHANNELS[0])) >= 1 + 3 + 3 + 1, (
            "the drill, three questions, their reveals and the round's scores"
        )
    finally:
        await studybot.stop()
