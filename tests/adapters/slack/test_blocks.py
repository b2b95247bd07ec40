"""Block Kit rendering: what a Slack user sees for each view, within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bot.adapters.slack import blocks, summaries
from bot.core.records import BoardRow
from bot.core.views import (
    BoardView,
    ConceptProgress,
    FeedbackView,
    QuestionView,
    RevealView,
    ReviewCardView,
    ReviewStepView,
    StatsView,
)

CLOSES = datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
LONG = "an option written out at such length that no Slack button could ever hold it " * 2


def question(**changes: Any) -> QuestionView:
    fields: dict[str, Any] = {
        "kind": "drill",
        "question_id": "rag-01",
        "concept": "rag",
        "concept_title": "Retrieval-augmented generation",
        "prompt": "Which <option> & which not?",
        "choices": ("short", LONG, "third", "fourth"),
        "difficulty": 2,
        "post_id": 42,
        "closes_at": CLOSES,
    }
    fields.update(changes)
    return QuestionView(**fields)


def buttons(message: blocks.SlackMessage) -> list[dict[str, Any]]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def all_text(message: blocks.SlackMessage) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def test_a_question_shows_every_option_in_full_and_letters_on_the_buttons() -> None:
    """Options longer than a button label are written out; buttons carry letters and ids."""
    message = blocks.question(question())
    text = all_text(message)
    assert LONG.strip() in text
    assert [b["text"]["text"] for b in buttons(message)] == ["A", "B", "C", "D"]
    assert [b["value"] for b in buttons(message)] == ["42:0", "42:1", "42:2", "42:3"]
    assert [b["action_id"] for b in buttons(message)] == [f"sb-answer-{x}" for x in "abcd"]
    assert "&lt;option&gt; &amp; which" in text
    assert len(message.blocks) <= blocks.MESSAGE_BLOCKS


def test_a_true_false_question_puts_the_two_words_on_its_buttons() -> None:
    """True/False questions read better with the words than with A and B."""
    message = blocks.question(question(type="truefalse", choices=("True", "False")))
    assert [b["text"]["text"] for b in buttons(message)] == ["True", "False"]


def test_a_closed_question_has_no_buttons() -> None:
    """At the reveal the question is updated without its buttons."""
    message = blocks.question(question(closed=True))
    assert buttons(message) == []
    assert "Closed" in all_text(message)


def test_a_review_card_carries_the_session_and_position() -> None:
    """Review buttons name the session, the card's position and the choice only."""
    card = ReviewCardView(session_id=7, position=2, of=5, question=question(kind="review"))
    message = blocks.review_card(card)
    assert [b["value"] for b in buttons(message)] == ["7:2:0", "7:2:1", "7:2:2", "7:2:3"]
    assert "Review 2/5" in all_text(message)


def reveal_view(**changes: Any) -> RevealView:
    fields: dict[str, Any] = {
        "kind": "drill",
        "question_id": "rag-01",
        "prompt": "Which?",
        "choices": ("one", "two", "three"),
        "answer": 1,
        "explanation": "Two is grounded.",
        "rationales": ("one is a trap", None, "three is too late"),
        "correct_count": 1,
        "total": 2,
        "correct_names": ("Ana",),
    }
    fields.update(changes)
    return RevealView(**fields)


def test_a_reveal_says_the_answer_why_the_others_are_wrong_and_how_many_got_it() -> None:
    """The thread reply carries answer, explanation, each wrong option's rationale and the tally."""
    text = all_text(blocks.reveal(reveal_view()))
    assert "*B)* two" in text and "Two is grounded." in text
    assert "Not A:* one is a trap" in text and "Not C:* three is too late" in text
    assert "*1 of 2* got it right" in text and "Ana" in text


def test_a_long_list_of_names_ends_with_how_many_more() -> None:
    """Capped name lists from the core end with 'and N more'."""
    text = all_text(blocks.reveal(reveal_view(correct_names=("Ana", "Bob"), more_names=12)))
    assert "Ana, Bob, and 12 more" in text


def feedback_step(next_card: ReviewCardView | None, correct: bool = False) -> ReviewStepView:
    fb = FeedbackView(
        question_id="rag-01",
        correct=correct,
        choice=0,
        answer=1,
        choices=("one", "two"),
        explanation="Two is grounded.",
        rationale="one is a trap",
        next_due=CLOSES,
    )
    return ReviewStepView(session_id=7, position=1, feedback=fb, next=next_card)


def test_review_feedback_offers_the_next_card_or_says_the_review_is_over() -> None:
    """Wrong answers get the rationale; a next-card button only while cards remain."""
    card = ReviewCardView(session_id=7, position=2, of=2, question=question(kind="review"))
    more = blocks.feedback(feedback_step(card))
    assert "Why not A:_ one is a trap" in all_text(more)
    assert [(b["action_id"], b["value"]) for b in buttons(more)] == [("sb-review-next", "7")]
    done = blocks.feedback(feedback_step(None, correct=True))
    assert buttons(done) == [] and "last card" in all_text(done)


def test_a_board_mentions_only_when_asked() -> None:
    """Posted boards show names (no pings); ephemeral ones may mention."""
    view = BoardView("This week", (BoardRow(1, "Ana", 20, 2, 2, "U0ANA"),), kind="week")
    assert "<@U0ANA>" in all_text(summaries.board(view, mention=True))
    posted = all_text(summaries.board(view))
    assert "<@U0ANA>" not in posted and "Ana" in posted and "*20* pts" in posted


def test_the_home_tab_shows_mastery_per_concept() -> None:
    """The App Home view lists stats and each concept's mastered count."""
    stats = StatsView(
        name="Ana",
        answered=10,
        correct=7,
        streak=3,
        points_week=30,
        points_all=70,
        due_now=2,
        due_week=5,
        concepts=(ConceptProgress("rag", "RAG", 10, 6, 5, 8, 6),),
        forecast=((date(2026, 1, 15), 2), (date(2026, 1, 16), 3)),
    )
    home = summaries.home(stats)
    text = json.dumps(home)
    assert home["type"] == "home"
    assert "RAG: 5/10 mastered" in text and "70%" in text and "Thu 2" in text
    assert "No answers yet" in json.dumps(summaries.home(None))
