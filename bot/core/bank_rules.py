"""The rules for the shipped bank as a whole, and the report that measures them.

Extra packs may be as small or as lopsided as they like; the bank shipped with
the bot must be large, balanced, cover every syllabus point and give a
test-wise learner no cue to the answer that does not come from knowing the
subject. Every threshold lives in the constants below; questions/README.md
lists them in its rules table.

Cue rules, and how a machine reads them:

- *Answer-revealing ids*: a truefalse question whose id contains one of
  REVEALING_ID_WORDS as a hyphen-separated word (`...-myth`, `...-not-...`),
  which a platform footer or an export would show beside the statement.
- *Longest right option*: among a concept's single-answer questions, those whose
  right option is strictly longer (in characters) than every wrong one.
- *Absolute words*: options containing one of ABSOLUTE_WORDS (whole words, any
  case). The share of wrong options carrying one may not exceed the share of
  right options carrying one, bank-wide and in each concept. For truefalse
  questions the false statements play the wrong options and the true ones the
  right options (bank-wide).
- *From scratch*: single-answer questions with an option that trains or builds
  a model from scratch, or starts from random weights (FROM_SCRATCH).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from bot.core.pack_rules import DIFFICULTIES, TYPES, Problem
from bot.core.questions import LETTERS, Question, QuestionBank

# --- the thresholds (one place) ---------------------------------------------------------

MIN_QUESTIONS = 300
MIN_PER_CONCEPT = 18
MIN_SCENARIO_SHARE = Fraction(40, 100)
MIN_TRUEFALSE = 30
MAX_TRUEFALSE_IMBALANCE = 0  # |true - false| among truefalse answers
MAX_LETTER_SHARE = Fraction(35, 100)  # of the right answers of four-option questions
MIN_QUESTIONS_PER_POINT = 2  # every syllabus point is tested by this many questions
REQUIRE_POINTS = True  # every shipped question names the syllabus points it tests
MAX_LONGEST_KEY_SHARE = Fraction(30, 100)  # per concept, of its single-answer questions
MAX_FROM_SCRATCH_SHARE = Fraction(1, 8)  # of all questions
MAX_REVEALING_IDS = 0

# fmt: off
REVEALING_ID_WORDS = frozenset((
    "true", "false", "truth", "untrue", "correct", "incorrect", "wrong", "myth", "myths", "fake",
    "fact", "facts", "misconception", "mistake", "mistaken", "fallacy", "lie", "bogus", "not",
    "no", "never", "always", "none", "cannot", "cant", "isnt", "doesnt", "dont", "wont", "arent",
))
ABSOLUTE_WORDS = (
    "always", "never", "guarantee", "guarantees", "guaranteed", "only", "all", "none",
    "completely", "entirely", "impossible", "must",
)
# fmt: on
ABSOLUTE = re.compile(r"\b(" + "|".join(ABSOLUTE_WORDS) + r")\b", re.IGNORECASE)
FROM_SCRATCH = re.compile(
    r"\bfrom scratch\b|\brandom(ly)?[- ](initiali[sz]ed |initial |starting )?weights\b"
    r"|\brandom (weight )?initiali[sz]ation\b",
    re.IGNORECASE,
)
LISTED = 8  # ids named in one problem line before "and N more"


@dataclass(frozen=True)
class Rate:
    """`hits` of `of` (a share that is 0 when there is nothing to count)."""

    hits: int
    of: int

    @property
    def share(self) -> Fraction:
        return Fraction(self.hits, self.of) if self.of else Fraction(0)

    def __str__(self) -> str:
        return f"{self.hits}/{self.of} ({float(self.share):.1%})"


@dataclass(frozen=True)
class Cue:
    """How often a cue marks the right options and how often the wrong ones."""

    keys: Rate
    distractors: Rate
    flagged: tuple[str, ...] = ()  # ids of the questions whose wrong options carry it

    @property
    def ok(self) -> bool:
        return self.distractors.share <= self.keys.share


@dataclass(frozen=True)
class ConceptStats:
    """One concept's counts and cue rates."""

    id: str
    title: str
    total: int
    per_type: Mapping[str, int]
    scenario: int
    per_difficulty: Mapping[int, int]
    longest_key: Rate  # right option strictly the longest, of single-answer questions
    longest_ids: tuple[str, ...]
    absolute: Cue


