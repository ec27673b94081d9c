"""Helpers shared by the emulator tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
from typing import Any

import aiohttp

API = "/api/v1"
# Real seconds per protocol minute in timer tests: a 5-minute session lasts 0.1 s.
FAST_MINUTE = 0.02

type State = dict[str, Any]


async def receive_state(
    ws: aiohttp.ClientWebSocketResponse, seconds: float = 2.0
) -> State:
    """Return the state of the next push message, which must be one; skip pings."""
    message = await ws.receive(timeout=seconds)
    while message.type is aiohttp.WSMsgType.PING:
        message = await ws.receive(timeout=seconds)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    payload = json.loads(message.data)
    assert payload["type"] == "state"
    assert set(payload) == {"type", "state"}
    state: State = payload["state"]
    return state


async def receive_until(
    ws: aiohttp.ClientWebSocketResponse,
    predicate: Callable[[State], bool],
    seconds: float = 2.0,
) -> list[State]:
    """Return the states pushed up to and including the first that matches."""
    seen: list[State] = []
    async with asyncio.timeout(seconds):
        while not seen or not predicate(seen[-1]):
            seen.append(await receive_state(ws))
    return seen


async def receive_closed(
    ws: aiohttp.ClientWebSocketResponse, seconds: float = 2.0
) -> aiohttp.WSMessage:
    """Wait for the connection to end, skipping pushes; return the last message."""
    async with asyncio.timeout(seconds):
        while True:
            message = await ws.receive()
            if message.type in {
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            }:
                return message


async def wait_for(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    """Poll `condition` until it holds."""
    async with asyncio.timeout(seconds):
        while True:
            if condition():
                return
            await asyncio.sleep(0.005)
