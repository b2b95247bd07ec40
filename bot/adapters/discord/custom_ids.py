"""The custom_ids of studybot's buttons: ids only, at most 100 characters.

Each pattern has one owner (a DynamicItem in components.py). The core re-checks the
ids against the place and state of the click, so a tampered value records nothing.
"""

from __future__ import annotations

ANSWER = r"sb:a:(?P<post>[0-9]{1,19}):(?P<choice>[0-9])"
REVIEW = r"sb:r:(?P<session>[0-9]{1,19}):(?P<position>[0-9]{1,4}):(?P<choice>[0-9])"
NEXT_CARD = r"sb:n:(?P<session>[0-9]{1,19})"
FORGET = r"sb:f:(?P<user>[0-9]{1,20})"


def answer(post_id: int, choice: int) -> str:
    return f"sb:a:{post_id}:{choice}"


def review(session_id: int, position: int, choice: int) -> str:
    return f"sb:r:{session_id}:{position}:{choice}"


def next_card(session_id: int) -> str:
    return f"sb:n:{session_id}"


def forget(user_id: int | str) -> str:
    return f"sb:f:{user_id}"