@dataclass(frozen=True)
class PointStats:
    """One syllabus point and the questions that name it."""

    id: str
    concept: str
    text: str
    source: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Flagged:
    """One question a per-question rule picks out, with where it is and why."""

    question_id: str
    source: str
    detail: str


@dataclass(frozen=True)
class BankReport:
    """How a bank is spread, how well it covers its syllabus, and its answer cues."""

    total: int
    per_concept: Mapping[str, int]
    per_type: Mapping[str, int]
    scenario: int
    per_difficulty: Mapping[int, int]
    four_option: int  # single questions with exactly four choices
    answer_letters: Mapping[str, int]  # right-answer letters among the four-option questions
    key_letters: Mapping[str, int]  # right-answer letters among all single questions
    truefalse_answers: Mapping[bool, int]
    concepts: tuple[ConceptStats, ...] = ()
    points: tuple[PointStats, ...] = ()
    unknown_points: tuple[str, ...] = ()  # named by questions, declared by no concept here
    without_points: tuple[Flagged, ...] = ()
    revealing_ids: tuple[Flagged, ...] = ()
    absolute: Cue = Cue(Rate(0, 0), Rate(0, 0))
    truefalse_absolute: Cue = Cue(Rate(0, 0), Rate(0, 0))
    from_scratch: tuple[str, ...] = ()

    @property
    def scenario_share(self) -> float:
        return self.scenario / self.total if self.total else 0.0

    def letter_share(self, letter: str) -> float:
        return self.answer_letters.get(letter, 0) / self.four_option if self.four_option else 0.0

    @property
    def from_scratch_rate(self) -> Rate:
        return Rate(len(self.from_scratch), self.total)


# --- measuring ------------------------------------------------------------------------


def absolute_words(text: str) -> list[str]:
    """The absolute words in a text, lower-cased, in order."""
    return [m.group(1).lower() for m in ABSOLUTE.finditer(text)]


def revealing_words(question_id: str) -> list[str]:
    """The hyphen-separated words of an id that would give a truefalse answer away."""
    return [word for word in question_id.split("-") if word in REVEALING_ID_WORDS]


def key_is_longest(question: Question) -> bool:
    """The right option is strictly longer than every wrong one."""
    key = len(question.choices[question.answer])
    return all(len(c) < key for i, c in enumerate(question.choices) if i != question.answer)


def _absolute_cue(questions: Iterable[Question]) -> Cue:
    keys = key_hits = wrong = wrong_hits = 0
    flagged: list[str] = []
    for q in questions:
        if q.type != "single":
            continue
        keys += 1
        key_hits += bool(ABSOLUTE.search(q.choices[q.answer]))
        hits = sum(bool(ABSOLUTE.search(c)) for i, c in enumerate(q.choices) if i != q.answer)
        wrong += len(q.choices) - 1
        wrong_hits += hits
        if hits:
            flagged.append(q.id)
    return Cue(Rate(key_hits, keys), Rate(wrong_hits, wrong), tuple(flagged))


def _truefalse_absolute_cue(questions: Iterable[Question]) -> Cue:
    statements = [q for q in questions if q.type == "truefalse"]
    true = [q for q in statements if q.answer == 0]
    false = [q for q in statements if q.answer == 1]
    false_hits = [q.id for q in false if ABSOLUTE.search(q.prompt)]
    true_hits = sum(bool(ABSOLUTE.search(q.prompt)) for q in true)
    return Cue(Rate(true_hits, len(true)), Rate(len(false_hits), len(false)), tuple(false_hits))


