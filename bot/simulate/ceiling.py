"""The ceiling: what an oracle scheduler reaches in the same memory model, without the service.

It knows every learner's true memory and prior, and spends the same questions
per learner per day: first every unseen question, least known first, then the
question whose true recall is lowest. No real scheduler knows as much; the
ceiling shows how much room the model leaves above the trivia bot.
"""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np

from bot.simulate.group import START, RunResult, recall_by_concept
from bot.simulate.memory import Cohort


def run_ceiling(
    cohort: Cohort, concept_of: dict[str, str], seed: int, days: int, per_day: int
) -> RunResult:
    memories = cohort.memories()
    presence = random.Random(f"presence:{seed}")  # the same days present as in the groups
    luck = random.Random(f"answers:{seed}:ceiling")
    result = RunResult("ceiling", seed)
    for day in range(days):
        morning = START + timedelta(days=day)
        result.daily.append(float(np.mean([m.recall_all(morning).mean() for m in memories])))
        present = [presence.random() < m.traits.participation for m in memories]
        now = morning + timedelta(hours=4)
        for memory, here in zip(memories, present, strict=True):
            for _ in range(per_day if here else per_day - 1):
                now += timedelta(seconds=20)
                unseen = np.isnan(memory.last)
                if unseen.any():
                    candidates = np.flatnonzero(unseen)
                    pick = int(candidates[np.argmin(memory.prior[candidates])])
                else:
                    pick = int(np.argmin(memory.recall_all(now)))
                question_id = memory.ids[pick]
                right = luck.random() < memory.recall(question_id, now)
                memory.study(question_id, right, now)
                result.answered += 1
    end = START + timedelta(days=days)
    result.daily.append(float(np.mean([m.recall_all(end).mean() for m in memories])))
    result.by_concept = recall_by_concept(memories, concept_of, end)
    return result
