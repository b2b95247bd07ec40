"""The sender: delivers queued channel messages through the Outbox, with retries.

Use cases queue a delivery in the same transaction as the change that causes it
(a post, a close, a finished round, an ended week). The sender builds the view
from the database when it delivers, records the platform's message id, and on a
failure tries again later with a growing delay, so nothing queued is lost to a
platform outage or a restart.

A fan-out (a drill fired in thousands of channels) goes out in a few parallel lanes,
different channels at once and each channel's messages in order (a question before
its reveal); the platform's outbox keeps the whole within the platform's rate limits.
A message is marked delivered right after the platform took it and never tried again.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.core import scoring
from bot.core.clock import Clock
from bot.core.ports import ChannelView, Outbox, Place, Repository, Timer, Unit
from bot.core.records import Delivery, NewDelivery
from bot.core.schedules import fire_instant, local_date
from bot.core.usecase import CoreConfig, Questions, log
from bot.core.views import BoardView, QuestionView, RevealView

BATCH = 100
FIRST_RETRY = timedelta(seconds=2)
LAST_RETRY = timedelta(minutes=5)
STREAK_LOOKBACK = timedelta(days=400)
RETRY_NOW_LIMIT = 10_000
Channel = tuple[int, str]  # a tenant's channel: a delivery's (tenant_id, channel)
LANES = 8  # channels served at once; each platform's outbox paces what they send


class PlatformNotRunning(Exception):
    """The place's platform has no adapter in this process; try again later."""


class Undeliverable(Exception):
    """The platform will never take this message (the bot is not in the channel, the
    channel is gone): an Outbox raises it so the sender gives up instead of retrying."""


