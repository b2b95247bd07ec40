"""The sender: queued channel messages reach the Outbox once, retried with backoff."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core import delivery as delivery_module
from bot.core.delivery import PlatformNotRunning, Undeliverable, retry_delay
from bot.core.ports import ChannelView, Place, Who
from bot.core.questions import QuestionBank
from bot.core.records import Delivery, NewDelivery
from bot.core.service import CoreConfig
from bot.core.views import QuestionView, RevealView
from tests.core.conftest import ANA, BOB, MOD, PLACE, World, make_world, wrong
from tests.core.fakes import FakeUnit, RecordingOutbox

OTHER = Place("test", "guild-1", "#other")


async def delivery(world: World, key: str) -> Delivery:
    async with world.repo.unit() as u:
        row = await u.delivery_for(key)
    assert row is not None
    return row


def test_retries_wait_longer_each_time_up_to_five_minutes() -> None:
    """2 s after the first failure, then 4 s, 8 s ... never more than 5 minutes."""
    assert [retry_delay(n).total_seconds() for n in (0, 1, 2, 3, 4, 8, 9, 50)] == [
        2,
        2,
        4,
        8,
        16,
        256,
        300,
        300,
    ]


async def test_a_failed_post_is_retried_with_backoff_and_posted_once(world: World) -> None:
    """Two failures: tried again after 2 s, then after 4 s more, then posted exactly once."""
    world.outbox.failures = 2
    await world.service.drill_now(PLACE, MOD)
    start = world.clock.now()
    await world.deliver()
    assert world.outbox.posts == []
    row = await delivery(world, "question:1")
    assert (row.attempts, row.next_attempt_at, row.delivered_at) == (
        1,
        start + timedelta(seconds=2),
        None,
    )
    await world.timer.advance_to(start + timedelta(seconds=1))
    assert world.outbox.failures == 1  # not tried before its time
    await world.timer.advance_to(start + timedelta(seconds=2))
    row = await delivery(world, "question:1")
    assert (row.attempts, row.next_attempt_at) == (2, start + timedelta(seconds=6))
    await world.timer.advance_to(start + timedelta(seconds=6))
    [(place, view)] = world.outbox.posts
    assert place == PLACE and isinstance(view, QuestionView) and view.post_id == 1
    row = await delivery(world, "question:1")
    assert (row.delivered_at, row.message_id) == (start + timedelta(seconds=6), "m1")
    async with world.repo.unit() as u:
        post = await u.get_post(1)
    assert post is not None and post.message_id == "m1"
    await world.advance(timedelta(minutes=10))
    assert len(world.questions("drill")) == 1


async def test_a_failure_holds_back_its_channel_only(world: World) -> None:
    """A channel keeps its messages in order behind a failure; another channel goes on."""
    world.outbox.failures = 1
    await world.service.drill_now(PLACE, MOD)
    await world.service.drill_now(PLACE, MOD)
    await world.service.drill_now(OTHER, MOD)
    await world.deliver()
    assert [
        (p.channel, v.post_id) for p, v in world.outbox.posts if isinstance(v, QuestionView)
    ] == [("#other", 3)]
    await world.advance(timedelta(seconds=2))
    assert [
        (p.channel, v.post_id) for p, v in world.outbox.posts if isinstance(v, QuestionView)
    ] == [
        ("#other", 3),
        ("#study", 1),
        ("#study", 2),
    ]


async def test_the_sender_reports_how_many_it_delivered(world: World) -> None:
    """deliver_pending returns the number of messages posted in this pass."""
    await world.service.drill_now(PLACE, MOD)
    await world.service.drill_now(OTHER, MOD)
    assert await world.service.deliver_pending() == 2
    assert await world.service.deliver_pending() == 0


async def test_a_platform_that_is_not_running_is_tried_again_in_five_minutes(
    world: World,
) -> None:
    """A place whose adapter is not up waits 5 minutes, not the short backoff."""

    class Down(RecordingOutbox):
        async def post(self, place: Place, view: ChannelView) -> str:
            raise PlatformNotRunning(place.platform)

    down = make_world(repo=world.repo, clock=world.clock)
    down.service.sender.outbox = Down()
    await down.service.drill_now(PLACE, MOD)
    await down.deliver()
    row = await delivery(down, "question:1")
    assert (row.attempts, row.next_attempt_at) == (1, world.clock.now() + timedelta(minutes=5))


async def test_a_question_that_was_never_shown_is_not_revealed(world: World) -> None:
    """The platform is down for the whole window: no reveal, and no late question either."""
    world.outbox.failures = 10_000
    await world.service.drill_now(PLACE, MOD)
    await world.service.answer_in_channel(PLACE, ANA, "a")
    await world.advance(timedelta(hours=9))
    world.outbox.failures = 0
    await world.advance(timedelta(hours=1))
    assert world.outbox.posts == [] and world.outbox.edits == []
    async with world.repo.unit() as u:
        assert await u.next_delivery_at() is None


async def test_a_question_closed_while_being_posted_loses_its_buttons(world: World) -> None:
    """Closed in the instant it was posted: its message is edited closed, nothing revealed."""
    service = world.service

    class ClosingOutbox(RecordingOutbox):
        async def post(self, place: Place, view: ChannelView) -> str:
            if isinstance(view, QuestionView) and view.post_id is not None:
                await service.close_post(view.post_id)
            return await super().post(place, view)

    outbox = ClosingOutbox()
    service.sender.outbox = outbox
    await service.drill_now(PLACE, MOD)
    await world.deliver()
    assert [type(v) for _, v in outbox.posts] == [QuestionView]
    [(place, message_id, closed)] = outbox.edits
    assert (place, message_id, closed.closed, closed.post_id) == (PLACE, "m1", True, 1)


async def test_the_drill_reveal_replies_to_its_question(world: World) -> None:
    """The reveal names its post and the question's message; the question is edited closed."""
    await world.service.start_quiz(PLACE, ANA, count=1)  # m1 is the quiz question
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    drill = world.questions("drill")[0]
    await world.advance(timedelta(hours=8))
    reveal = [r for r in world.posted(RevealView) if r.kind == "drill"][0]
    assert (reveal.post_id, reveal.question_message_id) == (drill.post_id, "m2")
    drill_edits = [e for e in world.outbox.edits if e[2].kind == "drill"]
    assert [(m, v.closed, v.question_id) for _, m, v in drill_edits] == [
        ("m2", True, drill.question_id)
    ]


