"""The /stats chart: the 7-day due forecast and mastery per concept, as one PNG.

matplotlib (Agg, no screen) is imported on first use so start-up stays quick.
Rendering takes tens of milliseconds: adapters call it off the event loop with
`await asyncio.to_thread(render_stats_png, stats)`.
"""

from __future__ import annotations

import io
import threading

from bot.core.views import StatsView

_LOCK = threading.Lock()  # pyplot keeps global state; one figure at a time


def render_stats_png(stats: StatsView) -> bytes:
    """A PNG with two panels: cards due per day for a week, and mastery per concept."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    with _LOCK:
        figure, (due, mastery) = plt.subplots(
            1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [1, 1.6]}
        )
        try:
            days = [d.strftime("%a\n%d %b") for d, _ in stats.forecast]
            counts = [n for _, n in stats.forecast]
            due.bar(days, counts, color="#4c78a8")
            due.set_title(f"Cards due, next 7 days ({stats.timezone})")
            due.set_ylabel("cards")
            due.yaxis.get_major_locator().set_params(integer=True)
            concepts = list(reversed(stats.concepts))
            labels = [c.title[:32] for c in concepts]
            mastered = [c.mastered / c.total * 100 if c.total else 0 for c in concepts]
            seen = [c.seen / c.total * 100 if c.total else 0 for c in concepts]
            mastery.barh(labels, seen, color="#c6dbef", label="seen")
            mastery.barh(labels, mastered, color="#2ca02c", label="mastered")
            mastery.set_xlim(0, 100)
            mastery.set_xlabel("% of the concept's questions")
            mastery.set_title(f"Mastery by concept: {stats.name[:40]}")
            mastery.tick_params(axis="y", labelsize=8)
            mastery.legend(loc="lower right", fontsize=8)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=100)
        finally:
            plt.close(figure)
    return buffer.getvalue()
