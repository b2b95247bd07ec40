"""Crash points: a test seam that kills this process (SIGKILL) at a named moment.

The crash tests set STUDYBOT_CRASH_AT to a comma-separated list of names; the
entry point arms them once. Nothing is armed in normal use, and then every
crash point costs one set lookup.

Names: `migrated` (schema upgraded, not yet committed), `before-post:KIND`
(KIND = question, reveal or board: the sender is about to call the platform),
`after-receipt` (the console printed an answer's receipt).
"""

from __future__ import annotations

import os
import signal

_armed: frozenset[str] = frozenset()


def arm(names: str) -> None:
    global _armed
    _armed = frozenset(n.strip() for n in names.split(",") if n.strip())


def reach(name: str) -> None:
    if name in _armed:
        os.kill(os.getpid(), signal.SIGKILL)
