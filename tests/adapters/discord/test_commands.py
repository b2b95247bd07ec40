"""Slash commands end to end: stats with a chart, your data, settings, bad options and
autocomplete, through the real discord.py client and the fake Discord."""

from __future__ import annotations

import io
import json

from PIL import Image

from tests.adapters.discord.support import (
    ANA,
    BOB,
    CAROL,
    GUILD,
    STUDY,
    Studybot,
    is_ephemeral,
    title,
)
from tests.harness.discord_payloads import iter_buttons
from tests.harness.fake_discord import FakeDiscord


async def answer_one_review_card(fake: FakeDiscord, user: int) -> None:
    card = await fake.reply(await fake.slash(GUILD, STUDY, user, "review"))
    await fake.reply(await fake.click(card, iter_buttons(card)[0]["custom_id"], user))


async def test_stats_attaches_a_png_chart(bot: Studybot, fake: FakeDiscord) -> None:
    """/stats answers privately with the numbers and a chart that opens as a PNG image."""
    await answer_one_review_card(fake, ANA)
    reply = await fake.reply(await fake.slash(GUILD, STUDY, ANA, "stats"))
    assert is_ephemeral(reply) and title(reply) == "Stats for ana"
    [attachment] = reply["attachments"]
    assert attachment["filename"] == "stats.png"
    assert reply["embeds"][0]["image"]["url"] == "attachment://stats.png"
    png = fake.attachment_bytes(attachment)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width > 100


async def test_stats_of_another_member(bot: Studybot, fake: FakeDiscord) -> None:
    """/stats member: shows that member's progress, not the caller's."""
    await answer_one_review_card(fake, BOB)
    reply = await fake.reply(await fake.slash(GUILD, STUDY, ANA, "stats", {"member": BOB}))
    assert title(reply) == "Stats for bob"
    assert reply["embeds"][0]["fields"][0]["value"].startswith("1 ")


async def test_export_me_is_a_private_json_file(bot: Studybot, fake: FakeDiscord) -> None:
    """/export-me sends only to the caller a JSON file with their answers."""
    await answer_one_review_card(fake, ANA)
    reply = await fake.reply(await fake.slash(GUILD, STUDY, ANA, "export-me"))
    assert is_ephemeral(reply)
    [attachment] = reply["attachments"]
    data = json.loads(fake.attachment_bytes(attachment))
    assert data["learner"]["user_id"] == str(ANA) and len(data["answers"]) == 1


