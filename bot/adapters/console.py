"""The console adapter: a terminal channel that speaks the same commands as the chat apps.

Typed lines are commands (`/quiz`, `/review`, ...) or answers (`a`..`e`, `true`,
`false`). `/as NAME` switches the simulated learner, so a group can be tried
alone. When stdin is not a terminal, lines are read as a script and echoed, so
a piped session reads like a transcript.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Protocol

from bot import faults
from bot.adapters.grammar import DRILL_USAGE, parse_board_args, parse_drill_args, parse_duration
from bot.adapters.text import render, when
from bot.charts import render_stats_png
from bot.core.clock import Clock, SimulatedClock
from bot.core.errors import (
    BadInput,
    NotAnAnswer,
    NotHere,
    NothingToAnswer,
    StudyError,
    UnknownCommand,
)
from bot.core.ports import ChannelView, Place, Who, clean_name
from bot.core.questions import LETTERS
from bot.core.service import StudyService
from bot.core.typed import parse_answer
from bot.core.views import NoticeView, QuestionView, ReviewCardView

log = logging.getLogger(__name__)

PLACE = Place(platform="console", tenant="local", channel="#study")
MAX_ADVANCE = timedelta(days=60)
REVIEW_BATCH = 10
KEEPS_REVIEW = {"/as", "/help"}  # every other command ends the learner's review batch

HELP = """Commands:
  /quiz [concept] [count]      group quiz in this channel; answer with a letter
  /review                      your spaced-repetition queue: due cards and new questions
  /drill set HH:MM ZONE [days=mon,tue,...] [window=DURATION] [concept=NAME]
  /drill off | status | now    manage this channel's daily drill
  /leaderboard [week|all]      points in this workspace
  /stats                       your accuracy, streak, due cards and mastery
  /readiness                   your predicted exam score per concept and what to study next
  /topics                      the concepts you can study
  /export-me                   your data as JSON
  /forget-me                   delete your data (asks for confirmation)
  /timezone ZONE               the workspace's zone for weeks, streaks and the weekly board
  /board DAY [HH:MM] | off     when the weekly leaderboard is posted (default mon 09:00)
  /settings                    the workspace's zone and weekly board
  /as NAME                     act as another learner
  /advance DURATION            move the simulated clock (with --simulated-clock)
  /help, /quit
Answers: a, b, c, d, e (or true/false)."""


class Runner(Protocol):
    """The timer side the console drives: finish what the last command set going."""

    async def settle(self) -> None: ...


class ConsoleOutbox:
    """The Outbox port for a terminal: a post is printed, an edit is silent."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self._count = 0

    async def post(self, place: Place, view: ChannelView) -> str:
        self._count += 1
        self.write(render(view))
        return f"console-{self._count}"

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        return None  # the reveal that follows an edit says everything


