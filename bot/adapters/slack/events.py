"""Events API listeners: thread replies that answer, the App Home tab, mentions.

There is a listener for every event the manifest subscribes to; an event no listener
matches is never acknowledged and Slack keeps retrying it. Each event is handled once
per ``event_id``, whatever Slack's retries (``X-Slack-Retry-Num``) bring.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import blocks, summaries
from bot.adapters.slack.blocks import SlackMessage
from bot.adapters.slack.listeners import Listeners
from bot.adapters.slack.people import place
from bot.adapters.slack.wording import HELP
from bot.core.errors import NotAnAnswer, NothingToAnswer, StudyError

log = logging.getLogger(__name__)

# message events handled; the others (edits, deletions, joins, bots) are acknowledged only
ANSWERING_SUBTYPES = (None, "thread_broadcast")
EVENTS = ("message", "app_home_opened", "app_mention")  # what register() listens to
HOME_CHANNEL = "app-home"  # the place of an App Home view has no channel


def register(app: AsyncApp, deps: Listeners) -> None:
    @app.event("message")
    async def message(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not deps.seen.first(body.get("event_id")) or not is_thread_answer(event):
            return
        channel, user, thread_ts = event["channel"], event["user"], event["thread_ts"]
        where, text = place(team_of(body, event), channel), event.get("text") or ""
        reply = deps.ephemeral(channel, user, thread_ts)

        async def answer() -> None:
            who = await deps.people.who(user)
            try:
                receipt = await deps.service.answer_by_message(where, who, thread_ts, text)
            except (NotAnAnswer, NothingToAnswer):
                return  # people talk in threads; only answers to our questions count
            await reply(blocks.receipt(receipt))

        await deps.later(reply, "a thread reply", answer)

    @app.event("app_home_opened")
    async def home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not deps.seen.first(body.get("event_id")) or event.get("tab") != "home":
            return
        user, where = event["user"], place(team_of(body, event), HOME_CHANNEL)

        async def nowhere(message: SlackMessage) -> None:
            return None  # the home tab has nobody to tell; the log has the detail

        async def publish() -> None:
            who = await deps.people.who(user)
            try:
                view = await deps.service.stats(where, who)
            except StudyError as error:
                log.info("no stats for the home tab of %s: %s", user, error)
                view = None
            await deps.client.views_publish(user_id=user, view=summaries.home(view))

        await deps.later(nowhere, "the App Home tab", publish)

    @app.event("app_mention")
    async def mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not deps.seen.first(body.get("event_id")) or not event.get("user"):
            return
        reply = deps.ephemeral(event["channel"], event["user"], event.get("thread_ts"))
        await deps.later(reply, "a mention", partial(reply, blocks.notice(HELP)))


def is_thread_answer(event: dict[str, Any]) -> bool:
    """A person's reply in a thread (not the thread's first message, not a bot, not an edit)."""
    thread_ts = event.get("thread_ts")
    return (
        event.get("subtype") in ANSWERING_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(thread_ts)
        and thread_ts != event.get("ts")
    )


def team_of(body: dict[str, Any], event: dict[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")