async def test_forget_me_deletes_only_after_the_owner_confirms(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """/forget-me asks first; another member cannot press the button; the owner's press
    deletes every stored answer."""
    await answer_one_review_card(fake, ANA)
    prompt = await fake.reply(await fake.slash(GUILD, STUDY, ANA, "forget-me"))
    [confirm] = iter_buttons(prompt)
    assert len(await bot.answers_of(ANA)) == 1

    meddler = await fake.reply(await fake.click(prompt, confirm["custom_id"], BOB))
    assert "someone else" in meddler["content"] and len(await bot.answers_of(ANA)) == 1

    done = await fake.reply(await fake.click(prompt, confirm["custom_id"], ANA))
    assert done["id"] == prompt["id"] and done["content"].startswith("Done")
    assert iter_buttons(done) == [] and await bot.answers_of(ANA) == []


async def test_settings_need_manage_server_and_are_stored(bot: Studybot, fake: FakeDiscord) -> None:
    """Time zone and weekly board: refused without Manage Server, stored with it."""
    refused = await fake.reply(
        await fake.slash(GUILD, STUDY, ANA, "settings timezone", {"zone": "Europe/Berlin"})
    )
    assert "Manage Server" in refused["content"]

    zone = await fake.slash(
        GUILD, STUDY, CAROL, "settings timezone", {"zone": "Europe/Berlin"}, manage=True
    )
    assert (await fake.reply(zone))["content"].startswith("Time zone: Europe/Berlin (set by")
    board = await fake.slash(
        GUILD, STUDY, CAROL, "settings board", {"day": "fri", "time": "17:30"}, manage=True
    )
    assert "Weekly board: Fridays at 17:30." in (await fake.reply(board))["content"]
    off = await fake.slash(GUILD, STUDY, CAROL, "settings board", {"day": "off"}, manage=True)
    assert "Weekly board: off." in (await fake.reply(off))["content"]
    shown = await fake.reply(await fake.slash(GUILD, STUDY, CAROL, "settings show", manage=True))
    assert shown["content"] == "Time zone: Europe/Berlin (set by a manager).\nWeekly board: off."


async def test_bad_options_get_one_private_line_and_change_nothing(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """A time, zone, day list or window Discord cannot check gets one line saying what is
    expected, and nothing is stored."""
    cases = [
        ({"time": "25:00", "zone": "UTC"}, "HH:MM"),
        ({"time": "08:00", "zone": "Mars/Base"}, "Unknown time zone"),
        ({"time": "08:00", "zone": "UTC", "days": "someday"}, "Unknown day"),
        ({"time": "08:00", "zone": "UTC", "window": "forever"}, "Bad duration"),
        ({"time": "08:00", "zone": "UTC", "concept": "astrology"}, "/topics"),
    ]
    for options, expected in cases:
        reply = await fake.reply(
            await fake.slash(GUILD, STUDY, CAROL, "drill set", options, manage=True)
        )
        assert expected in reply["content"] and is_ephemeral(reply), reply["content"]
        assert "\n" not in reply["content"]
    status = await fake.reply(await fake.slash(GUILD, STUDY, CAROL, "drill status"))
    assert status["content"].startswith("No daily drill")
    quiz = await fake.reply(await fake.slash(GUILD, STUDY, ANA, "quiz", {"concept": "astrology"}))
    assert quiz["content"] == "Unknown concept 'astrology'. See /topics for the ids."
    assert fake.channel_messages(STUDY) == []


async def test_zone_and_concept_autocomplete(bot: Studybot, fake: FakeDiscord) -> None:
    """Zone suggestions are capped at 25 and match what was typed; concepts come from the bank."""
    typed = {"time": "08:00", "zone": ""}
    everything = await fake.autocomplete(GUILD, STUDY, CAROL, "drill set", typed, "zone")
    assert len(await fake.choices(everything)) == 25
    berlin = await fake.autocomplete(
        GUILD, STUDY, CAROL, "drill set", {"time": "08:00", "zone": "europe/ber"}, "zone"
    )
    assert [c["value"] for c in await fake.choices(berlin)] == ["Europe/Berlin"]
    concepts = await fake.autocomplete(GUILD, STUDY, ANA, "quiz", {"concept": ""}, "concept")
    values = [c["value"] for c in await fake.choices(concepts)]
    assert 0 < len(values) <= 25
    assert set(values) <= {cid for cid, _ in bot.running.service.concepts()}


async def test_leaderboard_is_public_and_mentions_without_pinging(
    bot: Studybot, fake: FakeDiscord
) -> None:
    """/leaderboard answers in the channel; members are mentioned but nobody is pinged."""
    await answer_one_review_card(fake, ANA)
    asked = await fake.slash(GUILD, STUDY, BOB, "leaderboard", {"period": "all"})
    board = await fake.reply(asked)
    assert not is_ephemeral(board) and title(board) == "Leaderboard: all time"
    edit = fake.requests_matching("PATCH", rf"/webhooks/\d+/{asked.token}/messages/@original")
    assert edit[0].body["allowed_mentions"]["parse"] == []


async def test_review_runs_privately_to_the_last_card(bot: Studybot, fake: FakeDiscord) -> None:
    """/review shows cards one at a time with feedback and a Next button until none is left."""
    card = await fake.reply(await fake.slash(GUILD, STUDY, ANA, "review"))
    total = int(title(card).rsplit(" ", 1)[1])
    for _ in range(total):
        assert is_ephemeral(card)
        feedback = await fake.reply(await fake.click(card, iter_buttons(card)[0]["custom_id"], ANA))
        assert title(feedback) in ("Correct", "Not quite")
        buttons = iter_buttons(feedback)
        if not buttons:
            break
        card = await fake.reply(await fake.click(feedback, buttons[0]["custom_id"], ANA))
    assert feedback["content"].startswith("That was the last card")
    assert len(await bot.answers_of(ANA)) == total