async def test_a_failed_edit_is_retried_before_the_reveal(world: World) -> None:
    """If taking the buttons away fails, it is retried and the reveal waits behind it."""
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    world.outbox.failures = 1
    await world.advance(timedelta(hours=8))
    assert world.outbox.edits == [] and world.posted(RevealView) == []
    await world.advance(timedelta(seconds=2))
    assert len(world.outbox.edits) == 1 and len(world.posted(RevealView)) == 1
    assert isinstance(world.outbox.posts[-1][1], RevealView)


async def test_long_name_lists_are_capped(world: World) -> None:
    """With room for two names, three right answerers show two names and 'and 1 more'."""
    capped = make_world(config=CoreConfig(reveal_names=2))
    await capped.service.sync_questions()
    await capped.service.drill_now(PLACE, MOD)
    await capped.deliver()
    drill = capped.questions("drill")[0]
    question = capped.question(drill)
    people = [Who("test", f"u-{n}", n) for n in ("Ana", "Bob", "Cy", "Dee")]
    for person in people[:3]:
        capped.clock.advance(timedelta(seconds=1))
        await capped.service.record_answer(PLACE, person, drill.post_id or 0, question.answer)
    await capped.service.record_answer(PLACE, people[3], drill.post_id or 0, wrong(question))
    await capped.advance(timedelta(hours=8))
    [reveal] = capped.posted(RevealView)
    assert (reveal.correct_count, reveal.total) == (3, 4)
    assert (reveal.correct_names, reveal.more_names) == (("Ana", "Bob"), 1)
    assert reveal.streaks == (("Ana", 1), ("Bob", 1))


