"""Typed answers: the one parser the console and Slack thread replies share."""

from __future__ import annotations

from bot.core.questions import LETTERS

TRUE_WORDS = ("true", "t")
FALSE_WORDS = ("false", "f")


def parse_answer(text: str, question_type: str, n_choices: int) -> int | None:
    """The 0-based choice that `text` names for this kind of question, or None.

    `b`, `B`, `b)`, ` b ` and `b.` name the second option. A true/false question
    also takes `true`/`false` (`t`/`f`), which mean nothing on a lettered one, so
    `f` never answers a multiple-choice question as its sixth letter.
    """
    word = text.strip().lower().rstrip(").").strip()
    if question_type == "truefalse":
        if word in TRUE_WORDS:
            return 0
        if word in FALSE_WORDS:
            return 1
    if len(word) == 1 and word in LETTERS[:n_choices]:
        return LETTERS.index(word)
    return None
