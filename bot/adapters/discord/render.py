"""Discord's rendering of the core's views: embeds, letter buttons, files and short lines.

Nothing here talks to Discord or the core's services; handlers and the outbox send what
these functions return. Buttons carry only ids (see custom_ids.py) and are routed by
pattern, so the views built here are never kept in memory.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import discord
from discord.utils import format_dt

from bot.adapters import text
from bot.adapters.discord import custom_ids
from bot.core.errors import (
    NoDrillSchedule,
    NotAllowed,
    ReviewEnded,
    StudyError,
    UnknownConcept,
)
from bot.core.ports import ChannelView
from bot.core.questions import LETTERS
from bot.core.views import (
    BoardView,
    DrillStatusView,
    ExportView,
    QuestionView,
    ReadinessView,
    ReceiptView,
    RevealView,
    ReviewCardView,
    ReviewStepView,
    StartedView,
    StatsView,
    TenantSettingsView,
    TopicsView,
)

FAILED = "Something went wrong on my side; please try again in a moment."
NOT_A_BUTTON = "That button is not one of mine any more; nothing was recorded."
NOT_YOURS = "This button belongs to someone else's request; run the command yourself."
STATS_FILE = "stats.png"
EXPORT_FILE = "studybot-export.json"

KIND_TITLE = {"drill": "Daily drill", "quiz": "Quiz", "review": "Review"}
KIND_COLOUR = {
    "drill": discord.Colour.blurple(),
    "quiz": discord.Colour.green(),
    "review": discord.Colour.gold(),
}
DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
EMBED_TEXT = 4096
FIELD_TEXT = 1024
TITLE_TEXT = 256


@dataclass
class Reply:
    """One message to send or an edit to make; unset parts are cleared on an edit."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def letter(index: int) -> str:
    return LETTERS[index].upper()


