"""Slash commands: each parses its options, calls one service method and renders the view.

Options are typed where Discord can check them (counts, periods, members, weekdays);
free text (times, zones, durations) goes through the shared grammar, whose errors say
what is expected. Manager-only commands carry ``default_permissions(manage_guild=True)``
as a hint for server admins, but the core decides on every call from the permission
Discord reports in the interaction itself.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import discord
from discord import app_commands

from bot.adapters import grammar
from bot.adapters.discord import render
from bot.adapters.discord.client import Interaction
from bot.adapters.discord.people import as_who, place_of, who_of
from bot.adapters.discord.render import Reply
from bot.adapters.discord.replies import respond, service_of
from bot.charts import render_stats_png

AUTOCOMPLETE_LIMIT = 25
AnyCommand = app_commands.Command[Any, ..., None]
Count = app_commands.Range[int, 1, 20]
DAYS = [
    app_commands.Choice(name=name, value=value)
    for name, value in [
        ("Monday", "mon"),
        ("Tuesday", "tue"),
        ("Wednesday", "wed"),
        ("Thursday", "thu"),
        ("Friday", "fri"),
        ("Saturday", "sat"),
        ("Sunday", "sun"),
        ("Off: no weekly board", "off"),
    ]
]


async def concept_choices(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower()
    found = [
        app_commands.Choice(name=f"{title} ({cid})"[:100], value=cid)
        for cid, title in service_of(interaction).concepts()
        if needle in cid.lower() or needle in title.lower()
    ]
    return found[:AUTOCOMPLETE_LIMIT]


async def zone_choices(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    zones = grammar.matching_zones(current, limit=AUTOCOMPLETE_LIMIT)
    return [app_commands.Choice(name=zone, value=zone) for zone in zones][:AUTOCOMPLETE_LIMIT]


def build() -> list[AnyCommand | app_commands.Group]:
    """Fresh command objects for one client's tree."""
    return [quiz_command(), review_command(), drill_group(), *progress_commands()]


def quiz_command() -> AnyCommand:
    @app_commands.command(name="quiz", description="Start a group quiz in this channel")
    @app_commands.describe(
        concept="A topic id from /topics (any topic when empty)",
        count="How many questions, 1 to 20",
    )
    @app_commands.autocomplete(concept=concept_choices)
    @app_commands.guild_only()
    async def quiz(
        interaction: Interaction, concept: str | None = None, count: Count | None = None
    ) -> None:
        async def work() -> Reply:
            started = await service_of(interaction).start_quiz(
                place_of(interaction), who_of(interaction), concept=concept, count=count
            )
            return render.started(started)

        await respond(interaction, work)

    return quiz


def review_command() -> AnyCommand:
    @app_commands.command(name="review", description="Review your due cards; only you see them")
    @app_commands.guild_only()
    async def review(interaction: Interaction) -> None:
        async def work() -> Reply:
            card = await service_of(interaction).start_review(
                place_of(interaction), who_of(interaction)
            )
            return render.review_card(card) if card is not None else render.no_review()

        await respond(interaction, work)

    return review


def drill_group() -> app_commands.Group:
    drill = app_commands.Group(
        name="drill", description="This channel's daily drill question", guild_only=True
    )

    @drill.command(name="set", description="Post a drill here every day (server managers)")
    @app_commands.describe(
        time="Local time, 24-hour HH:MM, e.g. 09:00",
        zone="Time zone, e.g. Europe/Berlin",
        days="Which days: daily, weekdays, mon-fri or mon,wed,fri",
        window="How long answers stay open, e.g. 8h or 90m (default 8h)",
        concept="Only this topic (an id from /topics)",
    )
    @app_commands.autocomplete(zone=zone_choices, concept=concept_choices)
    async def drill_set(
        interaction: Interaction,
        time: str,
        zone: str,
        days: str = "daily",
        window: str | None = None,
        concept: str | None = None,
    ) -> None:
        async def work() -> Reply:
            args = [time, zone, f"days={days}"]
            if window:
                args.append(f"window={window}")
            if concept:
                args.append(f"concept={concept}")
            spec = grammar.parse_drill_args(args)
            status = await service_of(interaction).set_drill(
                place_of(interaction), who_of(interaction), spec
            )
            return render.drill_status(status)

        await respond(interaction, work)

    @drill.command(name="off", description="Stop this channel's daily drill (server managers)")
    async def drill_off(interaction: Interaction) -> None:
        async def work() -> Reply:
            status = await service_of(interaction).drill_off(
                place_of(interaction), who_of(interaction)
            )
            return render.drill_status(status)

        await respond(interaction, work)

    @drill.command(name="status", description="Show this channel's daily drill")
    async def drill_status(interaction: Interaction) -> None:
        async def work() -> Reply:
            return render.drill_status(
                await service_of(interaction).drill_status(place_of(interaction))
            )

        await respond(interaction, work)

    @drill.command(name="now", description="Post a drill question now (server managers)")
    async def drill_now(interaction: Interaction) -> None:
        async def work() -> Reply:
            started = await service_of(interaction).drill_now(
                place_of(interaction), who_of(interaction)
            )
            return render.started(started)

        await respond(interaction, work)

    return drill


