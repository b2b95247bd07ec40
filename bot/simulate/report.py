"""What the simulation found: recall per policy with intervals over seeds, readiness
calibration, the targets, as a console table, a Markdown section and a chart."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.simulate import POLICIES
from bot.simulate.bench import Plan
from bot.simulate.group import LearnerOutcome, RunResult

TARGET_RATIO = 1.3
TARGET_MAE = 0.05
TARGET_SECONDS = 300.0
MODEL_NOTE = (
    "This is a model of memory, not data from people: each simulated learner forgets "
    "along FSRS-6's curve (default parameters, varied per learner) on top of a prior "
    "chance of knowing each question that differs by concept."
)
START_MARK = "<!-- simulate:results:start -->"
END_MARK = "<!-- simulate:results:end -->"
# two-sided 95 % Student t quantiles by degrees of freedom
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306}


def interval(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and the half-width of its 95 % confidence interval (None from one value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None
    t = _T95.get(len(values) - 1, 2.262 if len(values) <= 10 else 2.0)
    return mean, t * statistics.stdev(values) / len(values) ** 0.5


def show(mean: float, half: float | None, digits: int = 3) -> str:
    return f"{mean:.{digits}f}" + (f" ± {half:.{digits}f}" if half is not None else "")


@dataclass(frozen=True)
class Decile:
    predicted: float
    exam: float
    recall: float
    learners: int


@dataclass(frozen=True)
class Calibration:
    learners: int
    mae_exam: float  # predicted score vs the simulated 40-question exam
    mae_expected: float  # vs the same exam's expected score (no luck in the answers)
    mae_recall: float  # vs the learner's true mean recall over the bank
    floor: float  # an oracle predicting true bank recall, vs the same exams
    coverage: float  # share of exam scores inside the predicted range
    deciles: tuple[Decile, ...]


def calibrate(outcomes: Sequence[LearnerOutcome]) -> Calibration:
    ordered = sorted(outcomes, key=lambda o: o.predicted)
    size = len(ordered)
    deciles = []
    for k in range(10):
        part = ordered[k * size // 10 : (k + 1) * size // 10]
        if part:
            deciles.append(
                Decile(
                    statistics.fmean(o.predicted for o in part),
                    statistics.fmean(o.exam for o in part),
                    statistics.fmean(o.recall for o in part),
                    len(part),
                )
            )
    return Calibration(
        learners=size,
        mae_exam=statistics.fmean(abs(o.predicted - o.exam) for o in outcomes),
        mae_expected=statistics.fmean(abs(o.predicted - o.exam_expected) for o in outcomes),
        mae_recall=statistics.fmean(abs(o.predicted - o.recall) for o in outcomes),
        floor=statistics.fmean(abs(o.recall - o.exam) for o in outcomes),
        coverage=statistics.fmean(
            1.0 if o.predicted_low <= o.exam <= o.predicted_high else 0.0 for o in outcomes
        ),
        deciles=tuple(deciles),
    )


@dataclass(frozen=True)
class Target:
    label: str
    value: str
    goal: str
    met: bool | None  # None: shown beside the targets, not counted

    @property
    def mark(self) -> str:
        return "shown" if self.met is None else ("met" if self.met else "NOT met")


def score(targets: Sequence[Target]) -> str:
    counted = [t for t in targets if t.met is not None]
    return f"targets met: {sum(bool(t.met) for t in counted)}/{len(counted)}"


@dataclass
class Summary:
    plan: Plan
    results: list[RunResult]
    titles: Mapping[str, str]
    seconds: float

    def runs(self, policy: str) -> list[RunResult]:
        return [r for r in self.results if r.policy == policy]

    @property
    def policies(self) -> list[str]:
        present = {r.policy for r in self.results}
        return [p for p in (*POLICIES, "ceiling") if p in present]

    def recall(self, policy: str) -> tuple[float, float | None]:
        return interval([r.final for r in self.runs(policy)])

    def ratio(self, top: str = "studybot", base: str = "random") -> tuple[float, float | None]:
        """The ratio of mean day-30 recall, with an interval from the per-seed ratios."""
        pairs = {r.seed: r.final for r in self.runs(base)}
        per_seed = [r.final / pairs[r.seed] for r in self.runs(top) if r.seed in pairs]
        _, half = interval(per_seed)
        return self.recall(top)[0] / self.recall(base)[0], half

    def by_concept(self, policy: str) -> dict[str, float]:
        runs = self.runs(policy)
        return {c: statistics.fmean(r.by_concept[c] for r in runs) for c in runs[0].by_concept}

    def daily(self, policy: str) -> list[float]:
        runs = self.runs(policy)
        return [statistics.fmean(day) for day in zip(*(r.daily for r in runs), strict=True)]

    def calibration(self) -> Calibration:
        return calibrate([o for p in POLICIES for r in self.runs(p) for o in r.learners])

    def answers_per_learner_day(self, policy: str) -> float:
        runs = self.runs(policy)
        return statistics.fmean(r.answered for r in runs) / (self.plan.learners * self.plan.days)

    def targets(self) -> list[Target]:
        ratio, half = self.ratio()
        calibration = self.calibration()
        return [
            Target(
                f"studybot / random, day-30 recall ({self.plan.learners} learners,"
                f" {self.plan.per_day} a day)",
                show(ratio, half, 2),
                f">= {TARGET_RATIO:.2f}",
                ratio >= TARGET_RATIO,
            ),
            # The estimate's own error: against the exam's expected score. One sampled
            # exam adds the luck of 40 answers, which no predictor can know (the floor).
            Target(
                "readiness: mean absolute error vs the 40-question exam's expected score",
                f"{calibration.mae_expected * 100:.1f} pp",
                f"<= {TARGET_MAE * 100:.0f} pp",
                calibration.mae_expected <= TARGET_MAE,
            ),
            Target(
                f"  the same vs one sampled exam (luck floor {calibration.floor * 100:.1f} pp)",
                f"{calibration.mae_exam * 100:.1f} pp",
                "",
                None,
            ),
            Target(
                "runtime of the whole simulation",
                f"{self.seconds:.0f} s",
                f"< {TARGET_SECONDS:.0f} s",
                self.seconds < TARGET_SECONDS,
            ),
        ]


def setting(plan: Plan) -> str:
    return (
        f"{plan.learners} learners, {plan.per_day} questions a learner a day on days they come"
        f" to the drill ({plan.per_day - 1} otherwise; drill participation about"
        f" {plan.participation:.0%}), {plan.days} days, seeds {', '.join(map(str, plan.seeds))}"
    )


def _policy_label(policy: str) -> str:
    return "ceiling (oracle)" if policy == "ceiling" else policy


def render_text(summary: Summary) -> str:
    plan = summary.plan
    lines = [
        f"Simulated study group: {setting(plan)}.",
        MODEL_NOTE,
        "",
        "Day-30 true recall over the whole bank (mean ± 95 % CI over seeds)",
    ]
    for policy in summary.policies:
        mean, half = summary.recall(policy)
        per_day = summary.answers_per_learner_day(policy)
        lines.append(
            f"  {_policy_label(policy):<17} {show(mean, half):<15}  day 0: "
            f"{summary.daily(policy)[0]:.3f}   answers per learner per day: {per_day:.2f}"
        )
    ratio, half = summary.ratio()
    lines += ["", f"  studybot / random: {show(ratio, half, 2)}", ""]
    policies = [p for p in summary.policies]
    lines.append("Day-30 recall per concept")
    lines.append("  " + f"{'concept':<24}" + "".join(f"{p[:11]:>12}" for p in policies))
    tables = {p: summary.by_concept(p) for p in policies}
    for concept in tables[policies[0]]:
        lines.append(f"  {concept:<24}" + "".join(f"{tables[p][concept]:>12.3f}" for p in policies))
    lines += ["", *calibration_lines(summary.calibration()), "", "Targets"]
    targets = summary.targets()
    for t in targets:
        goal = f"target {t.goal:<9}" if t.goal else " " * 16
        lines.append(f"  {t.label:<72} {t.value:>12}  {goal} {t.mark}")
    lines.append(score(targets))
    return "\n".join(lines)


def calibration_lines(c: Calibration) -> list[str]:
    lines = [
        f"Readiness calibration at day 30 ({c.learners} simulated learners, all policies)",
        f"  mean absolute error, predicted score vs a 40-question exam:    "
        f"{c.mae_exam * 100:.1f} pp",
        f"    the same exam's expected score (no luck in the answers):     "
        f"{c.mae_expected * 100:.1f} pp",
        f"    the learner's true recall over the whole bank:               "
        f"{c.mae_recall * 100:.1f} pp",
        f"  luck floor: true recall vs the same exams (an oracle's error): {c.floor * 100:.1f} pp",
        f"  exams inside the predicted 90 % range: {c.coverage:.0%}",
        "  by decile of prediction: predicted / exam / true recall (learners)",
    ]
    for n, d in enumerate(c.deciles, start=1):
        lines.append(
            f"    {n:>2}. {d.predicted:.3f} / {d.exam:.3f} / {d.recall:.3f} ({d.learners})"
        )
    return lines


def render_markdown(summary: Summary, command: str) -> str:
    plan = summary.plan
    policies = summary.policies
    lines = [
        START_MARK,
        f"Command: `{command}` ({summary.seconds:.0f} s on this machine).",
        "",
        f"Setting: {setting(plan)}. {MODEL_NOTE}",
        "",
        "| policy | day-30 recall (95 % CI over seeds) | day 0 | answers / learner / day |",
        "| --- | --- | --- | --- |",
    ]
    for policy in policies:
        mean, half = summary.recall(policy)
        lines.append(
            f"| {_policy_label(policy)} | {show(mean, half)} | {summary.daily(policy)[0]:.3f} |"
            f" {summary.answers_per_learner_day(policy):.2f} |"
        )
    ratio, half = summary.ratio()
    lines += [
        "",
        f"studybot / random: **{show(ratio, half, 2)}**.",
        "",
        "![recall over 30 days](learning.png)",
        "",
        "Day-30 recall per concept:",
        "",
        "| concept | " + " | ".join(_policy_label(p) for p in policies) + " |",
        "| --- |" + " --- |" * len(policies),
    ]
    tables = {p: summary.by_concept(p) for p in policies}
    for concept in tables[policies[0]]:
        title = summary.titles.get(concept, concept)
        cells = " | ".join(f"{tables[p][concept]:.3f}" for p in policies)
        lines.append(f"| {concept} ({title}) | {cells} |")
    c = summary.calibration()
    lines += [
        "",
        f"Readiness calibration at day 30 ({c.learners} simulated learners, all policies):",
        "",
        f"- mean absolute error vs the 40-question exam's expected score (the target):"
        f" **{c.mae_expected * 100:.1f} pp**",
        f"- vs one sampled exam (the luck of 40 answers included): {c.mae_exam * 100:.1f} pp;"
        f" vs true recall over the whole bank: {c.mae_recall * 100:.1f} pp",
        f"- luck floor (an oracle that knows true recall, vs the same exams):"
        f" {c.floor * 100:.1f} pp",
        f"- exams inside the predicted 90 % range: {c.coverage:.0%}",
        "",
        "| decile of prediction | predicted | exam | true recall | learners |",
        "| --- | --- | --- | --- | --- |",
    ]
    for n, d in enumerate(c.deciles, start=1):
        lines.append(f"| {n} | {d.predicted:.3f} | {d.exam:.3f} | {d.recall:.3f} | {d.learners} |")
    targets = summary.targets()
    lines += ["", "| target | value | goal | |", "| --- | --- | --- | --- |"]
    for t in targets:
        lines.append(f"| {t.label.strip()} | {t.value} | {t.goal} | {t.mark} |")
    lines += ["", score(targets), END_MARK]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace the marked results section of `path` (append it when there is none)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START_MARK in text and END_MARK in text:
        head, rest = text.split(START_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    path.write_text(text, encoding="utf-8")


def render_png(summary: Summary, path: Path) -> None:
    """Group mean true recall per day, per policy (lines: mean over seeds; bands: range)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=110)
    for policy in summary.policies:
        runs = summary.runs(policy)
        days = range(len(runs[0].daily))
        style = ":" if policy == "ceiling" else "-"
        axes.plot(days, summary.daily(policy), style, label=_policy_label(policy))
        low = [min(day) for day in zip(*(r.daily for r in runs), strict=True)]
        high = [max(day) for day in zip(*(r.daily for r in runs), strict=True)]
        axes.fill_between(days, low, high, alpha=0.15)
    axes.set_xlabel("day")
    axes.set_ylabel("mean true recall over the whole bank")
    axes.set_title(
        f"Simulated group of {summary.plan.learners}: a model of memory, not data from people",
        fontsize=10,
    )
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