def retry_delay(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s ... up to 5 minutes after the n-th failed attempt."""
    delay: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)
    return min(delay, LAST_RETRY)


class Sender:
    def __init__(
        self,
        repo: Repository,
        questions: Questions,
        clock: Clock,
        outbox: Outbox,
        timer: Timer,
        config: CoreConfig,
        lanes: int = LANES,
    ) -> None:
        self.repo = repo
        self.questions = questions
        self.clock = clock
        self.outbox = outbox
        self.timer = timer
        self.config = config
        self.lanes = lanes
        self._lock = asyncio.Lock()  # one pass at a time: a delivery is never sent twice
        # a channel whose message failed -> that message's id: the channel's later messages
        # wait for it, in every pass until it is delivered (after a restart every waiting
        # message is due at once, oldest first, so this need not outlive the process)
        self._held: dict[Channel, int] = {}

    async def deliver_pending(self) -> int:
        """Deliver every queued message that is due; returns how many were delivered.

        Channels are served in parallel lanes, a channel's own messages strictly in order:
        one lane holds a channel until its due messages are sent or one of them fails.
        """
        async with self._lock:
            delivered = 0
            left: set[int] = set()  # due, but held behind a failure in their channel
            while len(left) < RETRY_NOW_LIMIT:
                limit = BATCH + len(left)
                async with self.repo.unit(readonly=True) as u:
                    due = await u.due_deliveries(self.clock.now(), limit)
                batch = [delivery for delivery in due if delivery.id not in left]
                if not batch:
                    break
                sent, held = await self._deliver_in_lanes(batch)
                delivered += sent
                left |= held
                if len(due) < limit:
                    break
            async with self.repo.unit(readonly=True) as u:
                upcoming = await u.next_delivery_at()
        if upcoming is not None:
            # rows held back behind a failure in their channel are due now: wait a little
            self.timer.deliver_soon(max(upcoming, self.clock.now() + FIRST_RETRY))
        return delivered

    async def _deliver_in_lanes(self, due: list[Delivery]) -> tuple[int, set[int]]:
        """Deliver one batch; how many were delivered, and the ids left undelivered (a
        failure, and what waits behind one in its channel).

        A lane that meets an error of our own (the database) finishes nothing more, the
        other lanes finish the message in hand and stop, then the error is raised: no
        lane is cancelled between a post and its record.
        """
        channels: dict[Channel, list[Delivery]] = {}
        for delivery in due:  # oldest first, so each channel's list is in order
            channels.setdefault((delivery.tenant_id, delivery.channel), []).append(delivery)
        held = await self._held_back(channels)
        waiting = iter([queue for where, queue in channels.items() if where not in held])
        done: set[int] = set()
        errors: list[BaseException] = []

        async def lane() -> None:
            for queue in waiting:  # the iterator is shared: each channel goes to one lane
                for delivery in queue:
                    if errors:
                        return
                    where = (delivery.tenant_id, delivery.channel)
                    try:
                        delivered = await self._deliver(delivery)
                    except Exception as error:
                        errors.append(error)
                        return
                    if not delivered:
                        self._held[where] = delivery.id
                        break  # keep the channel's messages in order behind the failure
                    if self._held.get(where) == delivery.id:
                        del self._held[where]
                    done.add(delivery.id)

        await asyncio.gather(*(lane() for _ in range(min(self.lanes, len(channels) - len(held)))))
        if errors:
            raise errors[0]
        return len(done), {delivery.id for delivery in due} - done

    async def _held_back(self, channels: dict[Channel, list[Delivery]]) -> set[Channel]:
        """The channels of this batch that wait for an earlier failed message not due yet."""
        held: set[Channel] = set()
        for where, queue in channels.items():
            failed = self._held.get(where)
            if failed is None or queue[0].id <= failed:
                continue  # nothing failed, or the failed message is due again: it goes first
            async with self.repo.unit(readonly=True) as u:
                row = await u.get_delivery(failed)
            if row is None or row.delivered_at is not None:
                del self._held[where]  # delivered meanwhile (by another leader)
            else:
                held.add(where)
        return held

    async def retry_now(self) -> None:
        """Make every waiting message due now: after a (re)start the platform that failed
        may be back, and a message must not sit out a backoff meant for an outage."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            for delivery in await u.due_deliveries(now + LAST_RETRY, RETRY_NOW_LIMIT):
                if delivery.next_attempt_at > now:
                    await u.retry_delivery_at(delivery.id, delivery.attempts, now)

    async def _deliver(self, delivery: Delivery) -> bool:
        now = self.clock.now()
        async with self.repo.unit(readonly=True) as u:
            tenant = await u.get_tenant(delivery.tenant_id)
            view = await self._view(u, delivery)
        if tenant is None or view is None:
            async with self.repo.unit() as u:
                await u.mark_delivered(delivery.id, None, now)
            return True
        place = Place(tenant.platform, tenant.external_id, delivery.channel)
        try:
            message_id = await self._send(place, delivery, view)
        except Undeliverable as error:
            log.warning(
                "dropping %s: the platform refuses it for good (%s)", delivery.dedup_key, error
            )
            async with self.repo.unit() as u:
                await u.mark_delivered(delivery.id, None, self.clock.now())
            return True
        except Exception as error:
            attempts = delivery.attempts + 1
            later = self.clock.now() + retry_delay(attempts)
            if isinstance(error, PlatformNotRunning):
                later = self.clock.now() + LAST_RETRY
            elif attempts == 1:
                log.exception("delivering %s failed; trying again", delivery.dedup_key)
            else:
                log.warning(
                    "delivering %s failed again (%s attempts): %s",
                    delivery.dedup_key,
                    attempts,
                    error,
                )
            async with self.repo.unit() as u:
                await u.retry_delivery_at(delivery.id, attempts, later)
            return False
        async with self.repo.unit() as u:
            await u.mark_delivered(delivery.id, message_id, self.clock.now())
            if delivery.kind == "question" and delivery.post_id is not None and message_id:
                await u.set_post_message(delivery.post_id, message_id)
                post = await u.get_post(delivery.post_id)
                if post is not None and post.revealed_at is not None:
                    # closed while this post was in flight: take its buttons away
                    key = f"close:{post.id}"
                    await u.add_delivery(
                        NewDelivery("close", post.tenant_id, post.channel, key, now, post.id)
                    )
        return True

    async def _send(self, place: Place, delivery: Delivery, view: ChannelView) -> str | None:
        if delivery.kind != "close":
            return await self.outbox.post(place, view)
        target = await self._question_message(delivery)
        if target is None or not isinstance(view, QuestionView):
            return None
        await self.outbox.edit(place, target, view)
        return target

    async def _question_message(self, delivery: Delivery) -> str | None:
        assert delivery.post_id is not None
        async with self.repo.unit(readonly=True) as u:
            post = await u.get_post(delivery.post_id)
        return post.message_id if post else None

    async def _view(self, u: Unit, delivery: Delivery) -> ChannelView | None:
        """The view a delivery shows, built from what the database holds now."""
        if delivery.kind == "round_board":
            assert delivery.round_id is not None
            rows = await u.round_scores(delivery.round_id)
            return BoardView("Quiz over: round scores", tuple(rows), kind="round")
        if delivery.kind == "weekly_board":
            return await self._weekly_board(u, delivery)
        assert delivery.post_id is not None
        post = await u.get_post(delivery.post_id)
        question = self.questions.bank.get(post.question_id) if post else None
        if post is None or question is None:
            return None
        quiz = await u.get_round(post.round_id) if post.round_id is not None else None
        of = len(quiz.question_ids) if quiz else None
        if delivery.kind == "question":
            if post.revealed_at is not None:
                return None  # closed before it could be shown
            return self.questions.view(post.kind, question, post=post, of=of)
        if delivery.kind == "close":
            if post.message_id is None:
                return None
            return self.questions.view(post.kind, question, post=post, closed=True, of=of)
        answers = await u.answers_for_post(post.id)
        right = [a for a in answers if a.correct]
        streaks: list[tuple[str, int]] = []
        if post.kind == "drill":
            tenant = await u.get_tenant(post.tenant_id)
            zone = tenant.timezone if tenant else "UTC"
            today = local_date(post.closes_at, zone)
            for a in right:
                times = await u.answer_times(a.learner_id, post.closes_at - STREAK_LOOKBACK)
                streaks.append((a.learner_name, scoring.streak(times, zone, today)))
        shown = self.config.reveal_names
        return RevealView(
            kind=post.kind,
            question_id=question.id,
            prompt=question.prompt,
            choices=question.choices,
            answer=question.answer,
            explanation=question.explanation,
            rationales=question.rationales,
            correct_count=len(right),
            total=len(answers),
            correct_names=tuple(a.learner_name for a in right[:shown]),
            more_names=max(len(right) - shown, 0),
            streaks=tuple(streaks[:shown]),
            position=(post.position or 0) + 1 if quiz else None,
            of=of,
            post_id=post.id,
            question_message_id=post.message_id,
        )

    async def _weekly_board(self, u: Unit, delivery: Delivery) -> BoardView | None:
        tenant = await u.get_tenant(delivery.tenant_id)
        if tenant is None or delivery.week_start is None:
            return None
        start = fire_instant(datetime.min.time(), tenant.timezone, delivery.week_start)
        end = fire_instant(
            datetime.min.time(), tenant.timezone, delivery.week_start + timedelta(days=7)
        )
        rows = await u.leaderboard(tenant.id, start, end, self.config.leaderboard_size)
        if not rows:
            return None  # a quiet week: no board rather than an empty one
        title = f"Week of {delivery.week_start.isoformat()}: final standings"
        return BoardView(title, tuple(rows), period_start=delivery.week_start, kind="weekly")