def _concept_stats(concept_id: str, title: str, questions: Sequence[Question]) -> ConceptStats:
    types = Counter(q.type for q in questions)
    single = [q for q in questions if q.type == "single"]
    longest = tuple(q.id for q in single if key_is_longest(q))
    return ConceptStats(
        id=concept_id,
        title=title,
        total=len(questions),
        per_type={t: types[t] for t in TYPES},
        scenario=sum(q.scenario for q in questions),
        per_difficulty={d: sum(q.difficulty == d for q in questions) for d in DIFFICULTIES},
        longest_key=Rate(len(longest), len(single)),
        longest_ids=longest,
        absolute=_absolute_cue(questions),
    )


def bank_report(bank: QuestionBank) -> BankReport:
    """Count a bank's questions and measure its coverage and answer cues."""
    questions = bank.questions
    four = [q for q in questions if q.type == "single" and len(q.choices) == 4]
    letters: Counter[str] = Counter({letter: 0 for letter in LETTERS[:4]})
    letters.update(q.answer_letter for q in four)
    single_letters: Counter[str] = Counter()
    single_letters.update(q.answer_letter for q in questions if q.type == "single")
    types = Counter(q.type for q in questions)
    per_concept: Counter[str] = Counter({c.id: 0 for c in bank.concepts})
    per_concept.update(q.concept for q in questions)
    titles = {c.id: c.title for c in bank.concepts}
    by_concept: dict[str, list[Question]] = {c: [] for c in per_concept}
    for q in questions:
        by_concept[q.concept].append(q)

    naming: dict[str, list[str]] = {}
    for q in questions:
        for point in q.points:
            naming.setdefault(point, []).append(q.id)
    declared = [(c.id, p) for c in bank.concepts for p in c.points]
    truefalse = [q for q in questions if q.type == "truefalse"]
    return BankReport(
        total=len(questions),
        per_concept=dict(per_concept),
        per_type={t: types[t] for t in dict.fromkeys([*TYPES, *types])},
        scenario=sum(q.scenario for q in questions),
        per_difficulty=dict(sorted(Counter(q.difficulty for q in questions).items())),
        four_option=len(four),
        answer_letters=dict(letters),
        key_letters={letter: single_letters[letter] for letter in LETTERS},
        truefalse_answers={
            True: sum(q.answer == 0 for q in truefalse),
            False: sum(q.answer == 1 for q in truefalse),
        },
        concepts=tuple(
            _concept_stats(c, titles.get(c, c), members) for c, members in by_concept.items()
        ),
        points=tuple(
            PointStats(p.id, concept, p.text, p.source, tuple(naming.get(p.id, ())))
            for concept, p in declared
        ),
        unknown_points=tuple(sorted(set(naming) - {p.id for _, p in declared})),
        without_points=tuple(Flagged(q.id, q.source, "") for q in questions if not q.points),
        revealing_ids=tuple(
            Flagged(q.id, q.source, ", ".join(words))
            for q in truefalse
            if (words := revealing_words(q.id))
        ),
        absolute=_absolute_cue(questions),
        truefalse_absolute=_truefalse_absolute_cue(questions),
        from_scratch=tuple(
            q.id
            for q in questions
            if q.type == "single" and any(FROM_SCRATCH.search(c) for c in q.choices)
        ),
    )


# --- the rules ------------------------------------------------------------------------


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


def _pct(share: Fraction | float) -> str:
    return f"{float(share):.0%}"


def _at(source: str, fallback: str) -> tuple[str, int]:
    path, _, line = source.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (fallback, 0)


