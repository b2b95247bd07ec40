"""The ``/study`` slash command: parse the text, ack, call one service method, reply.

Parsing is pure and happens before the ack, so a typo is answered in the ack itself
(one ephemeral line and the usage). Everything that touches the database or Slack's
Web API runs after the ack.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters import grammar
from bot.adapters.slack import blocks, summaries
from bot.adapters.slack.listeners import Listeners, Reply, responder
from bot.adapters.slack.people import place
from bot.adapters.slack.wording import HELP, usage_line
from bot.charts import render_stats_png
from bot.core.errors import BadInput
from bot.core.ports import Place
from bot.core.views import StatsView

COMMAND = "/study"


@dataclass(frozen=True)
class Call:
    """One /study request after its ack."""

    deps: Listeners
    place: Place
    user_id: str
    reply: Reply  # only the caller sees it
    announce: Reply  # the whole channel sees it


Action = Callable[[Call], Awaitable[None]]


class Usage(Exception):
    """The text is not a /study command we understand; says what and how."""

    def __init__(self, problem: str, subcommand: str | None = None) -> None:
        super().__init__(usage_line(problem, subcommand))


def register(app: AsyncApp, deps: Listeners) -> None:
    @app.command(COMMAND)
    async def study(ack: Any, command: dict[str, Any], respond: Any) -> None:
        try:
            action = parse(command.get("text") or "")
        except Usage as usage:
            await ack(response_type="ephemeral", text=str(usage))
            return
        if action is None:
            await ack(response_type="ephemeral", text=HELP)
            return
        await ack()
        call = Call(
            deps=deps,
            place=place(command["team_id"], command["channel_id"]),
            user_id=command["user_id"],
            reply=responder(respond),
            announce=responder(respond, in_channel=True),
        )
        await deps.later(call.reply, f"{COMMAND} {command.get('text', '')}", partial(action, call))


def parse(text: str) -> Action | None:
    """The action for ``/study <text>``; None means help. Raises Usage."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise Usage(f"Could not read that: {error}.") from None
    if not words or words[0].lower() in ("help", "-h", "--help"):
        return None
    sub, args = words[0].lower(), words[1:]
    parser = PARSERS.get(sub)
    if parser is None:
        raise Usage(f"Unknown subcommand `{sub}`.")
    try:
        return parser(args)
    except BadInput as error:
        raise Usage(str(error), sub) from None


def _no_args(sub: str, args: list[str], action: Action) -> Action:
    if args:
        raise Usage(f"`{sub}` takes no arguments.", sub)
    return action


# --------------------------------------------------------------------- parsers


def parse_quiz(args: list[str]) -> Action:
    concept: str | None = None
    count: int | None = None
    for arg in args:
        if arg.isdigit() and count is None:
            count = int(arg)
        elif not arg.isdigit() and concept is None:
            concept = arg
        else:
            raise Usage(f"Unexpected `{arg}`.", "quiz")
    if count is not None and count < 1:
        raise Usage("The count must be at least 1.", "quiz")

    async def quiz(call: Call) -> None:
        who = await call.deps.people.who(call.user_id)
        view = await call.deps.service.start_quiz(call.place, who, concept, count)
        await call.reply(blocks.started(view))

    return quiz


def parse_drill(args: list[str]) -> Action:
    sub = args[0].lower() if args else "status"
    rest = args[1:]
    if sub == "set":
        spec = grammar.parse_drill_args(rest)

        async def drill_set(call: Call) -> None:
            who = await call.deps.people.manager(call.user_id)
            view = await call.deps.service.set_drill(call.place, who, spec)
            await call.announce(summaries.drill_status(view))

        return drill_set
    if rest:
        raise Usage(f"`drill {sub}` takes no arguments.", "drill")
    if sub == "off":

        async def drill_off(call: Call) -> None:
            who = await call.deps.people.manager(call.user_id)
            await call.deps.service.drill_off(call.place, who)
            await call.announce(blocks.notice("The daily drill of this channel is off."))

        return drill_off
    if sub == "status":

        async def drill_status(call: Call) -> None:
            await call.reply(
                summaries.drill_status(await call.deps.service.drill_status(call.place))
            )

        return drill_status
    if sub == "now":

        async def drill_now(call: Call) -> None:
            who = await call.deps.people.manager(call.user_id)
            await call.reply(blocks.started(await call.deps.service.drill_now(call.place, who)))

        return drill_now
    raise Usage(f"Unknown drill subcommand `{sub}`.", "drill")


