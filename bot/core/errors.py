"""Domain errors. Each adapter maps them to one friendly line for the user."""


class StudyError(Exception):
    """Base of every error a user can cause; the message is safe to show."""


class UnknownCommand(StudyError):
    """A line that is neither a known command nor an answer."""


class BadInput(StudyError):
    """Malformed arguments: a time, zone, duration, day list or count."""


class UnknownConcept(StudyError):
    def __init__(self, concept: str, known: list[str]) -> None:
        super().__init__(f"Unknown concept '{concept}'. Known concepts: {', '.join(known)}")
        self.concept = concept
        self.known = known


class QuestionClosed(StudyError):
    def __init__(self) -> None:
        super().__init__("That question is closed; the answer has been revealed.")


class AlreadyAnswered(StudyError):
    def __init__(self) -> None:
        super().__init__("You already answered this one; only your first answer counts.")


class NothingToAnswer(StudyError):
    def __init__(self) -> None:
        super().__init__("There is no open question here.")


class NotHere(StudyError):
    """A button or session id that belongs to another channel, workspace or learner."""

    def __init__(self, what: str = "That question") -> None:
        super().__init__(f"{what} belongs somewhere else; nothing was recorded.")


class NotAnAnswer(StudyError):
    """Typed text that is not an answer to the question it replies to."""

    def __init__(self, text: str, letters: str) -> None:
        shown = text.strip()[:40]
        super().__init__(f"'{shown}' is not an answer here. Answer with one of {letters}.")
        self.text = text


class NotAllowed(StudyError):
    """The user may not do this here; the message says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReviewEnded(StudyError):
    def __init__(self) -> None:
        super().__init__("That review session has ended. Start a new review to go on.")


class QuizAlreadyRunning(StudyError):
    def __init__(self) -> None:
        super().__init__("A quiz is already running in this channel; join in by answering.")


class NoDrillSchedule(StudyError):
    def __init__(self) -> None:
        super().__init__("This channel has no daily drill.")


class NoQuestions(StudyError):
    def __init__(self, detail: str = "No questions match.") -> None:
        super().__init__(detail)


class StorageUnavailable(StudyError):
    """The database cannot be opened or written."""


class StorageBusy(StudyError):
    """The database refused a write for now (locked too long, disk full); nothing was saved."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The database could not save that just now ({reason}); nothing was recorded. "
            "Please try again in a moment."
        )
        self.reason = reason
