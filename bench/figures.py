"""What every benchmark here shares: its command line, its figures, its results file."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import platform
import statistics
from typing import Any

PERCENTILE = 99
LABEL_WIDTH = 44
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def summary(samples: list[float]) -> tuple[float, float]:
    """Return the median and the 99th percentile of samples, in milliseconds."""
    ms = [sample * 1000 for sample in samples]
    p99 = statistics.quantiles(ms, n=100, method="inclusive")[PERCENTILE - 1]
    return statistics.median(ms), p99


def line(label: str, samples: list[float]) -> str:
    """Return one printed figure: median and p99 of a measurement."""
    median, p99 = summary(samples)
    return f"{label:<{LABEL_WIDTH}}: median {median:8.3f} ms   p99 {p99:8.3f} ms"


def ratio(label: str, numerator: list[float], denominator: list[float]) -> str:
    """Return how many times slower one measurement is than another, per figure."""
    top_median, top_p99 = summary(numerator)
    bottom_median, bottom_p99 = summary(denominator)
    return (
        f"{label:<{LABEL_WIDTH}}: median {top_median / bottom_median:8.2f} x    "
        f"p99 {top_p99 / bottom_p99:8.2f} x"
    )


def latency(label: str, samples: list[float]) -> dict[str, Any]:
    """Return a latency figure for the results file: label, summary and samples."""
    median, p99 = summary(samples)
    return {
        "label": label,
        "median_ms": median,
        "p99_ms": p99,
        "samples_ms": [sample * 1000 for sample in samples],
    }


def add_results_option(parser: argparse.ArgumentParser) -> None:
    """Add --results DIR, where the JSON figures and the plot go."""
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR,
        metavar="DIR",
        help="where to write the figures (JSON) and the plot (PNG); default "
        "bench/results/",
    )


def parse_args(description: str, default_samples: int) -> argparse.Namespace:
    """Parse --samples, --warmup and --results."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--samples", type=int, default=default_samples, help="samples per figure"
    )
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured rounds")
    add_results_option(parser)
    args = parser.parse_args()
    if args.samples < 2:
        parser.error("--samples must be at least 2")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    return args


def save(results_dir: Path, benchmark: str, figures: dict[str, Any]) -> Path:
    """
    Write `<benchmark>.json` into `results_dir`, then redraw the plot from it.

    The file says where and when it was measured. The plot needs matplotlib; without
    it, only the JSON is written (and the script says so).
    """
    results_dir.mkdir(parents=True, exist_ok=True)
    from homeassistant.const import __version__ as ha_version  # noqa: PLC0415

    document = {
        "benchmark": benchmark,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "home_assistant": ha_version,
            "cpus": os.cpu_count(),
            "processor": platform.machine(),
        },
        **figures,
    }
    path = results_dir / f"{benchmark}.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    print(f"figures written to {path}")
    try:
        import plot  # beside this script  # noqa: PLC0415
    except ImportError as error:
        print(f"no plot: {error}")
        return path
    print(f"plot written to {plot.render(results_dir)}")
    return path
