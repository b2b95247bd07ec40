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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Protocol

from bot.adapters.text import render, when
from bot.core.clock import Clock, SimulatedClock
from bot.core.errors import BadInput, StudyError, UnknownCommand
from bot.core.ports import Place, Who
from bot.core.schedules import parse_drill_args, parse_duration
from bot.core.service import StudyService
from bot.core.views import NoticeView, QuestionView

log = logging.getLogger(__name__)

PLACE = Place(platform="console", tenant="local", channel="#study")
REVIEW_BATCH = 10
ANSWER_WORDS = {"true": 0, "t": 0, "false": 1, "f": 1}
KEEPS_REVIEW = {"/as", "/help"}  # every other command ends the learner's review batch

HELP = """Commands:
  /quiz [concept] [count]      group quiz in this channel; answer with a letter
  /review                      your spaced-repetition queue: due cards, then new ones
  /drill set HH:MM ZONE [days=mon,tue,...] [window=DURATION] [concept=NAME]
  /drill off | status | now    manage this channel's daily drill
  /leaderboard [week|all]      points in this workspace
  /stats                       your accuracy, streak, due cards and mastery
  /topics                      the concepts you can study
  /export-me                   your data as JSON
  /forget-me                   delete your data (asks for confirmation)
  /as NAME                     act as another learner
  /advance DURATION            move the simulated clock (with --simulated-clock)
  /help, /quit
Answers: a, b, c, d, e (or true/false)."""


class Runner(Protocol):
    """The timer side the console drives: run what is due, or play time forward."""

    async def run_due(self) -> None: ...


class ConsoleOutbox:
    """The Outbox port for a terminal: a post is printed, an edit is silent."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self._count = 0

    async def post(self, place: Place, view: object) -> str:
        self._count += 1
        self.write(render(view))
        return f"console-{self._count}"

    async def edit(self, place: Place, message_id: str, view: object) -> None:
        return None  # the reveal that follows an edit says everything


@dataclass
class PendingReview:
    """A learner's review batch in progress: the question on screen and what was asked."""

    size: int
    shown_at: datetime
    view: QuestionView | None = None
    asked: list[str] = field(default_factory=list)


class Console:
    def __init__(
        self,
        service: StudyService,
        runner: Runner,
        clock: Clock,
        write: Callable[[str], None],
        advance: Callable[[datetime], Awaitable[None]] | None = None,
        name: str = "you",
    ) -> None:
        self.service = service
        self.runner = runner
        self.clock = clock
        self.write = write
        self.advance = advance
        self.who = _who(name)
        self.waiting = False  # at the prompt, waiting for a line
        self.present: dict[str, Who] = {self.who.user_id: self.who}
        self.switched = False
        self.reviews: dict[str, PendingReview] = {}
        self.confirm_forget: set[str] = set()
        self.commands: dict[str, Callable[[list[str]], Awaitable[None]]] = {
            "/help": self.help,
            "/quiz": self.quiz,
            "/review": self.review,
            "/drill": self.drill,
            "/leaderboard": self.leaderboard,
            "/stats": self.stats,
            "/topics": self.topics,
            "/export-me": self.export_me,
            "/forget-me": self.forget_me,
            "/as": self.switch,
            "/advance": self.advance_clock,
        }

    async def handle(self, line: str) -> bool:
        """Run one line; False when the user asked to quit."""
        line = line.strip()
        if not line or line.startswith("#"):
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
            await self.runner.run_due()
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
                self.write(f"{self.who.display_name}> {line.strip()}")
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
        roster = [w for w in self.present.values() if w != self.who]
        await self.service.start_quiz(PLACE, self.who, concept, count, roster)

    async def review(self, args: list[str]) -> None:
        size = await self.service.count_review_batch(self.who, REVIEW_BATCH)
        self.reviews.pop(self.who.user_id, None)
        if size == 0:
            self.write("Nothing to review right now: you are all caught up.")
            return
        await self._show_next_review(PendingReview(size, self.clock.now()))

    async def _show_next_review(self, pending: PendingReview) -> None:
        position = len(pending.asked) + 1
        view = None
        if position <= pending.size:
            view = await self.service.next_review(
                PLACE, self.who, exclude=pending.asked, position=position, of=pending.size
            )
        if view is None:
            self.reviews.pop(self.who.user_id, None)
            self.write("Review done. /stats shows what is due next.")
            return
        pending.asked.append(view.question_id)
        pending.view, pending.shown_at = view, self.clock.now()
        self.reviews[self.who.user_id] = pending
        self.write(render(view))

    async def answer(self, text: str) -> None:
        choice = _choice(text)
        pending = self.reviews.get(self.who.user_id)
        if pending is not None and pending.view is not None:
            feedback = await self.service.answer_review(
                PLACE, self.who, pending.view.question_id, choice, pending.shown_at
            )
            self.write(render(feedback))
            await self._show_next_review(pending)
            return
        receipt = await self.service.answer_in_channel(PLACE, self.who, choice)
        self.write(f"({self.who.display_name}, only you see this) " + render(receipt))

    async def drill(self, args: list[str]) -> None:
        sub = args[0].lower() if args else "status"
        if sub == "set":
            spec = parse_drill_args(args[1:])
            view = await self.service.set_drill(PLACE, self.who, spec)
        elif sub == "off":
            view = await self.service.drill_off(PLACE)
            self.write("Daily drill turned off.")
            return
        elif sub == "status":
            view = await self.service.drill_status(PLACE)
        elif sub == "now":
            await self.service.drill_now(PLACE)
            return
        else:
            raise BadInput("Usage: /drill set HH:MM ZONE [...] | /drill off | status | now")
        self.write(render(view))

    async def leaderboard(self, args: list[str]) -> None:
        period = args[0].lower() if args else "week"
        self.write(render(await self.service.leaderboard(PLACE, period)))

    async def stats(self, args: list[str]) -> None:
        self.write(render(await self.service.stats(PLACE, self.who)))

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
        await self.advance(self.clock.now() + parse_duration(args[0]))
        self.write(f"Clock: {when(self.clock.now())}")


def _who(name: str) -> Who:
    return Who(platform="console", user_id=name.strip().lower(), display_name=name.strip())


def _choice(text: str) -> int:
    word = text.strip().lower().rstrip(")").rstrip(".")
    if word in ANSWER_WORDS:
        return ANSWER_WORDS[word]
    if len(word) == 1 and word in "abcde":
        return "abcde".index(word)
    raise UnknownCommand(
        f"'{text.strip()}' is neither a command nor an answer. Type /help for the list."
    )
