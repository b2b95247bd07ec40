"""Stats with the chart in the learner's DMs, the App Home tab, personal review, your data."""

from __future__ import annotations

import json
import struct
import zlib

from tests.adapters.slack.support import ANA, BOB, STUDY, TEAM, Studybot, text_of
from tests.harness.fake_slack import event_callback

UPLOAD_STEPS = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG whose every chunk's CRC checks out and that ends in IEND."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    offset, kinds, size = 8, [], (0, 0)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        kinds.append(kind)
        offset += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    return size


def upload_calls(bot: Studybot) -> list[str]:
    return [c.method for c in bot.fake.calls if c.method in UPLOAD_STEPS]


async def test_stats_upload_a_valid_png_to_the_learners_dms(bot: Studybot) -> None:
    """/study stats answers at once, then the chart goes through the three upload steps."""
    reply, url = await bot.command("stats", ANA)
    assert reply.ok and reply.elapsed < 3
    (response,) = await bot.responses(url)
    assert response["response_type"] == "ephemeral"
    assert "Stats for ana" in response["text"]
    await bot.fake.wait_for(lambda: any(f.completed for f in bot.fake.files.values()))
    assert upload_calls(bot) == UPLOAD_STEPS
    (upload,) = bot.fake.files.values()
    width, height = png_size(upload.data or b"")
    assert width > 200 and height > 100
    assert upload.channel == bot.fake.dm_channel(ANA)
    assert bot.fake.calls_to("conversations.open")[0].args["users"] == ANA


async def test_the_home_tab_shows_the_learners_stats(bot: Studybot) -> None:
    """app_home_opened publishes a home view with the learner's numbers and mastery."""
    await bot.command("quiz 1", ANA)
    (question,) = await bot.questions()
    await bot.click(question, bot.question_of(question).answer_letter, ANA)
    await bot.ephemerals(ANA)
    event = {"type": "app_home_opened", "user": ANA, "channel": "DU0ANA", "tab": "home"}
    await bot.wire.event(event_callback(event, team_id=TEAM, event_id="Ev-home"))
    (call,) = await bot.fake.wait_for_calls("views.publish")
    view = bot.fake.views[ANA][-1]
    assert call.args["user_id"] == ANA and view["type"] == "home"
    assert "Mastery by concept" in json.dumps(view) and "Answered" in json.dumps(view)


async def test_the_messages_tab_event_is_acknowledged_without_a_view(bot: Studybot) -> None:
    """app_home_opened for the Messages tab is acknowledged and publishes nothing."""
    event = {"type": "app_home_opened", "user": ANA, "channel": "DU0ANA", "tab": "messages"}
    reply = await bot.wire.event(event_callback(event, team_id=TEAM, event_id="Ev-msgs"))
    assert reply.ok
    await bot.quiet()
    assert bot.fake.calls_to("views.publish") == []


async def test_review_is_ephemeral_with_feedback_and_a_next_card_button(bot: Studybot) -> None:
    """Cards come through response_url; a click replaces them with feedback, then the next."""
    reply, url = await bot.command("review", ANA)
    assert reply.ok
    (card,) = await bot.responses(url)
    assert card["response_type"] == "ephemeral" and "Review 1/" in text_of(card["blocks"])

    _, click_url = await bot.click_blocks(card["blocks"], "sb-review-a", ANA)
    (feedback,) = await bot.responses(click_url)
    assert feedback["replace_original"] is True
    assert "Next review of this card" in text_of(feedback["blocks"])
    _, again_url = await bot.click_blocks(card["blocks"], "sb-review-a", ANA)
    (again,) = await bot.responses(again_url)
    assert "already answered this card" in text_of(again["blocks"])

    _, next_url = await bot.click_blocks(feedback["blocks"], "sb-review-next", ANA)
    (second,) = await bot.responses(next_url)
    assert second["replace_original"] is True and "Review 2/" in text_of(second["blocks"])
    assert bot.count("answers") == 1, "the double click graded the card once"


async def test_someone_elses_review_buttons_record_nothing(bot: Studybot) -> None:
    """A review button clicked by another learner is refused: the session is not theirs."""
    _, url = await bot.command("review", ANA)
    (card,) = await bot.responses(url)
    _, click_url = await bot.click_blocks(card["blocks"], "sb-review-b", BOB)
    (told,) = await bot.responses(click_url)
    assert "nothing was recorded" in told["text"]
    assert bot.count("answers") == 0


async def test_export_me_sends_a_json_file_and_forget_me_deletes_after_the_button(
    bot: Studybot,
) -> None:
    """export-me uploads JSON to the DMs; forget-me asks first, the button deletes."""
    await bot.command("quiz 1", ANA)
    (question,) = await bot.questions()
    await bot.click(question, "a", ANA)
    await bot.ephemerals(ANA)

    _, url = await bot.command("export-me", ANA)
    await bot.responses(url)
    (upload,) = [f for f in bot.fake.files.values() if f.filename.endswith(".json")]
    assert json.loads(upload.data or b"{}")

    _, url = await bot.command("forget-me", ANA)
    (prompt,) = await bot.responses(url)
    assert bot.count("answers") == 1, "nothing is deleted before the confirmation"
    _, confirm_url = await bot.click_blocks(prompt["blocks"], "sb-forget", ANA, channel=STUDY)
    (done,) = await bot.responses(confirm_url)
    assert done["text"] == "Your data is deleted."
    assert bot.count("answers") == 0


async def test_readiness_answers_with_the_predicted_score(bot: Studybot) -> None:
    """/study readiness is acked at once and shows every concept and what to study next."""
    reply, url = await bot.command("readiness", ANA)
    assert reply.ok and reply.elapsed < 3
    (response,) = await bot.responses(url)
    assert response["response_type"] == "ephemeral"
    shown = text_of(response["blocks"])
    assert "Exam readiness" in shown and "models.basics" in shown and "Study next:" in shown
