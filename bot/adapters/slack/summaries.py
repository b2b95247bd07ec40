"""Block Kit for what learners read rather than answer: boards, stats, the App Home tab,
topics, a channel's drill and the workspace's settings."""

from __future__ import annotations

from bot.adapters import text
from bot.adapters.slack.blocks import Block, SlackMessage, context, escape, local_time, section
from bot.core.views import (
    BoardView,
    DrillStatusView,
    ReadinessView,
    StatsView,
    TenantSettingsView,
    TopicsView,
)

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def board(view: BoardView, mention: bool = False) -> SlackMessage:
    """A leaderboard; ``mention`` writes <@user> (only where it pings nobody: ephemeral)."""
    title = escape(view.title)
    if not view.rows:
        return SlackMessage(view.title, [section(f"*{title}*\nNo points yet.")])
    medals = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}
    lines = []
    for rank, row in enumerate(view.rows, start=1):
        who = (
            f"<@{row.platform_user_id}>"
            if mention and row.platform_user_id
            else escape(row.display_name)
        )
        lines.append(
            f"{medals.get(rank, f'{rank}.')} {who}: *{row.points}* pts"
            f" ({row.correct}/{row.answered} correct)"
        )
    return SlackMessage(view.title, [section(f"*{title}*"), section("\n".join(lines))])


def stats_blocks(view: StatsView) -> list[Block]:
    fields = [
        f"*Answered*\n{view.answered} ({view.accuracy:.0%} correct)",
        f"*Streak*\n{view.streak} day{'s' if view.streak != 1 else ''}",
        f"*Points*\n{view.points_week} this week, {view.points_all} in all",
        f"*Due*\n{view.due_now} now, {view.due_week} within 7 days",
    ]
    blocks: list[Block] = [
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    rows = [
        f"`{_bar(c.mastered, c.total)}` {escape(c.title)}: {c.mastered}/{c.total} mastered,"
        f" {c.seen} seen"
        for c in view.concepts
    ]
    if rows:
        blocks.append(section("*Mastery by concept*\n" + "\n".join(rows)))
    if view.forecast:
        days = ", ".join(f"{d:%a} {n}" for d, n in view.forecast)
        blocks.append(context(f"Cards due per day ({escape(view.timezone)}): {days}"))
    return blocks


def stats(view: StatsView) -> SlackMessage:
    head = section(f"*Stats for {escape(view.name)}*")
    return SlackMessage(f"Stats for {view.name}", [head, *stats_blocks(view)])


def home(view: StatsView | None) -> Block:
    """The App Home tab: the learner's stats and mastery, or a welcome before any answer."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your study progress"}},
    ]
    if view is None or view.answered == 0:
        blocks.append(
            section(
                "No answers yet. Type `/study review` for your first cards, or `/study help`"
                " for everything the bot does."
            )
        )
    else:
        blocks += stats_blocks(view)
        blocks.append(context("`/study review` trains what you are about to forget."))
    return {"type": "home", "blocks": blocks[:100]}


def _bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def readiness(view: ReadinessView) -> SlackMessage:
    summary = f"Exam readiness: {view.score:.0%} predicted"
    table = escape(text.render(view))[:2900]
    return SlackMessage(summary, [section(f"*{summary}*\n```{table}```")])


def topics(view: TopicsView) -> SlackMessage:
    lines = [f"`{cid}` {escape(title)} ({count})" for cid, title, count in view.topics]
    text = "*Topics* (use the id with `/study quiz` or `concept=`)\n" + "\n".join(lines)
    return SlackMessage("Topics", [section(text)])


def drill_status(view: DrillStatusView) -> SlackMessage:
    if not view.enabled:
        text = (
            "No daily drill in this channel. An admin sets one with `/study drill set HH:MM ZONE`."
        )
        return SlackMessage(text, [section(text)])
    summary = (
        f"Daily drill at {view.local_time} {view.timezone}, {view.days},"
        f" answers open for {view.window}"
    )
    if view.concept:
        summary += f", concept {view.concept}"
    text = escape(summary)
    if view.next_fire is not None:
        text += f". Next: {local_time(view.next_fire)}"
    return SlackMessage(summary + ".", [section(text + ".")])


def tenant_settings(view: TenantSettingsView) -> SlackMessage:
    zone = escape(view.timezone) + ("" if view.timezone_explicit else " (from the first drill)")
    board_line = "off"
    if view.board_day is not None:
        board_line = f"{DAYS[view.board_day]} at {view.board_time}"
    text = f"*Workspace settings*\nTime zone: {zone}\nWeekly board: {board_line}"
    return SlackMessage(f"Time zone {view.timezone}", [section(text)])