def buttons(items: Sequence[discord.ui.Button[discord.ui.View]]) -> discord.ui.View:
    """A view that only serialises buttons: clicks are routed by custom_id, not by it."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


def _choice_labels(view: QuestionView) -> list[str]:
    """Letters, also for true/false: the options are spelled out in the embed."""
    return [letter(i) for i in range(len(view.choices))]


def _title(kind: str, position: int | None, of: int | None) -> str:
    title = KIND_TITLE.get(kind, kind.title())
    if position is not None and of is not None:
        title += f" · {position} of {of}"
    return title


def question_embed(view: QuestionView) -> discord.Embed:
    lines = [view.prompt, ""]
    lines += [f"**{letter(i)})** {choice}" for i, choice in enumerate(view.choices)]
    colour = discord.Colour.light_grey() if view.closed else KIND_COLOUR.get(view.kind)
    embed = discord.Embed(
        title=_title(view.kind, view.position, view.of),
        description=clip("\n".join(lines).strip(), EMBED_TEXT),
        colour=colour,
    )
    embed.add_field(name="Concept", value=clip(view.concept_title, FIELD_TEXT))
    embed.add_field(name="Difficulty", value=DIFFICULTY.get(view.difficulty, "medium"))
    if view.closed:
        embed.set_footer(text="Closed: the answer is in the reply to this message.")
    elif view.closes_at is not None:
        embed.add_field(
            name="Closes",
            value=f"{format_dt(view.closes_at, 't')} ({format_dt(view.closes_at, 'R')})",
        )
    return embed


def question(view: QuestionView) -> Reply:
    """A drill or quiz question in a channel: one button per option, off once closed."""
    post_id = view.post_id or 0
    items = [
        discord.ui.Button[discord.ui.View](
            label=label,
            custom_id=custom_ids.answer(post_id, i),
            style=discord.ButtonStyle.primary,
            disabled=view.closed or view.post_id is None,
        )
        for i, label in enumerate(_choice_labels(view))
    ]
    return Reply(embeds=[question_embed(view)], view=buttons(items))


def review_card(card: ReviewCardView) -> Reply:
    view = card.question
    items = [
        discord.ui.Button[discord.ui.View](
            label=label,
            custom_id=custom_ids.review(card.session_id, card.position, i),
            style=discord.ButtonStyle.primary,
        )
        for i, label in enumerate(_choice_labels(view))
    ]
    embed = question_embed(view)
    embed.title = _title("review", card.position, card.of)
    return Reply(embeds=[embed], view=buttons(items))


def receipt(view: ReceiptView) -> Reply:
    locked = f"Locked in: **{letter(view.choice)}**."
    if view.kind == "quiz":
        return Reply(
            f"{locked} The answer is revealed {format_dt(view.reveal_at, 'R')},"
            " or sooner once everyone has answered."
        )
    return Reply(f"{locked} The answer is revealed {format_dt(view.reveal_at, 'R')}.")


def _right_answer(choices: Sequence[str], answer: int) -> str:
    return f"{letter(answer)}) {choices[answer]}"


def review_step(step: ReviewStepView) -> Reply:
    fb = step.feedback
    if fb.correct:
        title, colour = "Correct", discord.Colour.green()
        lines = [f"**{_right_answer(fb.choices, fb.answer)}**", "", fb.explanation]
    else:
        title, colour = "Not quite", discord.Colour.red()
        right = _right_answer(fb.choices, fb.answer)
        chosen = letter(fb.choice)
        lines = [f"You chose **{chosen}**; the answer is **{right}**."]
        if fb.rationale:
            lines += ["", f"Why not {chosen}: {fb.rationale}"]
        lines += ["", fb.explanation]
    lines += ["", f"Next review of this card: {format_dt(fb.next_due, 'R')}."]
    embed = discord.Embed(
        title=clip(title, TITLE_TEXT), description=clip("\n".join(lines), EMBED_TEXT), colour=colour
    )
    if step.repeated:
        embed.set_footer(text="You had already answered this card; nothing changed.")
    if step.next is None:
        return Reply("That was the last card for now. Well done!", embeds=[embed])
    next_button = discord.ui.Button[discord.ui.View](
        label="Next card",
        custom_id=custom_ids.next_card(step.session_id),
        style=discord.ButtonStyle.success,
    )
    return Reply(embeds=[embed], view=buttons([next_button]))


def no_review() -> Reply:
    return Reply("Nothing to review right now. Come back later, or join a /quiz.")


def reveal(view: RevealView) -> Reply:
    """The answer, why each wrong option is wrong, and how the channel did."""
    prefix = f"{_title(view.kind, view.position, view.of)} · " if view.position else ""
    embed = discord.Embed(
        title=clip(f"{prefix}Answer: {_right_answer(view.choices, view.answer)}", TITLE_TEXT),
        description=clip(view.explanation, EMBED_TEXT),
        colour=discord.Colour.teal(),
    )
    for i, rationale in enumerate(view.rationales):
        if rationale and i != view.answer:
            embed.add_field(
                name=f"Why not {letter(i)}",
                value=clip(rationale, FIELD_TEXT),
                inline=False,
            )
    result = f"{view.correct_count} of {view.total} got it right."
    if view.correct_names:
        names = ", ".join(view.correct_names)
        if view.more_names:
            names += f" and {view.more_names} more"
        result += f"\nRight: {names}"
    embed.add_field(name="Result", value=clip(result, FIELD_TEXT), inline=False)
    streaks = [f"{name}: {days} days" for name, days in view.streaks if days > 1]
    if streaks:
        embed.add_field(name="Streaks", value=clip(", ".join(streaks), FIELD_TEXT), inline=False)
    return Reply(embeds=[embed])


def _name(display_name: str, platform_user_id: str) -> str:
    return f"<@{platform_user_id}>" if platform_user_id.isdigit() else display_name


def board(view: BoardView) -> Reply:
    lines = [
        f"**{rank}.** {_name(row.display_name, row.platform_user_id)} · {row.points} pts"
        f" · {row.correct}/{row.answered} correct"
        for rank, row in enumerate(view.rows, start=1)
    ]
    embed = discord.Embed(
        title=clip(view.title, TITLE_TEXT),
        description=clip("\n".join(lines) or "No points yet.", EMBED_TEXT),
        colour=discord.Colour.gold(),
    )
    if view.period_start is not None:
        embed.set_footer(text=f"Since {view.period_start:%A %d %B %Y}")
    return Reply(embeds=[embed])


def channel_message(view: ChannelView) -> Reply:
    """What the outbox posts for each kind of channel view."""
    if isinstance(view, QuestionView):
        return question(view)
    if isinstance(view, RevealView):
        return reveal(view)
    return board(view)


def started(view: StartedView) -> Reply:
    if view.kind == "drill":
        return Reply("The drill question is on its way to this channel.")
    topic = f" on {view.concept}" if view.concept else ""
    plural = "question" if view.count == 1 else "questions"
    return Reply(
        f"Quiz started: {view.count} {plural}{topic}. The first one is on its way to the channel."
    )


def stats(view: StatsView, png: bytes) -> Reply:
    embed = discord.Embed(
        title=clip(f"Stats for {view.name}", TITLE_TEXT), colour=discord.Colour.blue()
    )
    embed.add_field(name="Answered", value=f"{view.answered} ({view.accuracy:.0%} correct)")
    embed.add_field(name="Streak", value=f"{view.streak} day{'s' if view.streak != 1 else ''}")
    embed.add_field(
        name="Points", value=f"{view.points_week} this week · {view.points_all} all time"
    )
    embed.add_field(name="Due", value=f"{view.due_now} now · {view.due_week} within 7 days")
    mastery = [f"{c.title}: {c.mastered}/{c.total}" for c in view.concepts if c.seen]
    if mastery:
        embed.add_field(
            name="Mastered per concept", value=clip("\n".join(mastery), FIELD_TEXT), inline=False
        )
    embed.set_image(url=f"attachment://{STATS_FILE}")
    embed.set_footer(text=f"Days in {view.timezone}")
    return Reply(embeds=[embed], files=[discord.File(io.BytesIO(png), filename=STATS_FILE)])


def readiness(view: ReadinessView) -> Reply:
    """The estimate as a monospaced table: concepts line up, percentages read at a glance."""
    embed = discord.Embed(
        title=f"Exam readiness: {view.score:.0%} predicted",
        description=clip(f"```\n{text.render(view)}\n```", EMBED_TEXT),
        colour=discord.Colour.blue(),
    )
    embed.set_footer(text="An estimate from your answers so far, not a promise")
    return Reply(embeds=[embed])


def topics(view: TopicsView) -> Reply:
    lines = [f"`{cid}` {title} ({count} questions)" for cid, title, count in view.topics]
    embed = discord.Embed(
        title="Topics",
        description=clip("\n".join(lines) or "No questions are loaded.", EMBED_TEXT),
        colour=discord.Colour.blue(),
    )
    embed.set_footer(text="Use an id with /quiz concept: or /drill set concept:")
    return Reply(embeds=[embed])


def drill_status(view: DrillStatusView) -> Reply:
    if not view.enabled:
        return Reply(
            "No daily drill in this channel. A server manager can set one with /drill set."
        )
    text = (
        f"Daily drill here at {view.local_time} {view.timezone}, {view.days},"
        f" answers open for {view.window}"
    )
    if view.concept:
        text += f", concept `{view.concept}`"
    if view.next_fire is not None:
        text += f". Next: {format_dt(view.next_fire, 'F')}"
    return Reply(text + ".")


def tenant_settings(view: TenantSettingsView) -> Reply:
    source = "set by a manager" if view.timezone_explicit else "taken from the first drill"
    if view.board_day is None:
        board_line = "Weekly board: off."
    else:
        board_line = f"Weekly board: {WEEKDAYS[view.board_day]} at {view.board_time}."
    return Reply(f"Time zone: {view.timezone} ({source}).\n{board_line}")


def export(view: ExportView) -> Reply:
    data = json.dumps(view.data, indent=2, ensure_ascii=False, default=_json_default)
    return Reply(
        "Everything studybot stores about you is in the attached file.",
        files=[discord.File(io.BytesIO(data.encode()), filename=EXPORT_FILE)],
    )


def _json_default(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def forget_prompt(user_id: int) -> Reply:
    confirm = discord.ui.Button[discord.ui.View](
        label="Delete my data",
        custom_id=custom_ids.forget(user_id),
        style=discord.ButtonStyle.danger,
    )
    return Reply(
        "This deletes your answers, review cards and progress in studybot, in every server"
        " it shares with you. It cannot be undone. Use /export-me first for a copy.",
        view=buttons([confirm]),
    )


def forgotten(deleted: bool) -> Reply:
    if deleted:
        return Reply("Done: everything studybot stored about you is deleted.")
    return Reply("studybot had nothing stored about you.")


def error_line(error: StudyError) -> str:
    """One friendly line per domain error; Discord's own words for commands and roles."""
    text = str(error)
    if isinstance(error, NotAllowed):
        return f"{text} On Discord that is the Manage Server permission."
    if isinstance(error, NoDrillSchedule):
        return f"{text} A server manager can set one with /drill set."
    if isinstance(error, ReviewEnded):
        return "That review session has ended. Start a new one with /review."
    if isinstance(error, UnknownConcept):
        return f"Unknown concept '{error.concept}'. See /topics for the ids."
    return text