async def test_the_drill_reveal_carries_streaks_of_right_answerers(world: World) -> None:
    """Ana answered right three days running, Bob today only, Cy wrong: 3 and 1."""
    for day in range(3):
        await world.service.drill_now(PLACE, MOD)
        await world.deliver()
        drill = world.questions("drill")[-1]
        question = world.question(drill)
        await world.service.record_answer(PLACE, ANA, drill.post_id or 0, question.answer)
        if day == 2:
            await world.service.record_answer(PLACE, BOB, drill.post_id or 0, question.answer)
            cy = Who("test", "u-cy", "Cy")
            await world.service.record_answer(PLACE, cy, drill.post_id or 0, wrong(question))
        await world.advance(timedelta(days=1))
    reveal = world.posted(RevealView)[-1]
    assert reveal.streaks == (("Ana", 3), ("Bob", 1))
    assert world.posted(RevealView)[0].streaks == (("Ana", 1),)


async def test_quiz_reveals_have_no_streaks(world: World) -> None:
    """Streaks belong to daily drills; a quiz reveal lists none."""
    await world.service.start_quiz(PLACE, ANA, count=1)
    await world.deliver()
    quiz = world.questions("quiz")[0]
    await world.service.record_answer(PLACE, ANA, quiz.post_id or 0, world.question(quiz).answer)
    await world.advance(timedelta(minutes=2))
    [reveal] = world.posted(RevealView)
    assert reveal.streaks == () and reveal.correct_names == ("Ana",)


async def test_a_board_without_a_week_is_dropped(world: World) -> None:
    """A queued weekly board that names no week is marked done without posting anything."""
    async with world.repo.unit() as u:
        tenant = await u.ensure_tenant("test", "guild-1", "UTC")
        await u.add_delivery(
            NewDelivery("weekly_board", tenant.id, "#study", "k", world.clock.now())
        )
    assert await world.service.deliver_pending() == 1
    assert world.outbox.posts == []
    assert (await delivery(world, "k")).delivered_at == world.clock.now()


async def test_a_post_closes_once(world: World) -> None:
    """Two closes of one post (timer and early close together): one edit, one reveal."""
    await world.service.start_quiz(PLACE, ANA, count=2)
    await world.deliver()
    first = world.questions("quiz")[0]
    assert first.post_id is not None
    results = [await world.service.close_post(first.post_id) for _ in range(2)]
    assert results == [True, False]
    assert await world.service.close_post(999) is False
    await world.deliver()
    assert len(world.posted(RevealView)) == 1 and len(world.outbox.edits) == 1
    assert [v.position for v in world.questions("quiz")] == [1, 2]


