"""Draw the benchmarks' figures from their JSON results into one PNG.

Left: command and push latency, through Home Assistant and through the client
alone, each against the raw floors measured in the same run (box plots of every
sample, log scale). Right: setup time and heap per device against the device
count, with the targets. A panel whose benchmark has not run says which to run.

Each benchmark redraws bench/results/performance.png after it has written its
figures. To redraw it by hand, or to refresh the README's copy:

    python bench/plot.py [--results DIR] [--out docs/performance.png]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # no display: files only

from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullFormatter

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PLOT_NAME = "performance.png"
COMMAND = "#c0504d"
PUSH = "#4f81bd"
FLOOR = "#9f9f9f"
_PLAIN = FuncFormatter(lambda value, _: f"{value:g}")
# What each latency box is, in the order drawn from top to bottom.
LATENCIES = (
    ("entity_latency", "action", "HA action → device\n(fan.set_percentage)", COMMAND),
    ("entity_latency", "client_floor", "floor: client update()", FLOOR),
    ("entity_latency", "action_floor", "floor: HA action\nwriting one state", FLOOR),
    ("entity_latency", "push", "device change → HA state\n(push)", PUSH),
    ("push_latency", "push", "client: update → pushed\nstate", PUSH),
    ("push_latency", "push_digest", "the same, with a token\n(Digest)", PUSH),
    ("push_latency", "http_floor", "floor: bare HTTP GET", FLOOR),
)


def _load(results_dir: Path, benchmark: str) -> dict[str, Any] | None:
    try:
        return dict(json.loads((results_dir / f"{benchmark}.json").read_text()))
    except FileNotFoundError, json.JSONDecodeError:
        return None


def _missing(axes: Axes, benchmark: str) -> None:
    axes.text(
        0.5,
        0.5,
        f"no figures yet:\nrun bench/{benchmark}.py",
        ha="center",
        va="center",
        transform=axes.transAxes,
    )
    axes.set_axis_off()


def _latency(axes: Axes, results: dict[str, dict[str, Any] | None]) -> None:
    rows = [
        (label, results[name]["figures"][key]["samples_ms"], colour)  # type: ignore[index]
        for name, key, label, colour in LATENCIES
        if results[name] is not None
    ]
    missing = sorted({name for name, *_ in LATENCIES if results[name] is None})
    if not rows:
        _missing(axes, ".py, bench/".join(missing))
        return
    rows.reverse()  # barh draws bottom up
    boxes = axes.boxplot(
        [samples for _, samples, _ in rows],
        orientation="horizontal",
        whis=(1, 99),
        showfliers=False,
        patch_artist=True,
        widths=0.6,
    )
    for box, (_, _, colour) in zip(boxes["boxes"], rows, strict=True):
        box.set_facecolor(colour)
        box.set_alpha(0.7)
    axes.set_yticks(range(1, len(rows) + 1), [label for label, _, _ in rows])
    for index, (_, samples, _) in enumerate(rows, start=1):
        median = sorted(samples)[len(samples) // 2]
        axes.annotate(
            f"{median:.3f} ms",
            (median, index),
            xytext=(0, 14),
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(_PLAIN)
    axes.set_xlabel("milliseconds (box: quartiles, whiskers: 1st to 99th percentile)")
    title = "Command and push latency against the raw floors"
    if missing:
        title += f"\n(bench/{'.py, bench/'.join(missing)}.py not run yet)"
    axes.set_title(title)
    axes.grid(axis="x", which="both", alpha=0.3)


def _scale(setup_axes: Axes, memory_axes: Axes, scale: dict[str, Any] | None) -> None:
    if scale is None:
        _missing(setup_axes, "scale")
        _missing(memory_axes, "scale")
        return
    runs = scale["runs"]
    counts = [run["devices"] for run in runs]
    setup_axes.plot(
        counts,
        [run["setup_seconds"] for run in runs],
        "o-",
        color=COMMAND,
        label="all entries loaded",
    )
    setup_axes.plot(
        counts,
        [run["push_up_seconds"] for run in runs],
        "s--",
        color=PUSH,
        label="every push channel up",
    )
    if "setup" in scale["targets"]:
        setup_axes.plot(
            [100], [3.0], "v", color=FLOOR, label="target: 100 devices in 3 s"
        )
    setup_axes.set_xscale("log")
    setup_axes.set_yscale("log")
    setup_axes.set_xticks(counts, [str(count) for count in counts])
    setup_axes.xaxis.set_minor_formatter(NullFormatter())
    setup_axes.yaxis.set_major_formatter(_PLAIN)
    setup_axes.yaxis.set_minor_formatter(NullFormatter())
    setup_axes.set_xlabel("devices in one Home Assistant")
    setup_axes.set_ylabel("seconds")
    setup_axes.set_title("Setup time against device count")
    setup_axes.legend(fontsize=7)
    setup_axes.grid(which="both", alpha=0.3)
    for count, run in zip(counts, runs, strict=True):
        setup_axes.annotate(
            f"{run['setup_seconds']:.2f} s",
            (count, run["setup_seconds"]),
            xytext=(4, -10),
            textcoords="offset points",
            fontsize=7,
        )

    memory_axes.bar(
        [str(count) for count in counts],
        [run["heap_kib_per_device"] for run in runs],
        color=PUSH,
        alpha=0.7,
    )
    memory_axes.axhline(200, color=FLOOR, linestyle=":", label="target: 200 KiB")
    memory_axes.set_xlabel("devices in one Home Assistant")
    memory_axes.set_ylabel("KiB per device (tracemalloc)")
    memory_axes.set_title("Python heap per device after setup")
    marginal = scale.get("marginal_heap_kib_per_device")
    if marginal is not None:
        memory_axes.text(
            0.98,
            0.75,
            f"each device beyond the first {counts[0]}: {marginal:.0f} KiB",
            ha="right",
            transform=memory_axes.transAxes,
            fontsize=8,
        )
    memory_axes.legend(fontsize=7)
    for index, run in enumerate(runs):
        memory_axes.annotate(
            f"{run['heap_kib_per_device']:.0f}",
            (index, run["heap_kib_per_device"]),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )


def _caption(results: dict[str, dict[str, Any] | None]) -> str:
    measured = [result for result in results.values() if result is not None]
    if not measured:
        return "no figures yet"
    machine = measured[0]["machine"]
    dates = sorted(result["measured_at"][:10] for result in measured)
    parts = [
        f"Home Assistant {machine['home_assistant']}, Python {machine['python']}, "
        f"{machine['cpus']} CPUs, loopback; measured {dates[0]}"
        + (f" to {dates[-1]}" if dates[-1] != dates[0] else "")
    ]
    scale = results.get("scale")
    if scale is not None:
        idle = scale["targets"]["idle"]
        parts.append(
            f"idle {scale['idle_seconds']:g} s with push up, all counts: "
            f"{idle['requests']} HTTP requests, {idle['state_writes']} state writes"
        )
    return "; ".join(parts)


def render(results_dir: Path = RESULTS_DIR, out: Path | None = None) -> Path:
    """Draw the plot from the JSON in `results_dir`; return the PNG's path."""
    results = {
        name: _load(results_dir, name)
        for name in ("entity_latency", "push_latency", "scale")
    }
    figure = plt.figure(figsize=(13, 6.5), layout="constrained")
    grid = figure.add_gridspec(2, 2, width_ratios=(1.35, 1))
    _latency(figure.add_subplot(grid[:, 0]), results)
    _scale(
        figure.add_subplot(grid[0, 1]), figure.add_subplot(grid[1, 1]), results["scale"]
    )
    figure.suptitle("Massage for Home Assistant: measured by bench/", fontsize=12)
    figure.text(0.5, -0.02, _caption(results), ha="center", fontsize=8)
    path = out or results_dir / PLOT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path


def main() -> int:
    """Redraw the plot; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, metavar="DIR")
    parser.add_argument("--out", type=Path, help=f"default: DIR/{PLOT_NAME}")
    args = parser.parse_args()
    print(f"plot written to {render(args.results, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