def parse_leaderboard(args: list[str]) -> Action:
    period = args[0].lower() if args else "week"
    if period not in ("week", "all") or len(args) > 1:
        raise Usage("Choose `week` or `all`.", "leaderboard")

    async def leaderboard(call: Call) -> None:
        view = await call.deps.service.leaderboard(call.place, period)
        await call.reply(summaries.board(view, mention=True))

    return leaderboard


def parse_timezone(args: list[str]) -> Action:
    if len(args) != 1:
        raise Usage("Give one IANA time zone.", "timezone")
    zone = grammar.parse_zone_name(args[0])

    async def timezone(call: Call) -> None:
        who = await call.deps.people.manager(call.user_id)
        view = await call.deps.service.set_timezone(call.place, who, zone)
        await call.reply(summaries.tenant_settings(view))

    return timezone


def parse_board(args: list[str]) -> Action:
    day, at = grammar.parse_board_args(args)

    async def board(call: Call) -> None:
        who = await call.deps.people.manager(call.user_id)
        view = await call.deps.service.set_weekly_board(call.place, who, day, at)
        await call.reply(summaries.tenant_settings(view))

    return board


async def review(call: Call) -> None:
    who = await call.deps.people.who(call.user_id)
    card = await call.deps.service.start_review(call.place, who)
    await call.reply(blocks.review_done() if card is None else blocks.review_card(card))


async def stats(call: Call) -> None:
    who = await call.deps.people.who(call.user_id)
    view = await call.deps.service.stats(call.place, who)
    message = summaries.stats(view)
    note = blocks.context("Your chart is on its way to our direct messages.")
    await call.reply(blocks.SlackMessage(message.text, [*message.blocks, note]))
    await send_chart(call, view)


async def send_chart(call: Call, view: StatsView) -> None:
    png = await asyncio.to_thread(render_stats_png, view)
    await send_file(call, png, "studybot-stats.png", f"Study stats for {view.name}")


async def send_file(call: Call, content: bytes, filename: str, title: str) -> None:
    """Upload into the caller's direct messages with the bot (files_upload_v2)."""
    client = call.deps.client
    opened = await client.conversations_open(users=call.user_id)
    await client.files_upload_v2(
        channel=opened["channel"]["id"], content=content, filename=filename, title=title
    )


async def readiness(call: Call) -> None:
    who = await call.deps.people.who(call.user_id)
    await call.reply(summaries.readiness(await call.deps.service.readiness(call.place, who)))


async def topics(call: Call) -> None:
    await call.reply(summaries.topics(call.deps.service.topics()))


async def export_me(call: Call) -> None:
    who = await call.deps.people.who(call.user_id)
    view = await call.deps.service.export_learner(who)
    data = json.dumps(view.data, indent=2, ensure_ascii=False, default=str).encode()
    await send_file(call, data, "studybot-export.json", "Everything studybot stores about you")
    await call.reply(blocks.notice("Your data is in our direct messages, as a JSON file."))


async def forget_me(call: Call) -> None:
    await call.reply(blocks.forget_prompt())


async def settings(call: Call) -> None:
    await call.reply(summaries.tenant_settings(await call.deps.service.tenant_settings(call.place)))


PARSERS: dict[str, Callable[[list[str]], Action]] = {
    "quiz": parse_quiz,
    "review": lambda args: _no_args("review", args, review),
    "drill": parse_drill,
    "leaderboard": parse_leaderboard,
    "stats": lambda args: _no_args("stats", args, stats),
    "topics": lambda args: _no_args("topics", args, topics),
    "readiness": lambda args: _no_args("readiness", args, readiness),
    "export-me": lambda args: _no_args("export-me", args, export_me),
    "forget-me": lambda args: _no_args("forget-me", args, forget_me),
    "settings": lambda args: _no_args("settings", args, settings),
    "timezone": parse_timezone,
    "board": parse_board,
}
