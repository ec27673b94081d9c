"""
Each benchmark runs briefly, prints its figures and writes valid JSON and the plot.

Only that they work is checked, never how fast anything is: figures from a test run
on a busy machine mean nothing, and a timed assertion would only be flaky.
"""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_benchmark(script: str, results: Path, *arguments: str) -> str:
    """Run `bench/<script>` with its figures going to `results`; return its output."""
    done = subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, str(BENCH / script), "--results", str(results), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def load(results: Path, benchmark: str) -> dict[str, Any]:
    """Read a results file, which says what it is and where it was measured."""
    document: dict[str, Any] = json.loads((results / f"{benchmark}.json").read_text())
    assert document["benchmark"] == benchmark
    assert set(document["machine"]) == {
        "python",
        "home_assistant",
        "cpus",
        "processor",
    }
    return document


def assert_latency(figure: dict[str, Any], samples: int) -> None:
    """A latency figure carries every sample, and its summary matches them."""
    assert len(figure["samples_ms"]) == samples
    assert all(sample > 0 for sample in figure["samples_ms"])
    assert min(figure["samples_ms"]) <= figure["median_ms"] <= figure["p99_ms"]
    assert figure["p99_ms"] <= max(figure["samples_ms"])


def assert_plot(results: Path) -> None:
    """The plot was drawn."""
    assert (results / "performance.png").read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.timeout(180)
def test_push_latency_writes_its_figures(tmp_path: Path) -> None:
    output = run_benchmark(
        "push_latency.py", tmp_path, "--samples", "5", "--warmup", "1"
    )

    document = load(tmp_path, "push_latency")
    assert document["samples"] == 5
    for figure in document["figures"].values():
        assert_latency(figure, 5)
    assert f"{document['figures']['push']['median_ms']:8.3f} ms" in output
    assert_plot(tmp_path)


@pytest.mark.timeout(180)
def test_entity_latency_writes_its_figures(tmp_path: Path) -> None:
    output = run_benchmark(
        "entity_latency.py", tmp_path, "--samples", "3", "--warmup", "1"
    )

    document = load(tmp_path, "entity_latency")
    assert set(document["figures"]) == {
        "action",
        "push",
        "client_floor",
        "action_floor",
    }
    for figure in document["figures"].values():
        assert_latency(figure, 3)
    assert f"{document['figures']['action']['median_ms']:8.3f} ms" in output
    assert_plot(tmp_path)


@pytest.mark.timeout(180)
def test_scale_writes_its_figures(tmp_path: Path) -> None:
    output = run_benchmark("scale.py", tmp_path, "--counts", "2,1", "--idle", "0.5")

    document = load(tmp_path, "scale")
    runs = document["runs"]
    assert [run["devices"] for run in runs] == [1, 2]
    for run in runs:
        assert run["entities"] > 0
        assert 0 < run["setup_seconds"] <= run["push_up_seconds"]
        assert run["heap_kib_per_device"] > 0
        assert run["push_up_after_idle"] == run["devices"]
        # Each device was asked who it is and how it is, at least.
        assert run["setup_requests"] >= 2 * run["devices"]
    assert document["idle_seconds"] == 0.5
    # Without 100 devices there is no setup target to judge.
    assert set(document["targets"]) == {"memory", "idle"}
    assert "target: under 200 KiB per device" in output
    assert_plot(tmp_path)


def test_plot_draws_whatever_has_run(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(BENCH / "plot.py"), "--results", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert_plot(tmp_path)


@pytest.mark.parametrize(
    ("script", "arguments"),
    [
        ("scale.py", ["--counts", "0,10"]),
        ("scale.py", ["--idle", "0"]),
        ("push_latency.py", ["--samples", "1"]),
    ],
)
def test_usage_errors(tmp_path: Path, script: str, arguments: list[str]) -> None:
    done = subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, str(BENCH / script), "--results", str(tmp_path), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 2
    assert "error" in done.stderr
    assert not list(tmp_path.iterdir())
