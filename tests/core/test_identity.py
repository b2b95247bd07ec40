"""Who and where: display names are cleaned once, at the edge of the core."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.core.errors import NoQuestions
from bot.core.ports import NAME_LIMIT, Who, clean_name
from bot.core.questions import QuestionBank
from bot.core.schedules import DrillSpec
from tests.core.conftest import ANA, MOD, PLACE, World, make_world


def test_control_characters_become_spaces_and_spaces_fold() -> None:
    """A name with a NUL, tabs and newlines reads as words separated by single spaces."""
    assert clean_name("  Ana\x00Bee\t\n  Cee \u200b") == "Ana Bee Cee"
    assert Who("test", "u", "Ana\x1b[31mRed").display_name == "Ana [31mRed"


def test_names_are_cut_to_the_limit() -> None:
    """A huge name keeps its first NAME_LIMIT characters, with no trailing space."""
    assert NAME_LIMIT == 80
    assert clean_name("x" * 1000) == "x" * 80
    assert clean_name("y" * 79 + " z") == "y" * 79


def test_a_name_with_nothing_visible_is_learner() -> None:
    """Only control characters or blanks: the learner is shown as 'learner'."""
    assert Who("test", "u", "\x00\x01 \t").display_name == "learner"
    assert clean_name("\x00\x01") == ""


async def test_the_starter_and_roster_are_stored_under_their_names(world: World) -> None:
    """Starting a quiz records the starter and the console's group by platform id and name."""
    carol = Who("test", "u-carol", "Carol")
    await world.service.start_quiz(PLACE, ANA, count=1, roster=(carol,))
    for who in (ANA, carol):
        learner = (await world.service.export_learner(who)).data["learner"]
        assert learner == {
            "platform": "test",
            "user_id": who.user_id,
            "display_name": who.display_name,
        }
    [quiz] = (await world.service.export_learner(ANA)).data["quiz_rounds"]
    assert quiz["started_by_you"] is True
    assert quiz["started_at"] == world.clock.now().isoformat()


async def test_an_empty_bank_has_no_quiz_at_all() -> None:
    """With no questions at all, a quiz is refused with a plain reason."""
    bank = make_world().bank
    world = make_world(bank=QuestionBank(bank.concepts, ()))
    with pytest.raises(NoQuestions) as raised:
        await world.service.start_quiz(PLACE, ANA)
    assert str(raised.value) == "No questions for any concept."


async def test_a_drill_can_be_turned_off_by_a_process_that_never_armed_it(world: World) -> None:
    """After a restart without catch-up, turning the drill off still works."""
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "UTC"))
    fresh = world.restart()
    assert not (await fresh.service.drill_off(PLACE, MOD)).enabled
    await world.advance(timedelta(days=1))
    assert world.questions("drill") == []
    assert (await world.service.drill_status(PLACE)).enabled is False


def test_a_name_is_judged_by_its_first_320_characters() -> None:
    """Whatever follows a very long run of blanks is not read at all."""
    assert clean_name(" " * 330 + "Ana") == ""
    assert clean_name(" " * 310 + "Ana") == "Ana"


async def test_a_manager_setting_a_drill_is_stored_under_their_name(world: World) -> None:
    """The author of a schedule is a learner with their platform name."""
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "UTC"))
    learner = (await world.service.export_learner(MOD)).data["learner"]
    assert learner == {"platform": "test", "user_id": "u-mod", "display_name": "Mo"}
