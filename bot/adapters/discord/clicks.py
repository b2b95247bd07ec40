"""Button handlers: parse the ids in the custom_id, call one service method, render."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.adapters.discord import custom_ids, render
from bot.adapters.discord.client import Interaction
from bot.adapters.discord.people import place_of, who_of
from bot.adapters.discord.render import Reply
from bot.adapters.discord.replies import respond, say, service_of, update

Handler = Callable[[Interaction, "re.Match[str]"], Awaitable[None]]


async def answer_post(interaction: Interaction, match: re.Match[str]) -> None:
    """A letter button under a drill or quiz question: a private "locked in"."""

    async def work() -> Reply:
        receipt = await service_of(interaction).record_answer(
            place_of(interaction), who_of(interaction), int(match["post"]), int(match["choice"])
        )
        return render.receipt(receipt)

    await respond(interaction, work)


async def answer_review(interaction: Interaction, match: re.Match[str]) -> None:
    """A letter button on a private review card: the card turns into its feedback."""

    async def work() -> Reply:
        step = await service_of(interaction).answer_review(
            place_of(interaction),
            who_of(interaction),
            int(match["session"]),
            int(match["choice"]),
            int(match["position"]),
        )
        return render.review_step(step)

    await update(interaction, work)


async def next_card(interaction: Interaction, match: re.Match[str]) -> None:
    async def work() -> Reply:
        card = await service_of(interaction).review_card(
            place_of(interaction), who_of(interaction), int(match["session"])
        )
        return render.review_card(card) if card is not None else render.no_review()

    await update(interaction, work)


async def forget(interaction: Interaction, match: re.Match[str]) -> None:
    """The confirm button of /forget-me; only the member who asked may press it."""
    if str(interaction.user.id) != match["user"]:
        await say(interaction, render.NOT_YOURS)
        return

    async def work() -> Reply:
        return render.forgotten(await service_of(interaction).forget_learner(who_of(interaction)))

    await update(interaction, work)


ROUTES: tuple[tuple[str, Handler], ...] = (
    (custom_ids.ANSWER, answer_post),
    (custom_ids.REVIEW, answer_review),
    (custom_ids.NEXT_CARD, next_card),
    (custom_ids.FORGET, forget),
)


async def unrouted(interaction: Interaction, custom_id: str) -> None:
    """A click DynamicItem cannot route: ours but without its message's components (as
    Discord has sent for ephemeral messages), or a value that is no button of ours."""
    for pattern, handler in ROUTES:
        match = re.fullmatch(pattern, custom_id)
        if match is not None:
            await handler(interaction, match)
            return
    await say(interaction, render.NOT_A_BUTTON)
