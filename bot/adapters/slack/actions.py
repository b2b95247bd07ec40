"""Button clicks: answers to channel questions, review cards, the forget-me confirmation.

A button's value holds ids only; the service decides whether the click counts here
(workspace, channel, state). A value that does not parse records nothing.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import blocks
from bot.adapters.slack.listeners import Listeners, responder
from bot.adapters.slack.people import place
from bot.core.errors import BadInput
from bot.core.ports import Place

ANSWER = re.compile(r"^sb-answer-[a-e]$")
REVIEW = re.compile(r"^sb-review-[a-e]$")
NOT_MINE = "That button is not one of mine; nothing was recorded."


def register(app: AsyncApp, deps: Listeners) -> None:
    @app.action(ANSWER)
    async def answer(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        where, user = click_place(body), body["user"]["id"]
        reply = deps.ephemeral(where.channel, user)
        async with deps.work(reply, "an answer click"):
            post_id, choice = ids(action.get("value"), 2)
            who = await deps.people.who(user)
            receipt = await deps.service.record_answer(where, who, post_id, choice)
            await reply(blocks.receipt(receipt))

    @app.action(REVIEW)
    async def review_answer(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        reply = responder(respond, replace_original=False)
        async with deps.work(reply, "a review click"):
            session_id, position, choice = ids(action.get("value"), 3)
            who = await deps.people.who(body["user"]["id"])
            step = await deps.service.answer_review(
                click_place(body), who, session_id, choice, position
            )
            await responder(respond, replace_original=True)(blocks.feedback(step))

    @app.action(blocks.REVIEW_NEXT_ACTION)
    async def review_next(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        reply = responder(respond, replace_original=False)
        async with deps.work(reply, "a next-card click"):
            (session_id,) = ids(action.get("value"), 1)
            who = await deps.people.who(body["user"]["id"])
            card = await deps.service.review_card(click_place(body), who, session_id)
            message = blocks.review_done() if card is None else blocks.review_card(card)
            await responder(respond, replace_original=True)(message)

    @app.action(blocks.FORGET_ACTION)
    async def forget(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        reply = responder(respond, replace_original=True)
        async with deps.work(reply, "the forget-me confirmation"):
            who = await deps.people.who(body["user"]["id"])
            gone = await deps.service.forget_learner(who)
            text = "Your data is deleted." if gone else "There was no data of yours to delete."
            await reply(blocks.notice(text))


def click_place(body: dict[str, Any]) -> Place:
    """The workspace and channel a click came from, as Slack reports them."""
    team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
    channel = (body.get("channel") or {}).get("id") or body["container"].get("channel_id", "")
    return place(str(team), str(channel))


def ids(value: Any, count: int) -> tuple[int, ...]:
    """``count`` colon-separated non-negative integers, or BadInput."""
    parts = str(value or "").split(":")
    if len(parts) != count or not all(p.isdigit() and len(p) < 19 for p in parts):
        raise BadInput(NOT_MINE)
    return tuple(int(p) for p in parts)
