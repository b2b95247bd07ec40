"""The Discord renderer on its own: what a member sees for each view, within Discord's limits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from bot.adapters.discord import custom_ids, render
from bot.adapters.discord.components import DYNAMIC_ITEMS
from bot.core.records import BoardRow
from bot.core.views import (
    BoardView,
    FeedbackView,
    QuestionView,
    RevealView,
    ReviewCardView,
    ReviewStepView,
)
from tests.harness.discord_payloads import message_problems

CLOSES = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)


def question_view(**changes: object) -> QuestionView:
    values: dict[str, object] = {
        "kind": "drill",
        "question_id": "rag-001",
        "concept": "rag",
        "concept_title": "Retrieval-augmented generation",
        "prompt": "Which approach grounds answers in your own documents?",
        "choices": ("Fine-tuning", "RAG", "A longer prompt", "A bigger model"),
        "difficulty": 2,
        "post_id": 12345678901234567,
        "closes_at": CLOSES,
    }
    values.update(changes)
    return QuestionView(**values)  # type: ignore[arg-type]


def as_payload(reply: render.Reply) -> dict[str, object]:
    """The message body discord.py would send for a reply."""
    return {
        "content": reply.content,
        "embeds": [e.to_dict() for e in reply.embeds],
        "components": reply.view.to_components() if reply.view else [],
    }


def test_question_shows_every_option_and_a_discord_timestamp() -> None:
    """The embed spells out the lettered options, concept, difficulty and closing time."""
    embed = render.question(question_view()).embeds[0]
    assert embed.description is not None
    assert (
        "**A)** Fine-tuning" in embed.description and "**D)** A bigger model" in embed.description
    )
    fields = {f.name: f.value for f in embed.fields}
    stamp = int(CLOSES.timestamp())
    assert fields == {
        "Concept": "Retrieval-augmented generation",
        "Difficulty": "medium",
        "Closes": f"<t:{stamp}:t> (<t:{stamp}:R>)",
    }


def test_buttons_carry_only_ids_and_match_their_router() -> None:
    """One button per option, labelled with its letter; each custom_id is at most 100
    characters and is owned by exactly one DynamicItem pattern."""
    reply = render.question(question_view())
    assert reply.view is not None
    buttons = [c for row in reply.view.to_components() for c in row["components"]]
    assert [b["label"] for b in buttons] == ["A", "B", "C", "D"]
    assert [b["custom_id"] for b in buttons][1] == "sb:a:12345678901234567:1"
    longest = [
        custom_ids.answer(2**63, 9),
        custom_ids.review(2**63, 9999, 9),
        custom_ids.next_card(2**63),
        custom_ids.forget(2**64),
    ]
    for custom_id in longest + [b["custom_id"] for b in buttons]:
        assert len(custom_id) <= 100
        owners = [
            i for i in DYNAMIC_ITEMS if i.__discord_ui_compiled_template__.fullmatch(custom_id)
        ]
        assert len(owners) == 1, custom_id


def test_a_closed_question_keeps_its_text_and_disables_every_button() -> None:
    """At the reveal the question is edited: same text, no closing time, buttons disabled."""
    reply = render.question(question_view(closed=True))
    assert reply.view is not None
    buttons = [c for row in reply.view.to_components() for c in row["components"]]
    assert buttons and all(b["disabled"] for b in buttons)
    embed = reply.embeds[0]
    assert "Closes" not in [f.name for f in embed.fields]
    assert embed.footer.text is not None and "reply" in embed.footer.text


def test_reveal_names_the_answer_the_wrong_options_and_the_tally() -> None:
    """The reveal: right answer, why each wrong option is wrong, how many got it, capped names."""
    view = RevealView(
        kind="drill",
        question_id="rag-001",
        prompt="Which approach grounds answers?",
        choices=("Fine-tuning", "RAG", "A longer prompt"),
        answer=1,
        explanation="RAG retrieves your documents at question time.",
        rationales=("Training does not quote documents.", None, "Length adds no facts."),
        correct_count=14,
        total=20,
        correct_names=("ana", "bob"),
        more_names=12,
        streaks=(("ana", 3), ("bob", 1)),
    )
    embed = render.reveal(view).embeds[0]
    assert embed.title == "Answer: B) RAG"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Why not A"] == "Training does not quote documents."
    assert fields["Why not C"] == "Length adds no facts."
    assert fields["Result"] == "14 of 20 got it right.\nRight: ana, bob and 12 more"
    assert fields["Streaks"] == "ana: 3 days"


def test_board_mentions_members_by_id() -> None:
    """Board rows mention Discord members by id (the outbox sends them without pinging)."""
    rows = (BoardRow(1, "ana", 12, 3, 4, "5001"), BoardRow(2, "console-bob", 3, 1, 2, ""))
    embed = render.board(BoardView("This week", rows, date(2026, 1, 12), "week")).embeds[0]
    assert embed.description == (
        "**1.** <@5001> · 12 pts · 3/4 correct\n**2.** console-bob · 3 pts · 1/2 correct"
    )
    empty = render.board(BoardView("This week", ())).embeds[0]
    assert empty.description == "No points yet."


def test_huge_texts_stay_within_discord_limits() -> None:
    """A very long prompt, explanation or rationale is cut, never refused by Discord."""
    long = "x" * 9000
    question = render.question(question_view(prompt=long, choices=(long, long)))
    reveal = render.reveal(
        RevealView("quiz", "q", long, (long, long), 0, long, (None, long), 1, 2, ("a" * 300,))
    )
    card = ReviewCardView(7, 1, 10, question_view(kind="review", prompt=long))
    feedback = FeedbackView("q", False, 0, 1, ("a", "b"), long, long, CLOSES)
    step = ReviewStepView(7, 1, feedback, card)
    for reply in (question, reveal, render.review_card(card), render.review_step(step)):
        assert message_problems(as_payload(reply)) == []


def test_review_feedback_explains_a_wrong_choice_and_offers_the_next_card() -> None:
    """Wrong review answer: what was chosen, the right answer, why not, and a Next button."""
    feedback = FeedbackView(
        "q", False, 0, 1, ("Fine-tuning", "RAG"), "RAG fetches documents.", "No quoting.", CLOSES
    )
    card = ReviewCardView(7, 2, 3, question_view(kind="review"))
    reply = render.review_step(ReviewStepView(7, 1, feedback, card))
    embed = reply.embeds[0]
    assert embed.title == "Not quite" and embed.description is not None
    assert embed.description.startswith("You chose **A**; the answer is **B) RAG**.")
    assert "Why not A: No quoting." in embed.description
    assert reply.view is not None
    [button] = [c for row in reply.view.to_components() for c in row["components"]]
    assert button["custom_id"] == "sb:n:7" and re.fullmatch(custom_ids.NEXT_CARD, "sb:n:7")
