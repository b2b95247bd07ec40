"""Block Kit rendering of the core's views. Pure functions: a view in, a message out.

Button values carry ids only (a post id or a review session, and the choice); the
service checks workspace, channel and state when a click comes back. Options are
written out in full in a section, because Slack cuts button text at 75 characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.questions import LETTERS
from bot.core.views import (
    FeedbackView,
    QuestionView,
    ReceiptView,
    RevealView,
    ReviewCardView,
    ReviewStepView,
    StartedView,
)

Block = dict[str, Any]

SECTION_LIMIT = 3000  # characters of mrkdwn in one section
BUTTON_LIMIT = 75  # characters of a button label
MESSAGE_BLOCKS = 50
KIND_LABEL = {"drill": "Daily drill", "quiz": "Quiz", "review": "Review"}

# action_ids (bolt listeners match these; values are parsed back in actions.py)
ANSWER_ACTION = "sb-answer-{letter}"  # value: "<post id>:<choice>"
REVIEW_ACTION = "sb-review-{letter}"  # value: "<session id>:<position>:<choice>"
REVIEW_NEXT_ACTION = "sb-review-next"  # value: "<session id>"
FORGET_ACTION = "sb-forget-confirm"  # value: "forget"


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage, chat.update, respond() or views.publish need."""

    text: str  # the notification and screen-reader fallback
    blocks: list[Block] = field(default_factory=list)


# ----------------------------------------------------------------------- text bits