class Console:
    def __init__(
        self,
        service: StudyService,
        runner: Runner,
        clock: Clock,
        write: Callable[[str], None],
        advance: Callable[[datetime], Awaitable[None]] | None = None,
        name: str = "you",
        charts: Path | None = None,
    ) -> None:
        self.charts = charts or Path(tempfile.gettempdir())
        self.service = service
        self.runner = runner
        self.clock = clock
        self.write = write
        self.advance = advance
        self.who = _who(name)
        self.waiting = False  # at the prompt, waiting for a line
        self.present: dict[str, Who] = {self.who.user_id: self.who}
        self.switched = False
        self.reviews: dict[str, ReviewCardView] = {}  # the card each learner has on screen
        self.confirm_forget: set[str] = set()
        self.commands: dict[str, Callable[[list[str]], Awaitable[None]]] = {
            "/help": self.help,
            "/quiz": self.quiz,
            "/review": self.review,
            "/drill": self.drill,
            "/leaderboard": self.leaderboard,
            "/stats": self.stats,
            "/readiness": self.readiness,
            "/topics": self.topics,
            "/export-me": self.export_me,
            "/forget-me": self.forget_me,
            "/timezone": self.timezone,
            "/board": self.board,
            "/settings": self.settings,
            "/as": self.switch,
            "/advance": self.advance_clock,
        }

    async def handle(self, line: str) -> bool:
        """Run one line; False when the user asked to quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if any("\udc80" <= c <= "\udcff" for c in line):  # undecodable bytes, kept by the reader
            self.write("! That line is not valid UTF-8; nothing was done.")
            return True
        if line in ("/quit", "/exit"):
            return False
        try:
            if line.startswith("/"):
                name, *args = shlex.split(line)
                command = self.commands.get(name.lower())
                if command is None:
                    raise UnknownCommand(f"Unknown command '{name}'. Type /help for the list.")
                if name.lower() != "/forget-me":
                    self.confirm_forget.discard(self.who.user_id)
                if name.lower() not in KEEPS_REVIEW:
                    # typed letters go to a pending review card; a new command means moving on
                    self.reviews.pop(self.who.user_id, None)
                await command(args)
            else:
                await self.answer(line)
            await self.runner.settle()
        except StudyError as error:
            self.write(f"! {error}")
        except ValueError as error:  # shlex: unbalanced quotes
            self.write(f"! Could not read that line: {error}")
        except Exception:
            log.exception("command failed: %s", line)
            self.write("! Something went wrong; the details are in the log.")
        return True

    async def run(self, stream: IO[str], interactive: bool) -> int:
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.write_prompt()
            self.waiting = interactive
            line = await loop.run_in_executor(None, stream.readline)
            self.waiting = False
            if not line:
                return 0
            if not interactive and line.strip():
                echo = line.strip().encode("utf-8", "replace").decode("utf-8")[:200]
                self.write(f"{self.who.display_name}> {echo}")
            if not await self.handle(line):
                return 0

    def write_prompt(self) -> None:
        sys.stdout.write(f"{self.who.display_name}> ")
        sys.stdout.flush()

    def announce(self, text: str) -> None:
        """Output that arrives by itself (a timer's reveal): keep the prompt below it."""
        if not self.waiting:
            self.write(text)
            return
        sys.stdout.write("\r\033[K")  # clear the prompt line, print, then redraw the prompt
        self.write(text)
        self.write_prompt()

    # ---------------------------------------------------------------- commands

    async def help(self, args: list[str]) -> None:
        self.write(HELP)

    async def switch(self, args: list[str]) -> None:
        if len(args) != 1:
            raise BadInput("Usage: /as NAME")
        if not self.switched:  # the default learner only counts until a group forms
            self.present.clear()
            self.switched = True
        self.who = _who(args[0])
        self.present[self.who.user_id] = self.who
        self.write(f"You are now {self.who.display_name}.")

    async def quiz(self, args: list[str]) -> None:
        concept, count = None, None
        for arg in args:
            if arg.isdigit():
                count = int(arg)
            else:
                concept = arg
        # everyone switched to with /as is present: a question closes once they all answered
        roster = list(self.present.values())
        await self.service.start_quiz(PLACE, self.who, concept, count, roster)

    async def review(self, args: list[str]) -> None:
        self.reviews.pop(self.who.user_id, None)
        card = await self.service.start_review(PLACE, self.who)
        if card is None:
            self.write("Nothing to review right now: you are all caught up.")
            return
        self._show(card)

    def _show(self, card: ReviewCardView | None) -> None:
        if card is None:
            self.reviews.pop(self.who.user_id, None)
            self.write("Review done. /stats shows what is due next.")
            return
        self.reviews[self.who.user_id] = card
        self.write(render(card))

    async def answer(self, text: str) -> None:
        card = self.reviews.get(self.who.user_id)
        if card is not None:
            question = card.question
            choice = parse_answer(text, question.type, len(question.choices))
            if choice is None:
                raise NotAnAnswer(text, LETTERS[: len(question.choices)])
            step = await self.service.answer_review(
                PLACE, self.who, card.session_id, choice, card.position
            )
            self.write(render(step))
            self._show(step.next)
            return
        try:
            receipt = await self.service.answer_in_channel(PLACE, self.who, text)
        except (NotAnAnswer, NothingToAnswer, NotHere):
            if parse_answer(text, "truefalse", len(LETTERS)) is None:
                raise UnknownCommand(
                    f"'{_shown(text)}' is neither a command nor an answer. Type /help for the list."
                ) from None
            raise
        self.write(f"({self.who.display_name}, only you see this) " + render(receipt))
        faults.reach("after-receipt")

    async def drill(self, args: list[str]) -> None:
        sub = args[0].lower() if args else "status"
        if sub == "set":
            spec = parse_drill_args(args[1:])
            view = await self.service.set_drill(PLACE, self.who, spec)
        elif sub == "off":
            view = await self.service.drill_off(PLACE, self.who)
            self.write("Daily drill turned off.")
            return
        elif sub == "status":
            view = await self.service.drill_status(PLACE)
        elif sub == "now":
            await self.service.drill_now(PLACE, self.who)
            return
        else:
            raise BadInput(f"Usage: /drill set {DRILL_USAGE} | /drill off | status | now")
        self.write(render(view))

    async def timezone(self, args: list[str]) -> None:
        if len(args) != 1:
            raise BadInput("Usage: /timezone ZONE, e.g. /timezone Europe/Berlin")
        self.write(render(await self.service.set_timezone(PLACE, self.who, args[0])))

    async def board(self, args: list[str]) -> None:
        day, at = parse_board_args(args)
        self.write(render(await self.service.set_weekly_board(PLACE, self.who, day, at)))

    async def settings(self, args: list[str]) -> None:
        self.write(render(await self.service.tenant_settings(PLACE)))

    async def leaderboard(self, args: list[str]) -> None:
        period = args[0].lower() if args else "week"
        self.write(render(await self.service.leaderboard(PLACE, period)))

    async def stats(self, args: list[str]) -> None:
        stats = await self.service.stats(PLACE, self.who)
        self.write(render(stats))
        png = await asyncio.to_thread(render_stats_png, stats)
        path = self.charts / f"studybot-stats-{self.who.user_id}.png"
        await asyncio.to_thread(path.write_bytes, png)
        self.write(f"  Chart: {path}")

    async def readiness(self, args: list[str]) -> None:
        self.write(render(await self.service.readiness(PLACE, self.who)))

    async def topics(self, args: list[str]) -> None:
        self.write(render(self.service.topics()))

    async def export_me(self, args: list[str]) -> None:
        self.write(render(await self.service.export_learner(self.who)))

    async def forget_me(self, args: list[str]) -> None:
        user = self.who.user_id
        if args[:1] == ["confirm"] and user in self.confirm_forget:
            self.confirm_forget.discard(user)
            self.reviews.pop(user, None)
            gone = await self.service.forget_learner(self.who)
            self.write(render(NoticeView("Your data is deleted." if gone else "No data stored.")))
            return
        self.confirm_forget.add(user)
        self.write(
            "This deletes every answer, card and point of yours, for good."
            " Type /forget-me confirm to go ahead."
        )

    async def advance_clock(self, args: list[str]) -> None:
        if self.advance is None or not isinstance(self.clock, SimulatedClock):
            raise BadInput("/advance needs a simulated clock: studybot run --simulated-clock")
        if len(args) != 1:
            raise BadInput("Usage: /advance DURATION, e.g. /advance 90m or /advance 24h")
        step = parse_duration(args[0])
        if step > MAX_ADVANCE:
            raise BadInput(f"Advance at most {MAX_ADVANCE.days}d at a time.")
        await self.advance(self.clock.now() + step)
        self.write(f"Clock: {when(self.clock.now())}")


def _who(name: str) -> Who:
    # the person at the terminal runs this bot: they may manage it
    shown = clean_name(name)
    if not shown:
        raise BadInput("A name needs at least one visible character.")
    return Who("console", shown.lower(), shown, can_manage=True)


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 40 else text[:39] + "…"