def bank_rule_problems(report: BankReport, *, where: str = "questions") -> list[Problem]:
    """The shipped-bank rules the report breaks, located at a question, a point or `where`."""
    found: list[str] = []
    located: list[Problem] = []
    if report.total < MIN_QUESTIONS:
        found.append(f"the bank has {report.total} questions (need at least {MIN_QUESTIONS})")
    for concept in report.concepts:
        if concept.total < MIN_PER_CONCEPT:
            found.append(
                f"concept '{concept.id}' has {concept.total} questions (need {MIN_PER_CONCEPT})"
            )
    scenario = Rate(report.scenario, report.total)
    if scenario.share < MIN_SCENARIO_SHARE:
        found.append(
            f"{scenario} of questions are tagged scenario (need {_pct(MIN_SCENARIO_SHARE)})"
        )
    truefalse = report.per_type.get("truefalse", 0)
    if truefalse < MIN_TRUEFALSE:
        found.append(f"{truefalse} truefalse questions (need {MIN_TRUEFALSE})")
    true, false = report.truefalse_answers.get(True, 0), report.truefalse_answers.get(False, 0)
    if abs(true - false) > MAX_TRUEFALSE_IMBALANCE:
        found.append(f"truefalse answers are {true} true and {false} false (need as many of each)")
    missing = [str(d) for d in DIFFICULTIES if not report.per_difficulty.get(d)]
    if missing:
        found.append(f"no questions of difficulty {', '.join(missing)}")
    for letter in LETTERS[:4]:
        share = report.letter_share(letter)
        if share > MAX_LETTER_SHARE:
            found.append(
                f"answer '{letter}' is right in {share:.0%} of four-option questions"
                f" (limit {_pct(MAX_LETTER_SHARE)})"
            )
    for point in report.points:
        count = len(point.questions)
        if count < MIN_QUESTIONS_PER_POINT:
            tested = f" ({_ids(point.questions)})" if point.questions else ""
            message = (
                f"syllabus point '{point.id}' is tested by {count} question{'s' * (count != 1)}"
                f"{tested} (need {MIN_QUESTIONS_PER_POINT})"
            )
            path, line = _at(point.source, where)
            located.append(Problem(path, line, None, message))
    for point_id in report.unknown_points:
        found.append(f"questions name syllabus point '{point_id}', which no concept declares")
    if REQUIRE_POINTS:
        for item in report.without_points:
            path, line = _at(item.source, where)
            message = "names no syllabus point (add `points:` with the points that decide its key)"
            located.append(Problem(path, line, item.question_id, message))
    if len(report.revealing_ids) > MAX_REVEALING_IDS:
        for item in report.revealing_ids:
            path, line = _at(item.source, where)
            message = f"truefalse id gives the answer away ({item.detail}); rename it"
            located.append(Problem(path, line, item.question_id, message))
    for concept in report.concepts:
        if concept.longest_key.share > MAX_LONGEST_KEY_SHARE:
            found.append(
                f"concept '{concept.id}': the right option is the longest in"
                f" {concept.longest_key} of its single-answer questions"
                f" (limit {_pct(MAX_LONGEST_KEY_SHARE)}): {_ids(concept.longest_ids)}"
            )
    cues = [("the bank", report.absolute)] + [
        (f"concept '{c.id}'", c.absolute) for c in report.concepts
    ]
    for name, cue in cues:
        if not cue.ok:
            found.append(
                f"{name}: absolute words ({', '.join(ABSOLUTE_WORDS[:4])}...) in"
                f" {cue.distractors} of wrong options but {cue.keys} of right ones"
                f" (wrong may not exceed right): {_ids(cue.flagged)}"
            )
    tf = report.truefalse_absolute
    if not tf.ok:
        found.append(
            f"absolute words in {tf.distractors} of false truefalse statements but"
            f" {tf.keys} of true ones (false may not exceed true): {_ids(tf.flagged)}"
        )
    scratch = report.from_scratch_rate
    if scratch.share > MAX_FROM_SCRATCH_SHARE:
        found.append(
            f"{scratch} of questions offer a from-scratch or random-weights option"
            f" (limit {MAX_FROM_SCRATCH_SHARE.numerator} in {MAX_FROM_SCRATCH_SHARE.denominator})"
        )
    return [Problem(where, 0, None, message) for message in found] + located
