"""A group quiz on Slack, end to end, in HTTP mode and in Socket Mode."""

from __future__ import annotations

from datetime import timedelta

from tests.adapters.slack.support import (
    ANA,
    BOB,
    STUDY,
    Studybot,
    has_buttons,
    text_of,
    wrong_letter,
)


async def test_a_quiz_is_acked_posted_answered_twice_and_revealed_in_its_thread(
    either: Studybot,
) -> None:
    """/study quiz: 200 within 3 s, the question posted, two clicks, the reveal 1 of 2."""
    bot, fake = either, either.fake
    reply, response_url = await bot.command("quiz 1", ANA)
    assert reply.ok and reply.elapsed < 3
    (question_message,) = await bot.questions()
    question = bot.question_of(question_message)
    assert question.prompt.split()[0] in text_of(question_message.blocks)

    await bot.click(question_message, question.answer_letter, ANA)
    await bot.click(question_message, wrong_letter(question), BOB)
    assert (await bot.ephemerals(ANA))[0].startswith("Locked in")
    assert (await bot.ephemerals(BOB))[0].startswith("Locked in")
    assert bot.count("answers") == 2
    started = await bot.responses(response_url)
    assert "Starting a quiz of 1 question" in started[0]["text"]

    await bot.advance(bot.closes_at(question_message) - bot.clock.now() + timedelta(seconds=1))
    await fake.wait_for(lambda: question_message.edits, what="the question's update")
    assert not has_buttons(question_message.blocks)
    (reveal,) = await fake.wait_for(lambda: fake.thread(STUDY, question_message.ts))
    assert "*1 of 2* got it right" in text_of(reveal.blocks)
    assert question.answer_letter.upper() + ")" in text_of(reveal.blocks)
