"""Faults a device server can be told to show, switchable while it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
import math
from typing import Any

type FaultWatcher = Callable[[str], None]


@dataclass
class Faults:
    """
    Misbehaviour of a `DeviceServer`; set any field at any time and it applies at once.

    - `latency`: seconds added before each HTTP answer and each push message.
    - `refuse_connections`: the server stops listening and drops open connections,
      so clients get "connection refused"; set it back and the same port listens.
    - `malformed_json`: every JSON body, HTTP or push, is cut short (invalid JSON).
      Writes still take effect; only the answers are broken.
    - `wrong_types`: in info and state bodies, HTTP or push, every number and
      boolean is sent as a string (`"level": "3"`).
    - `server_error`: every HTTP request gets this 5xx status with the error body:
      `busy` with `Retry-After: retry_after` for 503, `internal` otherwise.
    - `silent_websocket`: push connections go quiet: no pings, no pongs, no
      messages, as a dead peer would; a client's heartbeat has to notice.
    - `ignore_stops`: a write's `"on": false` and `"heat": 0` are acknowledged
      (200, with the state) but ignored: the device keeps running and heating.
    - `impostor_id`: another device has taken the address: `info` answers with
      this id. Setting it drops the push connections, as the old device left.
    - `reported_time`: every time the device reports (`session_end`, `heat_end`,
      HTTP or push) is sent as this ISO 8601 text instead, as from a clock at the
      calendar's edge (`"0001-01-01T00:00:00+05:00"`).
    - `push_flood`: while the device runs, its force sensor reads a new value this
      many times a second, each pushed as the protocol says (a device with a
      force sensor only).
    - `oversized_body`: info and state bodies carry padding far beyond what the
      protocol allows, with a Content-Length that says so.
    - `endless_body`: info and state bodies never end: chunked, without a length,
      until the client gives up.
    - `oversized_push`: pushed state messages carry padding beyond the limit.
    - `huge_name`: the info's name is 10,000 characters, control characters
      included.
    """

    latency: float = 0.0
    refuse_connections: bool = False
    malformed_json: bool = False
    wrong_types: bool = False
    server_error: int | None = None
    retry_after: int = 1
    silent_websocket: bool = False
    ignore_stops: bool = False
    impostor_id: str | None = None
    reported_time: str | None = None
    push_flood: int = 0
    oversized_body: bool = False
    endless_body: bool = False
    oversized_push: bool = False
    huge_name: bool = False
    _watchers: list[FaultWatcher] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def __setattr__(self, name: str, value: Any) -> None:
        """Check the value, set it, and tell the watchers which fault changed."""
        _check(name, value)
        super().__setattr__(name, value)
        # During __init__ the watcher list does not exist yet.
        for watcher in list(self.__dict__.get("_watchers", ())):
            watcher(name)

    def watch(self, watcher: FaultWatcher) -> Callable[[], None]:
        """Call `watcher(field_name)` after every change; return an undo."""
        self._watchers.append(watcher)

        def unwatch() -> None:
            if watcher in self._watchers:
                self._watchers.remove(watcher)

        return unwatch

    def clear(self) -> None:
        """Switch every fault off again."""
        for fault in fields(self):
            if fault.init:
                setattr(self, fault.name, fault.default)


def _check(name: str, value: Any) -> None:
    """Raise ValueError for a fault value that makes no sense."""
    if name == "latency" and not (
        isinstance(value, int | float) and math.isfinite(value) and value >= 0
    ):
        raise ValueError("latency must be a finite number of seconds >= 0")
    if name == "server_error" and not (
        value is None or (isinstance(value, int) and 500 <= value <= 599)  # noqa: PLR2004
    ):
        raise ValueError("server_error must be a 5xx status or None")
    if name == "retry_after" and not (isinstance(value, int) and value >= 0):
        raise ValueError("retry_after must be a whole number of seconds >= 0")
    if name == "push_flood" and not (isinstance(value, int) and value >= 0):
        raise ValueError("push_flood must be a whole number of states a second >= 0")