def progress_commands() -> list[AnyCommand | app_commands.Group]:
    @app_commands.command(name="leaderboard", description="Points in this server")
    @app_commands.describe(period="This week (default) or all time")
    @app_commands.guild_only()
    async def leaderboard(
        interaction: Interaction, period: Literal["week", "all"] = "week"
    ) -> None:
        async def work() -> Reply:
            return render.board(
                await service_of(interaction).leaderboard(place_of(interaction), period)
            )

        await respond(interaction, work, ephemeral=False)

    @app_commands.command(name="stats", description="Your progress, with a chart")
    @app_commands.describe(member="Someone else's progress instead of yours")
    @app_commands.guild_only()
    async def stats(interaction: Interaction, member: discord.Member | None = None) -> None:
        async def work() -> Reply:
            view = await service_of(interaction).stats(
                place_of(interaction),
                who_of(interaction),
                as_who(member) if member is not None else None,
            )
            png = await asyncio.to_thread(render_stats_png, view)
            return render.stats(view, png)

        await respond(interaction, work)

    @app_commands.command(
        name="readiness", description="Your predicted exam score per topic, and what to study next"
    )
    async def readiness(interaction: Interaction) -> None:
        async def work() -> Reply:
            view = await service_of(interaction).readiness(
                place_of(interaction), who_of(interaction)
            )
            return render.readiness(view)

        await respond(interaction, work)

    @app_commands.command(name="topics", description="The topics and their ids")
    async def topics(interaction: Interaction) -> None:
        async def work() -> Reply:
            return render.topics(service_of(interaction).topics())

        await respond(interaction, work)

    @app_commands.command(name="export-me", description="Everything studybot stores about you")
    async def export_me(interaction: Interaction) -> None:
        async def work() -> Reply:
            return render.export(await service_of(interaction).export_learner(who_of(interaction)))

        await respond(interaction, work)

    @app_commands.command(
        name="forget-me", description="Delete everything studybot stores about you"
    )
    async def forget_me(interaction: Interaction) -> None:
        async def work() -> Reply:
            return render.forget_prompt(interaction.user.id)

        await respond(interaction, work)

    return [leaderboard, stats, readiness, topics, export_me, forget_me, settings_group()]


def settings_group() -> app_commands.Group:
    settings = app_commands.Group(
        name="settings",
        description="This server's time zone and weekly board",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @settings.command(name="show", description="Show the time zone and the weekly board")
    async def show(interaction: Interaction) -> None:
        async def work() -> Reply:
            view = await service_of(interaction).tenant_settings(place_of(interaction))
            return render.tenant_settings(view)

        await respond(interaction, work)

    @settings.command(name="timezone", description="The zone for weeks, streaks and the board")
    @app_commands.describe(zone="Time zone, e.g. Europe/Berlin")
    @app_commands.autocomplete(zone=zone_choices)
    async def timezone(interaction: Interaction, zone: str) -> None:
        async def work() -> Reply:
            view = await service_of(interaction).set_timezone(
                place_of(interaction), who_of(interaction), grammar.parse_zone(zone).key
            )
            return render.tenant_settings(view)

        await respond(interaction, work)

    @settings.command(name="board", description="When the weekly leaderboard is posted")
    @app_commands.describe(day="Weekday, or off", time="Local time, 24-hour HH:MM (default 09:00)")
    @app_commands.choices(day=DAYS)
    async def board(
        interaction: Interaction, day: app_commands.Choice[str], time: str | None = None
    ) -> None:
        async def work() -> Reply:
            args = [day.value] if day.value == "off" or not time else [day.value, time]
            weekday, at = grammar.parse_board_args(args)
            view = await service_of(interaction).set_weekly_board(
                place_of(interaction), who_of(interaction), weekday, at
            )
            return render.tenant_settings(view)

        await respond(interaction, work)

    return settings
