"""How the demo starts its child processes: Home Assistant and each device."""

from __future__ import annotations

import asyncio
import ctypes
import signal
from typing import Any

_PR_SET_PDEATHSIG = 1


def _prepare_child() -> None:
    """
    Prepare the child before it runs: default signals, SIGTERM when the demo dies.

    The demo may have been started with SIGINT ignored (a background job of a
    shell); the child must not inherit that. And the death signal holds even when
    the demo dies by SIGKILL, so that no child ever outlives it.
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


async def start_child(*command: str, **kwargs: Any) -> asyncio.subprocess.Process:
    """
    Start `command` as a child that never outlives the demo.

    In a session of its own: a Ctrl-C in the terminal, or a signal to the demo's
    process group, reaches only the demo, which then stops its children in order
    (Home Assistant first, so that it can stop running devices, then the devices).
    """
    return await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_prepare_child,
        **kwargs,
    )