def escape(text: str) -> str:
    """Slack mrkdwn control characters; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def local_time(instant: datetime, pattern: str = "{date_short_pretty} at {time}") -> str:
    """A time every reader sees in their own zone (Slack date formatting), UTC as fallback."""
    fallback = instant.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{pattern}|{fallback}>"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 2000)}]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, BUTTON_LIMIT)},
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    return element


def label(kind: str, position: int | None, of: int | None) -> str:
    text = KIND_LABEL.get(kind, kind.title())
    if position is not None and of is not None:
        text += f" {position}/{of}"
    return text


def option_lines(choices: tuple[str, ...]) -> str:
    return "\n".join(f"*{LETTERS[i].upper()})* {escape(c)}" for i, c in enumerate(choices))


def choice_label(view: QuestionView, index: int) -> str:
    """Letters on buttons; a True/False question shows its two words."""
    if view.type == "truefalse":
        return view.choices[index]
    return LETTERS[index].upper()


def answer_line(choices: tuple[str, ...], index: int) -> str:
    return f"*{LETTERS[index].upper()})* {escape(choices[index])}"


# ------------------------------------------------------------------- questions


def question(view: QuestionView) -> SlackMessage:
    """A drill or quiz question in a channel: buttons while open, none once closed."""
    head = label(view.kind, view.position, view.of)
    fallback = f"{head}: {view.prompt}"
    if view.closed:
        blocks = [
            section(f"*{head}* · {escape(view.concept_title)}\n{escape(view.prompt)}"),
            section(option_lines(view.choices)),
            context("Closed. The answer is in the thread."),
        ]
        return SlackMessage(f"{fallback} (closed)", blocks)
    if view.post_id is None:
        raise ValueError("a channel question needs its post id for its buttons")
    buttons = [
        button(
            choice_label(view, i),
            ANSWER_ACTION.format(letter=LETTERS[i]),
            f"{view.post_id}:{i}",
        )
        for i in range(len(view.choices))
    ]
    return SlackMessage(fallback, [*_question_body(view, head), _actions("choices", buttons)])


def review_card(card: ReviewCardView) -> SlackMessage:
    """A personal review card (ephemeral); the buttons carry the session and position."""
    view = card.question
    head = label("review", card.position, card.of)
    buttons = [
        button(
            choice_label(view, i),
            REVIEW_ACTION.format(letter=LETTERS[i]),
            f"{card.session_id}:{card.position}:{i}",
        )
        for i in range(len(view.choices))
    ]
    body = _question_body(view, head, hint=False)
    return SlackMessage(f"{head}: {view.prompt}", [*body, _actions("review", buttons)])


def _question_body(view: QuestionView, head: str, hint: bool = True) -> list[Block]:
    blocks = [
        section(f"*{head}* · {escape(view.concept_title)} · difficulty {view.difficulty}"),
        section(escape(view.prompt)),
        section(option_lines(view.choices)),
    ]
    if hint:
        typed = "true or false" if view.type == "truefalse" else "a letter"
        how = f"Click a button, or reply in this message's thread with {typed}."
        if view.closes_at is not None:
            pattern = "{time_secs}" if view.kind == "quiz" else "{date_short_pretty} at {time}"
            how += f" Closes {local_time(view.closes_at, pattern)}."
        if view.kind == "drill":
            how += " Answers stay hidden until then."
        blocks.append(context(how))
    return blocks


def _actions(block_id: str, elements: list[Block]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": elements}


# -------------------------------------------------------------- answers, reveals


def receipt(view: ReceiptView) -> SlackMessage:
    letter = LETTERS[view.choice].upper()
    if view.kind == "quiz":
        text = (
            f"Locked in: {letter}. The answer shows at {local_time(view.reveal_at, '{time_secs}')}"
            " or when everyone has answered."
        )
    else:
        text = f"Locked in: {letter}. The answer is revealed {local_time(view.reveal_at)}."
    return SlackMessage(f"Locked in: {letter}.", [section(text)])


def feedback(step: ReviewStepView) -> SlackMessage:
    """The result of a review answer with a button to the next card (or the end)."""
    fb: FeedbackView = step.feedback
    right = answer_line(fb.choices, fb.answer)
    if fb.correct:
        lines = [f":white_check_mark: *Correct:* {right}", escape(fb.explanation)]
    else:
        lines = [
            f":x: *Not quite.* You chose {LETTERS[fb.choice].upper()}; the answer is {right}",
        ]
        if fb.rationale:
            lines.append(f"_Why not {LETTERS[fb.choice].upper()}:_ {escape(fb.rationale)}")
        lines.append(escape(fb.explanation))
    blocks = [
        section("\n".join(lines)),
        context(f"Next review of this card {local_time(fb.next_due)}."),
    ]
    if step.repeated:
        blocks.insert(0, context("You already answered this card; here is your result again."))
    if step.next is not None:
        blocks.append(
            _actions(
                "next", [button("Next card", REVIEW_NEXT_ACTION, str(step.session_id), "primary")]
            )
        )
    else:
        blocks.append(
            context("That was the last card of this review. `/study stats` shows what is due next.")
        )
    verdict = "Correct" if fb.correct else "Not quite"
    return SlackMessage(f"{verdict}. The answer is {LETTERS[fb.answer].upper()}.", blocks)


def review_done() -> SlackMessage:
    text = "Nothing to review right now: you are all caught up."
    return SlackMessage(text, [section(text)])


def reveal(view: RevealView) -> SlackMessage:
    """The answer posted in the question's thread."""
    head = label(view.kind, view.position, view.of)
    lines = [
        f"*{head}: the answer is* {answer_line(view.choices, view.answer)}",
        escape(view.explanation),
    ]
    blocks = [section("\n".join(lines))]
    why = [
        f"• *Not {_option_name(view.choices, i)}:* {escape(rationale)}"
        for i, rationale in enumerate(view.rationales)
        if rationale and i != view.answer
    ]
    if why:
        blocks.append(section("\n".join(why)))
    tally = f"*{view.correct_count} of {view.total}* got it right."
    names = [escape(n) for n in view.correct_names]
    if view.more_names:
        names.append(f"and {view.more_names} more")
    if names:
        tally += " Well done " + ", ".join(names) + "."
    blocks.append(section(tally))
    streaks = [f"{escape(name)} ({days} days)" for name, days in view.streaks if days > 1]
    if streaks:
        blocks.append(context(":fire: Streaks: " + ", ".join(streaks)))
    fallback = (
        f"{head}: the answer is {LETTERS[view.answer].upper()}."
        f" {view.correct_count} of {view.total} got it right."
    )
    return SlackMessage(fallback, blocks)


def _option_name(choices: tuple[str, ...], index: int) -> str:
    if choices == ("True", "False"):
        return choices[index]
    return LETTERS[index].upper()


# --------------------------------------------------------------- notices


def started(view: StartedView) -> SlackMessage:
    if view.kind == "quiz":
        about = f" on {view.concept}" if view.concept else ""
        plural = "s" if view.count != 1 else ""
        text = (
            f"Starting a quiz of {view.count} question{plural}{about}. Answer with the buttons"
            " or with a letter in the question's thread."
        )
    else:
        text = "Posting a drill question now."
    return SlackMessage(text, [section(text)])


def notice(text: str) -> SlackMessage:
    return SlackMessage(text, [section(text)])


def forget_prompt() -> SlackMessage:
    text = (
        "This deletes every answer, card and point of yours in studybot, for good."
        " Nothing can bring it back."
    )
    confirm = {
        "title": {"type": "plain_text", "text": "Delete your data?"},
        "text": {"type": "mrkdwn", "text": "Your answers, cards and points go for good."},
        "confirm": {"type": "plain_text", "text": "Delete"},
        "deny": {"type": "plain_text", "text": "Keep"},
    }
    delete = button("Delete my data", FORGET_ACTION, "forget", "danger")
    delete["confirm"] = confirm
    return SlackMessage(text, [section(text), _actions("forget", [delete])])
