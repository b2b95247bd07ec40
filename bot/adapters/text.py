"""Plain-text rendering of the core's views, for the console and notification text."""

from __future__ import annotations

import json
from datetime import datetime
from functools import singledispatch

from bot.core.questions import LETTERS
from bot.core.views import (
    BoardView,
    DrillStatusView,
    ExportView,
    FeedbackView,
    NoticeView,
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

KIND_LABEL = {"drill": "Daily drill", "quiz": "Quiz", "review": "Review"}


def when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


@singledispatch
def render(view: object) -> str:
    raise TypeError(f"no text rendering for {type(view).__name__}")


@render.register
def _question(view: QuestionView) -> str:
    label = KIND_LABEL.get(view.kind, view.kind)
    if view.position is not None and view.of is not None:
        label += f" {view.position}/{view.of}"
    if view.closed:
        return f"[{label} closed] {view.prompt}"
    lines = [f"[{label}] {view.concept_title} · difficulty {view.difficulty}", view.prompt]
    lines += [f"  {LETTERS[i]}) {choice}" for i, choice in enumerate(view.choices)]
    hint = f"Answer with a letter (a-{LETTERS[len(view.choices) - 1]})"
    if view.closes_at is not None and view.kind == "quiz":
        hint += f"; closes at {view.closes_at:%H:%M:%S} UTC"  # quiz windows are seconds long
    elif view.closes_at is not None:
        hint += f"; closes {when(view.closes_at)}"
    lines.append(hint + ".")
    return "\n".join(lines)


@render.register
def _receipt(view: ReceiptView) -> str:
    locked = f"Locked in: {LETTERS[view.choice]}."
    if view.kind == "quiz":
        return (
            f"{locked} The answer is revealed at {view.reveal_at:%H:%M:%S} UTC"
            " or when everyone has answered."
        )
    return f"{locked} The answer is revealed at {when(view.reveal_at)}."


@render.register
def _feedback(view: FeedbackView) -> str:
    right = f"{LETTERS[view.answer]}) {view.choices[view.answer]}"
    if view.correct:
        lines = [f"Correct: {right}", view.explanation]
    else:
        lines = [f"Not quite. You chose {LETTERS[view.choice]}; the answer is {right}"]
        if view.rationale:
            lines.append(f"Why not {LETTERS[view.choice]}: {view.rationale}")
        lines.append(view.explanation)
    lines.append(f"Next review of this card: {when(view.next_due)}.")
    return "\n".join(lines)


@render.register
def _reveal(view: RevealView) -> str:
    label = KIND_LABEL.get(view.kind, view.kind)
    if view.position is not None and view.of is not None:
        label += f" {view.position}/{view.of}"
    lines = [
        f"[{label} reveal] {view.prompt}",
        f"Answer: {LETTERS[view.answer]}) {view.choices[view.answer]}",
        view.explanation,
    ]
    true_false = view.choices == ("True", "False")
    for i, rationale in enumerate(view.rationales):
        if rationale:
            lines.append(f"  Not {view.choices[i] if true_false else LETTERS[i]}: {rationale}")
    lines.append(f"{view.correct_count} of {view.total} got it right.")
    if view.correct_names:
        more = f" and {view.more_names} more" if view.more_names else ""
        lines.append("Correct: " + ", ".join(view.correct_names) + more)
    streaks = [f"{name} ({days}-day streak)" for name, days in view.streaks if days > 1]
    if streaks:
        lines.append("Streaks: " + ", ".join(streaks))
    return "\n".join(lines)


@render.register
def _board(view: BoardView) -> str:
    if not view.rows:
        return f"{view.title}\n  No points yet."
    lines = [view.title]
    for rank, row in enumerate(view.rows, start=1):
        lines.append(
            f"  {rank}. {row.display_name}: {row.points} pts ({row.correct}/{row.answered} correct)"
        )
    return "\n".join(lines)


@render.register
def _stats(view: StatsView) -> str:
    lines = [
        f"Stats for {view.name}",
        f"  Answered: {view.answered}, correct: {view.correct} ({view.accuracy:.0%})",
        f"  Streak: {view.streak} day(s)",
        f"  Points: {view.points_week} this week, {view.points_all} all time",
        f"  Due now: {view.due_now}, due within 7 days: {view.due_week}",
        "  Due per day: " + ", ".join(f"{d:%a} {n}" for d, n in view.forecast),
        "  Mastery by concept (mastered/seen/total):",
    ]
    for c in view.concepts:
        lines.append(f"    {c.concept:<24} {c.mastered}/{c.seen}/{c.total}")
    return "\n".join(lines)


@render.register
def _readiness(view: ReadinessView) -> str:
    pace = f"{view.pace:.0f} cards a day" + ("" if view.pace_measured else " (assumed)")
    lines = [
        f"Exam readiness for {view.name} (an estimate from your answers so far)",
        f"  Predicted score: {view.score:.0%} (a {view.exam_questions}-question exam: "
        f"{view.low:.0%} to {view.high:.0%})",
        f"  By concept: chance right, questions seen, days of review to {view.target:.0%}"
        f" at {pace}:",
    ]
    for c in view.concepts:
        if c.days_to_target == 0:
            days = "ready"
        elif c.days_to_target is None:
            days = "over 60 days"
        else:
            days = f"{c.days_to_target} day(s)"
        lines.append(f"    {c.concept:<24} {c.chance:>4.0%}  {c.seen:>3}/{c.total:<3}  {days}")
    lines.append("  Study next: " + ", ".join(view.study_next))
    return "\n".join(lines)


@render.register
def _topics(view: TopicsView) -> str:
    lines = ["Topics (use the id with /quiz or concept=):"]
    lines += [f"  {cid:<24} {title} ({count} questions)" for cid, title, count in view.topics]
    return "\n".join(lines)


@render.register
def _drill(view: DrillStatusView) -> str:
    if not view.enabled:
        return "No daily drill in this channel. Set one with /drill set HH:MM ZONE."
    text = (
        f"Daily drill at {view.local_time} {view.timezone}, {view.days},"
        f" answers open for {view.window}"
    )
    if view.concept:
        text += f", concept {view.concept}"
    if view.next_fire is not None:
        text += f". Next: {view.next_fire_local} ({when(view.next_fire)})"
    return text + "."


@render.register
def _export(view: ExportView) -> str:
    return json.dumps(view.data, indent=2, ensure_ascii=False)


@render.register
def _notice(view: NoticeView) -> str:
    return view.text


@render.register
def _started(view: StartedView) -> str:
    if view.kind == "quiz":
        about = f" on {view.concept}" if view.concept else ""
        return f"Quiz started: {view.count} question(s){about}."
    return "Drill posted."


@render.register
def _review_card(view: ReviewCardView) -> str:
    return render(view.question)


@render.register
def _review_step(view: ReviewStepView) -> str:
    text = render(view.feedback)
    if view.repeated:
        text = "(already answered; only your first answer counts)\n" + text
    return text


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@render.register
def _settings(view: TenantSettingsView) -> str:
    zone = view.timezone + ("" if view.timezone_explicit else " (from the first drill)")
    board = "off" if view.board_day is None else f"{WEEKDAYS[view.board_day]} {view.board_time}"
    return f"Workspace time zone: {zone}. Weekly board: {board}."
