"""What the Slack adapter says in words: help, usage lines, and each domain error."""

from __future__ import annotations

from bot.core.errors import (
    NoDrillSchedule,
    NotAllowed,
    ReviewEnded,
    StudyError,
    UnknownConcept,
)

HELP = """*studybot*: `/study` and one of
• `quiz [concept] [count]`: a group quiz in this channel
• `review`: your spaced-repetition cards, only you see them
• `drill set HH:MM ZONE [days=mon-fri] [window=8h] [concept=ID]`: a daily drill here (admins)
• `drill off` · `drill status` · `drill now`: this channel's daily drill (off and now: admins)
• `leaderboard [week|all]`: points in this workspace
• `stats`: your progress; the chart arrives in our direct messages
• `readiness`: your predicted exam score per concept and what to study next
• `topics`: the concepts, with the ids `quiz` and `concept=` take
• `export-me`: everything stored about you, as a file in our direct messages
• `forget-me`: delete your data
• `settings`: the workspace's time zone and weekly board
• `timezone ZONE`: the workspace's time zone for weeks and streaks (admins)
• `board DAY HH:MM` or `board off`: when the weekly board is posted (admins)
Answer a question with its buttons, or reply in its thread with a letter (`b`)."""

USAGE = {
    "quiz": "`/study quiz [concept] [count]`, e.g. `/study quiz rag 3`",
    "drill": (
        "`/study drill set HH:MM ZONE [days=mon,tue,...] [window=DURATION] [concept=ID]`,"
        " `/study drill off`, `/study drill status` or `/study drill now`"
    ),
    "leaderboard": "`/study leaderboard [week|all]`",
    "timezone": "`/study timezone ZONE`, e.g. `/study timezone Europe/Berlin`",
    "board": "`/study board DAY HH:MM` (e.g. `/study board mon 09:00`) or `/study board off`",
}

NOT_MEMBER = "I am not in this channel yet. Invite me with `/invite @studybot`, then try again."
FAILED = "Something went wrong on my side; nothing was changed. Please try again later."


def usage_line(problem: str, subcommand: str | None = None) -> str:
    """One line saying what was wrong, then how the command is written."""
    how = USAGE.get(subcommand or "", "")
    if how:
        return f"{problem} Usage: {how}"
    return f"{problem} Try `/study help`."


def explain(error: StudyError) -> str:
    """One friendly line for a domain error; the core's text names no command, we may."""
    if isinstance(error, NoDrillSchedule):
        return f"{error} An admin sets one with `/study drill set HH:MM ZONE`."
    if isinstance(error, UnknownConcept):
        return f"{error}. `/study topics` lists them."
    if isinstance(error, ReviewEnded):
        return "That review session has ended. Type `/study review` to start a new one."
    if isinstance(error, NotAllowed):
        return f"Not allowed: {error.reason}"
    return str(error)
