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
    # Each listener acks, keeps what its work needs (not the request) and queues the work.
    @app.action(ANSWER)
    async def answer(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        where, user, value = click_place(body), body["user"]["id"], action.get("value")
        reply = deps.ephemeral(where.channel, user)

        async def record() -> None:
            post_id, choice = ids(value, 2)
            who = await deps.people.who(user)
            receipt = await deps.service.record_answer(where, who, post_id, choice)
            await reply(blocks.receipt(receipt))  # told only once the answer is committed

        await deps.later(reply, "an answer click", record)

    @app.action(REVIEW)
    async def review_answer(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        where, user, value = click_place(body), body["user"]["id"], action.get("value")

        async def step() -> None:
            session_id, position, choice = ids(value, 3)
            who = await deps.people.who(user)
            feedback = await deps.service.answer_review(where, who, session_id, choice, position)
            await responder(respond, replace_original=True)(blocks.feedback(feedback))

        await deps.later(responder(respond, replace_original=False), "a review click", step)

    @app.action(blocks.REVIEW_NEXT_ACTION)
    async def review_next(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        where, user, value = click_place(body), body["user"]["id"], action.get("value")

        async def next_card() -> None:
            (session_id,) = ids(value, 1)
            who = await deps.people.who(user)
            card = await deps.service.review_card(where, who, session_id)
            message = blocks.review_done() if card is None else blocks.review_card(card)
            await responder(respond, replace_original=True)(message)

        await deps.later(responder(respond, replace_original=False), "a next-card click", next_card)

    @app.action(blocks.FORGET_ACTION)
    async def forget(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        user = body["user"]["id"]
        reply = responder(respond, replace_original=True)

        async def delete() -> None:
            gone = await deps.service.forget_learner(await deps.people.who(user))
            text = "Your data is deleted." if gone else "There was no data of yours to delete."
            await reply(blocks.notice(text))

        await deps.later(reply, "the forget-me confirmation", delete)


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
