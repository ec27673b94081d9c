"""What every benchmark here shares: its command line and how it prints figures."""

from __future__ import annotations

import argparse
import statistics

PERCENTILE = 99
LABEL_WIDTH = 44


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


def parse_args(description: str, default_samples: int) -> argparse.Namespace:
    """Parse --samples and --warmup."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--samples", type=int, default=default_samples, help="samples per figure"
    )
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured rounds")
    args = parser.parse_args()
    if args.samples < 2:
        parser.error("--samples must be at least 2")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    return args
