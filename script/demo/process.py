"""
The demo as a child process, for the browser test and `script/screenshots.py`.

It runs exactly what `script/develop` runs (`python script/demo`), with its own
configuration directory and free ports, and is stopped with SIGINT as a Ctrl-C.
"""

from __future__ import annotations

import json
from pathlib import Path
import select
import signal
import socket
import subprocess
import sys
import time
from types import TracebackType
from typing import IO, Any, Self

from . import REPO_DIR

STOP_TIMEOUT = 90.0
COMMAND_TIMEOUT = 60.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DemoProcess:
    """`python script/demo --json` in a child process, until `stop()`."""

    def __init__(self, config_dir: Path, *, port: int | None = None) -> None:
        """Prepare a demo with its configuration in `config_dir`."""
        self.config_dir = config_dir
        self.port = free_port() if port is None else port
        self.info: dict[str, Any] = {}
        self.output = config_dir.parent / f"{config_dir.name}-demo.log"
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def start(self, timeout: float = 240.0) -> dict[str, Any]:
        """Start the demo and return what it printed when ready."""
        self._log = self.output.open("w")
        self._process = subprocess.Popen(  # noqa: S603 - our own script
            [
                sys.executable,
                str(REPO_DIR / "script" / "demo"),
                "--config",
                str(self.config_dir),
                "--port",
                str(self.port),
                "--emulator-port",
                "0",
                "--json",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        assert self._process.stdout is not None  # noqa: S101 - a pipe, asked for
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self._process.stdout], [], [], 1.0)
            if not readable:
                if self._process.poll() is not None:
                    break
                continue
            line = self._process.stdout.readline()
            if not line:
                break
            if line.startswith("{"):
                message: dict[str, Any] = json.loads(line)
                if message.get("event") == "ready":
                    self.info = message
                    return message
        raise RuntimeError(
            f"The demo did not get ready within {timeout:.0f} s:\n{self.log()}"
        )

    def command(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """Run `script/develop COMMAND ...` on this demo, as a person would."""
        return subprocess.run(  # noqa: S603 - our own script
            [
                sys.executable,
                str(REPO_DIR / "script" / "demo"),
                "--config",
                str(self.config_dir),
                *arguments,
            ],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )

    def log(self) -> str:
        """Return what the demo printed to stderr."""
        return self.output.read_text() if self.output.exists() else ""

    def stop(self) -> int:
        """Stop the demo as Ctrl-C does; return its exit status."""
        process, self._process = self._process, None
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        return process.returncode

    def __enter__(self) -> Self:
        """Start the demo."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the demo."""
        self.stop()