async def test_failures_are_logged_once_in_full_then_briefly(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The first failure logs the traceback; the next ones one line with the attempt count."""
    caplog.set_level(logging.INFO, logger="bot.core")
    world.outbox.failures = 2
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    await world.advance(timedelta(seconds=2))
    records = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert records == [
        ("ERROR", "delivering question:1 failed; trying again", True),
        ("WARNING", "delivering question:1 failed again (2 attempts): outbox down", False),
    ]


async def test_a_close_without_a_shown_question_is_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Operators learn that a post closed before its question could be shown."""
    caplog.set_level(logging.INFO, logger="bot.core")
    world.outbox.failures = 10_000
    await world.service.drill_now(PLACE, MOD)
    await world.service.close_post(1)
    assert "post 1 closed before its question could be shown" in [
        r.getMessage() for r in caplog.records
    ]


async def test_streaks_count_the_workspaces_local_days(world: World) -> None:
    """In Tokyo, right answers at 23:30 and 00:30 local are two days in a row (one UTC day)."""
    await world.service.set_timezone(PLACE, MOD, "Asia/Tokyo")
    for opens, answers in ((14, 30), (15, 30)):
        world.clock.set(datetime(2026, 1, 15, opens, 0, tzinfo=UTC))
        await world.service.drill_now(PLACE, MOD)
        await world.deliver()
        drill = world.questions("drill")[-1]
        world.clock.set(datetime(2026, 1, 15, opens, answers, tzinfo=UTC))
        await world.service.record_answer(
            PLACE, ANA, drill.post_id or 0, world.question(drill).answer
        )
    await world.advance(timedelta(hours=9))
    assert [r.streaks for r in world.posted(RevealView)] == [(("Ana", 2),), (("Ana", 2),)]


class Refusing(RecordingOutbox):
    """An outbox whose platform refuses posts to one channel for good."""

    async def post(self, place: Place, view: ChannelView) -> str:
        if place.channel == "#gone":
            raise Undeliverable("bot not in channel")
        return await super().post(place, view)


async def test_a_message_refused_for_good_is_dropped_not_retried(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The platform will never take it: one warning, marked done, the sender moves on."""
    caplog.set_level(logging.INFO, logger="bot.core")
    outbox = Refusing()
    world.service.sender.outbox = outbox
    gone = Place("test", "guild-1", "#gone")
    await world.service.drill_now(gone, MOD)
    await world.service.drill_now(gone, MOD)
    await world.service.drill_now(PLACE, MOD)
    assert await world.service.deliver_pending() == 3
    assert [(p.channel, v.post_id) for p, v in outbox.posts] == [("#study", 3)]
    row = await delivery(world, "question:1")
    assert (row.delivered_at, row.message_id, row.attempts) == (world.clock.now(), None, 0)
    assert [(r.levelname, r.getMessage()) for r in caplog.records][:1] == [
        ("WARNING", "dropping question:1: the platform refuses it for good (bot not in channel)")
    ]
    async with world.repo.unit() as u:
        assert await u.next_delivery_at() is None


async def test_waiting_messages_can_be_made_due_at_once(world: World) -> None:
    """retry_now (a new leader) makes every waiting message due now, not after its backoff."""
    world.outbox.failures = 1
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    assert (await delivery(world, "question:1")).next_attempt_at > world.clock.now()
    await world.service.sender.retry_now()
    assert (await delivery(world, "question:1")).next_attempt_at == world.clock.now()
    assert (await delivery(world, "question:1")).attempts == 1
    assert await world.service.deliver_pending() == 1


async def test_a_full_batch_is_followed_by_the_next_one(world: World) -> None:
    """More than a batch (100) of due messages are all delivered in one pass."""
    for n in range(101):
        await world.service.drill_now(Place("test", "guild-1", f"#c{n}"), MOD)
    assert await world.service.deliver_pending() == 101


async def test_the_sender_reads_without_the_write_lock(world: World) -> None:
    """Delivering one message writes once (to mark it); reading what to send takes no lock."""
    await world.service.drill_now(PLACE, MOD)
    writers = world.repo.write_units
    assert await world.service.deliver_pending() == 1
    assert world.repo.write_units == writers + 1


async def test_a_queued_question_that_left_the_bank_is_not_posted(world: World) -> None:
    """The platform was down, then a restart dropped the question: nothing is posted."""
    world.outbox.failures = 1
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    [drill_id] = await open_ids(world)
    smaller = QuestionBank(
        world.bank.concepts, tuple(q for q in world.bank.questions if q.id != drill_id)
    )
    restarted = world.restart(bank=smaller)
    await restarted.service.catch_up()
    await restarted.advance(timedelta(seconds=5))
    assert restarted.outbox.posts == []
    assert (await delivery(world, "question:1")).delivered_at is not None


async def open_ids(world: World) -> set[str]:
    async with world.repo.unit() as u:
        return {p.question_id for p in await u.unrevealed_posts()}


class Overlapping(RecordingOutbox):
    """An outbox whose posts take a few turns of the event loop, as a network call does;
    it counts how many are in flight at once."""

    def __init__(self, turns: int = 3) -> None:
        super().__init__()
        self.turns = turns
        self.in_flight = 0
        self.peak = 0

    async def post(self, place: Place, view: ChannelView) -> str:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        for _ in range(self.turns):
            await asyncio.sleep(0)
        self.in_flight -= 1
        return await super().post(place, view)


async def test_channels_are_delivered_in_parallel_lanes(world: World) -> None:
    """Five channels, three lanes: three posts are in flight at once, never more."""
    outbox = Overlapping()
    world.service.sender.outbox = outbox
    world.service.sender.lanes = 3
    for n in range(5):
        await world.service.drill_now(Place("test", "guild-1", f"#c{n}"), MOD)
    assert await world.service.deliver_pending() == 5
    assert outbox.peak == 3
    assert sorted(p.channel for p, _ in outbox.posts) == [f"#c{n}" for n in range(5)]


async def test_a_channels_messages_keep_their_order_across_lanes(world: World) -> None:
    """Three drills in each of four channels, queued interleaved, posts taking uneven
    time: lanes overlap, yet every channel shows its questions in the order queued."""
    outbox = Overlapping()
    world.service.sender.outbox = outbox
    channels = [Place("test", "guild-1", f"#c{n}") for n in range(4)]
    for _ in range(3):
        for place in channels:
            outbox.turns = 1 + len(world.outbox.posts) % 3
            await world.service.drill_now(place, MOD)
    assert await world.service.deliver_pending() == 12
    assert outbox.peak > 1
    for place in channels:
        shown = [v.post_id or 0 for p, v in outbox.posts if p == place]
        assert len(shown) == 3 and shown == sorted(shown)


async def test_a_failing_lane_holds_back_its_channel_while_the_others_go_on(
    world: World,
) -> None:
    """One channel's platform call fails while others are in flight: that channel keeps
    its second message for the retry, every other channel gets both of its messages."""

    class FailingIn(Overlapping):
        async def post(self, place: Place, view: ChannelView) -> str:
            if place.channel == "#c1" and self.failures:
                self.failures -= 1
                raise ConnectionError("outbox down")
            return await super().post(place, view)

    outbox = FailingIn()
    outbox.failures = 1
    world.service.sender.outbox = outbox
    for _ in range(2):
        for n in range(4):
            await world.service.drill_now(Place("test", "guild-1", f"#c{n}"), MOD)
    assert await world.service.deliver_pending() == 6
    assert sorted(p.channel for p, _ in outbox.posts) == ["#c0", "#c0", "#c2", "#c2", "#c3", "#c3"]
    await world.advance(timedelta(seconds=2))
    c1 = [v.post_id for p, v in outbox.posts if p.channel == "#c1"]
    assert c1 == [2, 6], "both of #c1's questions, in order, once each"
    assert len(outbox.posts) == 8


async def test_a_channel_waits_for_its_failed_message_in_every_pass(world: World) -> None:
    """#study's first question fails; a pass run for another channel before the retry
    posts that channel's question, not #study's second: #study keeps its order."""
    world.outbox.failures = 1
    await world.service.drill_now(PLACE, MOD)
    await world.service.drill_now(PLACE, MOD)
    assert await world.service.deliver_pending() == 0
    await world.service.drill_now(OTHER, MOD)
    assert await world.service.deliver_pending() == 1
    assert [(p.channel, v.post_id) for p, v in world.outbox.posts] == [("#other", 3)]
    await world.advance(timedelta(seconds=2))
    assert [(p.channel, v.post_id) for p, v in world.outbox.posts] == [
        ("#other", 3),
        ("#study", 1),
        ("#study", 2),
    ]


async def test_a_database_error_in_one_lane_lets_the_others_record_what_they_sent(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recording #c0's post fails: the pass raises, but only after the lanes that were
    posting meanwhile recorded their posts, so only #c0's message is sent again later."""
    outbox = Overlapping()
    world.service.sender.outbox = outbox
    for n in range(4):
        await world.service.drill_now(Place("test", "guild-1", f"#c{n}"), MOD)
    recorded = FakeUnit.mark_delivered

    async def failing(unit: FakeUnit, delivery_id: int, *args: Any) -> None:
        if delivery_id == 1:
            raise OSError("disk full")
        await recorded(unit, delivery_id, *args)

    monkeypatch.setattr(FakeUnit, "mark_delivered", failing)
    with pytest.raises(OSError, match="disk full"):
        await world.service.deliver_pending()
    assert len(outbox.posts) == 4
    sent = [await delivery(world, f"question:{n}") for n in range(1, 5)]
    assert [row.delivered_at is not None for row in sent] == [False, True, True, True]


async def test_a_batch_held_behind_a_failure_does_not_keep_other_channels_waiting(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole batch of #study's messages waits behind its failed first one: the same pass
    reads on past them and posts #other's question."""
    monkeypatch.setattr(delivery_module, "BATCH", 3)
    world.outbox.failures = 1
    for _ in range(3):
        await world.service.drill_now(PLACE, MOD)
    await world.service.drill_now(OTHER, MOD)
    assert await world.service.deliver_pending() == 1
    assert [(p.channel, v.post_id) for p, v in world.outbox.posts] == [("#other", 4)]
    await world.advance(timedelta(seconds=2))
    assert [v.post_id for p, v in world.outbox.posts if p == PLACE] == [1, 2, 3]


async def test_a_channel_waits_behind_its_failure_even_after_a_channel_without_one(
    world: World,
) -> None:
    """#study's question fails; then #other and #study queue one more each: the pass posts
    #other's, and #study's second waits for its first, though #other comes first."""
    world.outbox.failures = 1
    await world.service.drill_now(PLACE, MOD)
    assert await world.service.deliver_pending() == 0
    await world.service.drill_now(OTHER, MOD)
    await world.service.drill_now(PLACE, MOD)
    assert await world.service.deliver_pending() == 1
    assert [(p.channel, v.post_id) for p, v in world.outbox.posts] == [("#other", 2)]
    await world.advance(timedelta(seconds=2))
    assert [(p.channel, v.post_id) for p, v in world.outbox.posts][1:] == [
        ("#study", 1),
        ("#study", 3),
    ]


async def test_a_failed_message_delivered_by_another_process_frees_its_channel(
    world: World,
) -> None:
    """Another leader delivered #study's failed question meanwhile: the next pass sends
    #study's next message at once instead of holding the channel for ever."""
    world.outbox.failures = 1
    await world.service.drill_now(PLACE, MOD)
    assert await world.service.deliver_pending() == 0
    await world.service.drill_now(PLACE, MOD)
    failed = await delivery(world, "question:1")
    async with world.repo.unit() as u:
        await u.mark_delivered(failed.id, "sent-elsewhere", world.clock.now())
    assert await world.service.deliver_pending() == 1
    assert [(p.channel, v.post_id) for p, v in world.outbox.posts] == [("#study", 2)]


async def test_one_lane_goes_on_to_the_next_channel_after_a_failure(world: World) -> None:
    """With a single lane, #study's failure does not keep #other waiting for the retry."""
    world.service.sender.lanes = 1
    world.outbox.failures = 1
    await world.service.drill_now(PLACE, MOD)
    await world.service.drill_now(OTHER, MOD)
    assert await world.service.deliver_pending() == 1
    assert [p.channel for p, _ in world.outbox.posts] == ["#other"]


async def test_more_held_messages_than_a_batch_do_not_stall_the_pass(world: World) -> None:
    """A failure holds more messages of its channel than one batch reads: the pass still
    ends, and the message queued after them in another channel goes out."""
    world.outbox.failures = 1
    await world.service.drill_now(PLACE, MOD)
    assert await world.service.deliver_pending() == 0
    for _ in range(delivery_module.BATCH + 5):
        await world.service.drill_now(PLACE, MOD)
    await world.service.drill_now(OTHER, MOD)
    assert await world.service.deliver_pending() == 1
    assert [p.channel for p, _ in world.outbox.posts] == ["#other"]
