"""The bank as the service sees it: stable content hashes, sync reports, concept checks."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core.errors import UnknownConcept
from bot.core.questions import QuestionBank
from tests.core.conftest import make_question, make_world


def test_content_hashes_are_stable_across_releases() -> None:
    """A changed hash marks a question edited on the next start: the digest never drifts."""
    question = make_question("alpha-0", "alpha")
    assert question.content_hash() == "aabf8880f30f6cd7"
    accented = dataclasses.replace(question, prompt="Café: which option is right?")
    assert accented.content_hash() == "29438ecffbdc1d50"
    retagged = dataclasses.replace(question, tags=("other",), difficulty=3)
    assert retagged.content_hash() == question.content_hash()  # not what a learner sees


async def test_sync_reports_added_updated_and_retired_questions() -> None:
    """First start adds all; an edited prompt is updated; a question left out is retired."""
    world = make_world()
    first = await world.service.sync_questions()
    assert (first.added, first.updated, first.retired, first.active) == (18, 0, 0, 18)
    again = await world.service.sync_questions()
    assert (again.added, again.updated, again.retired) == (0, 0, 0)
    edited = dataclasses.replace(world.bank.questions[0], prompt="A brand new prompt?")
    bank = QuestionBank(world.bank.concepts, (edited,) + world.bank.questions[1:-1])
    report = await world.restart(bank=bank).service.sync_questions()
    assert (report.added, report.updated, report.retired, report.active) == (0, 1, 1, 17)


def test_the_service_checks_concepts_for_adapters() -> None:
    """check_concept passes a known concept or None and refuses anything else."""
    service = make_world().service
    assert service.check_concept("beta") == "beta"
    assert service.check_concept(None) is None
    with pytest.raises(UnknownConcept):
        service.check_concept("omega")
