"""PNG plots of an evaluation (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use("Agg"): the backend must be chosen first


def metric_bars(path: Path, title: str, values: dict[str, dict[str, float | None]]) -> None:
    """Grouped bars: one group per metric, one bar per system (a missing value leaves a gap)."""
    systems = list(values)
    metrics = list(dict.fromkeys(m for per in values.values() for m in per))
    width = 0.8 / max(1, len(systems))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(metrics) + 2), 4.2))
    for k, system in enumerate(systems):
        xs = [i + k * width for i, m in enumerate(metrics) if values[system].get(m) is not None]
        ys = [values[system][m] for m in metrics if values[system].get(m) is not None]
        ax.bar(xs, ys, width, label=system)
    ax.set_xticks(
        [i + width * (len(systems) - 1) / 2 for i in range(len(metrics))], metrics, rotation=30, ha="right"
    )
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def latency_histogram(path: Path, seconds: dict[str, list[float]]) -> None:
    """Per-request latency of each system, as overlaid step histograms on shared bins."""
    everything = [s for values in seconds.values() for s in values]
    fig, ax = plt.subplots(figsize=(6.5, 4.0))
    bins = 30 if max(everything, default=0) > min(everything, default=0) else 1
    for system, values in seconds.items():
        ax.hist(values, bins=bins, range=(min(everything), max(everything)), histtype="step", label=system)
    ax.set_xlabel("seconds per request")
    ax.set_ylabel("requests")
    ax.set_title("latency per request")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
