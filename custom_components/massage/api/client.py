"""Async client for the Massage Local API, version 1."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Final, Self

import aiohttp
from yarl import URL

from .errors import (
    MassageAuthenticationError,
    MassageConnectionClosedError,
    MassageConnectionError,
    MassageError,
    MassageInvalidResponseError,
    MassageRequestError,
    MassageTimeoutError,
    MassageUnsupportedError,
)
from .models import Capabilities, DeviceInfo, DeviceState

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

API_VERSION: Final = 1
"""The protocol version this client speaks; later versions keep every v1 field."""

_HTTP_OK: Final = 200
_HTTP_UNAUTHORIZED: Final = 401
_UNSUPPORTED: Final = "unsupported"
_MIN_WAIT: Final = 0.001


def _decode(raw: bytes | str) -> object:
    """Decode a JSON document, raising MassageInvalidResponseError if it is not one."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise MassageInvalidResponseError(
            f"the device sent invalid JSON: {err}"
        ) from err


def _raise_for_error(status: int, raw: bytes) -> None:
    """Turn an answer other than 200 into the matching exception.

    401 is always MassageAuthenticationError. Any other status that carries the
    protocol's error body becomes MassageUnsupportedError for the code
    `unsupported`, and MassageRequestError with the device's code otherwise (5xx
    included: the device answered, so the transport is fine). A body that is not the
    protocol's error shape makes it MassageInvalidResponseError.
    """
    if status == _HTTP_UNAUTHORIZED:
        raise MassageAuthenticationError("the device rejected the token (401)")
    try:
        payload = _decode(raw)
    except MassageInvalidResponseError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if (
        not isinstance(error, dict)
        or not isinstance(code := error.get("code"), str)
        or not code
    ):
        raise MassageInvalidResponseError(f"unexpected status {status} from the device")
    message = error.get("message")
    text = message if isinstance(message, str) else ""
    if code == _UNSUPPORTED:
        raise MassageUnsupportedError(text or "the device lacks this capability")
    raise MassageRequestError(code, status, text)


class MassageClient:
    """Talks to one device over the Massage Local API.

    Hand it the aiohttp session to use (Home Assistant's shared one, say); without
    one it creates its own and closes it in close(). It never closes a session it
    was handed.
    """

    host: str
    """The device's host name or address."""
    port: int
    """The device's HTTP port."""
    request_timeout: float
    """Seconds a request, or the opening of the push socket, may take."""

    def __init__(
        self,
        host: str,
        *,
        port: int = 80,
        token: str | None = None,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 10.0,
    ) -> None:
        """Set up a client for the device at host:port; nothing is sent yet."""
        self.host = host
        self.port = port
        self.request_timeout = request_timeout
        self._token = token
        self._session = session
        self._close_session = False
        self._capabilities: Capabilities | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._listening = False
        self._stop = asyncio.Event()
        self._released = asyncio.Event()

    @property
    def capabilities(self) -> Capabilities | None:
        """The capabilities of the last info() answer, or None before one."""
        return self._capabilities

    @property
    def connected(self) -> bool:
        """Whether a push socket is open."""
        return self._ws is not None and not self._ws.closed

    def _url(self, path: str) -> URL:
        """Return the URL of an API path."""
        try:
            return URL.build(
                scheme="http", host=self.host, port=self.port, path=f"/api/v1/{path}"
            )
        except (ValueError, TypeError) as err:
            raise MassageConnectionError(f"invalid host {self.host!r}: {err}") from err

    def _headers(self) -> dict[str, str]:
        """Return the headers every request carries."""
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _get_session(self) -> aiohttp.ClientSession:
        """Return the session to use, creating (and owning) one if none was given."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._close_session = True
        return self._session

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> object:
        """Send a request and return the decoded JSON of a 200 answer."""
        url = self._url(path)
        session = self._get_session()
        try:
            async with asyncio.timeout(self.request_timeout):
                async with session.request(
                    method,
                    url,
                    json=body,
                    headers=self._headers(),
                    allow_redirects=False,
                    raise_for_status=False,
                ) as response:
                    status = response.status
                    raw = await response.read()
        except TimeoutError as err:
            raise MassageTimeoutError(
                f"{method} {url} took longer than {self.request_timeout} s"
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise MassageConnectionError(f"{method} {url} failed: {err}") from err
        if status != _HTTP_OK:
            _raise_for_error(status, raw)
        return _decode(raw)

    async def _ensure_capabilities(self) -> Capabilities:
        """Return the device's capabilities, fetching its info if they are unknown."""
        if self._capabilities is None:
            return (await self.info()).capabilities
        return self._capabilities

    async def info(self) -> DeviceInfo:
        """Fetch identity and capabilities, and remember the capabilities.

        Raises MassageUnsupportedError for a device older than API version 1.
        """
        info = DeviceInfo.from_dict(await self._request("GET", "info"))
        if info.api_version < API_VERSION:
            raise MassageUnsupportedError(
                f"the device speaks API version {info.api_version}, not {API_VERSION}"
            )
        self._capabilities = info.capabilities
        return info

    async def state(self) -> DeviceState:
        """Fetch the full state (and the info first, if it is not known yet)."""
        capabilities = await self._ensure_capabilities()
        return DeviceState.from_dict(await self._request("GET", "state"), capabilities)

    async def update(
        self,
        *,
        on: bool | None = None,
        level: int | None = None,
        mode: str | None = None,
        heat: int | None = None,
        timer: int | None = None,
        attachment: str | None = None,
    ) -> DeviceState:
        """Write the fields that are not None in one atomic PATCH; return the new state.

        The device checks every field: a rejected write raises MassageRequestError
        (MassageUnsupportedError for a capability it lacks) and changes nothing.
        """
        capabilities = await self._ensure_capabilities()
        fields: dict[str, Any] = {
            "on": on,
            "level": level,
            "mode": mode,
            "heat": heat,
            "timer": timer,
            "attachment": attachment,
        }
        body = {key: value for key, value in fields.items() if value is not None}
        return DeviceState.from_dict(
            await self._request("PATCH", "state", body), capabilities
        )

    async def _connect(self) -> aiohttp.ClientWebSocketResponse:
        """Open the push socket; listen() answers and sends the pings itself."""
        url = self._url("ws")
        session = self._get_session()
        try:
            async with asyncio.timeout(self.request_timeout):
                return await session.ws_connect(
                    url,
                    headers=self._headers(),
                    autoping=False,
                    timeout=aiohttp.ClientWSTimeout(ws_close=self.request_timeout),
                )
        except aiohttp.WSServerHandshakeError as err:
            if err.status == _HTTP_UNAUTHORIZED:
                raise MassageAuthenticationError(
                    "the device rejected the token (401)"
                ) from err
            raise MassageConnectionError(
                f"the device refused the WebSocket at {url} ({err.status})"
            ) from err
        except TimeoutError as err:
            raise MassageTimeoutError(
                f"opening {url} took longer than {self.request_timeout} s"
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise MassageConnectionError(f"cannot open {url}: {err}") from err

    @staticmethod
    def _parse_push(data: str, capabilities: Capabilities) -> DeviceState | None:
        """Parse one pushed text message; None for a message type not known here."""
        message = _decode(data)
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise MassageInvalidResponseError(f"the device pushed {data[:100]!r}")
        if message["type"] != "state":
            return None
        if "state" not in message:
            raise MassageInvalidResponseError("a pushed state lacks 'state'")
        return DeviceState.from_dict(message["state"], capabilities)

    async def listen(
        self, callback: Callable[[DeviceState], None], *, heartbeat: float = 5.0
    ) -> None:
        """Follow the device's pushed state until disconnect() is called.

        Opens `GET /api/v1/ws` and calls callback with every pushed state, the first
        one right after connecting. As the protocol asks, the client sends a ping
        when nothing has arrived for `heartbeat` seconds, and gives the peer up for
        dead when nothing (a pong or anything else) comes back within `heartbeat`
        seconds more. Returns only after disconnect(). Raises
        MassageConnectionClosedError when the socket closes, fails or misses its
        heartbeat, MassageAuthenticationError on 401, MassageConnectionError
        (MassageTimeoutError) when it cannot connect, and
        MassageInvalidResponseError for a bad message, after closing the socket.
        Exceptions raised by callback propagate, after closing the socket too.
        Raises ValueError for a heartbeat that is not positive.
        """
        if heartbeat <= 0:
            raise ValueError("heartbeat must be positive")
        if self._listening:
            raise MassageError("this client is already listening")
        self._listening = True
        self._stop.clear()
        try:
            capabilities = await self._ensure_capabilities()
            ws = await self._connect()
            self._ws = ws
            self._released.clear()
            try:
                await self._receive(ws, capabilities, callback, heartbeat)
            finally:
                self._ws = None
                try:
                    await ws.close()
                finally:
                    self._released.set()
        finally:
            self._listening = False

    async def _receive(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        capabilities: Capabilities,
        callback: Callable[[DeviceState], None],
        heartbeat: float,
    ) -> None:
        """Hand pushed states to callback until disconnect() or a failure.

        The heartbeat is kept here rather than by aiohttp, whose own heartbeat can
        leave a timer behind on a closed socket.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + heartbeat
        awaiting_pong = False
        while not self._stop.is_set():
            try:
                message = await ws.receive(
                    timeout=max(deadline - loop.time(), _MIN_WAIT)
                )
            except TimeoutError:
                if awaiting_pong:
                    raise MassageConnectionClosedError(
                        f"{self.host} did not answer a ping within {heartbeat} s"
                    ) from None
                awaiting_pong = True
                deadline = loop.time() + heartbeat
                await self._send_ping(ws)
                continue
            awaiting_pong = False
            deadline = loop.time() + heartbeat
            if message.type is aiohttp.WSMsgType.TEXT:
                state = self._parse_push(message.data, capabilities)
                if state is not None:
                    callback(state)
            elif message.type is aiohttp.WSMsgType.PING:
                await self._send_ping(ws, pong=message.data)
            elif message.type is not aiohttp.WSMsgType.PONG:
                self._raise_for_message(ws, message)

    def _raise_for_message(
        self, ws: aiohttp.ClientWebSocketResponse, message: aiohttp.WSMessage
    ) -> None:
        """Raise for a pushed message that ends listening, unless one was asked for."""
        if self._stop.is_set():
            return
        if message.type is aiohttp.WSMsgType.BINARY:
            raise MassageInvalidResponseError("the device pushed a binary message")
        if message.type is aiohttp.WSMsgType.ERROR:
            raise MassageConnectionClosedError(
                f"the push socket of {self.host} failed: {message.data}"
            ) from ws.exception()
        raise MassageConnectionClosedError(
            f"the push socket of {self.host} was closed ({ws.close_code})"
        )

    async def _send_ping(
        self, ws: aiohttp.ClientWebSocketResponse, *, pong: bytes | None = None
    ) -> None:
        """Send a ping, or the pong that answers one."""
        try:
            if pong is None:
                await ws.ping()
            else:
                await ws.pong(pong)
        except (aiohttp.ClientError, OSError) as err:
            raise MassageConnectionClosedError(
                f"the push socket of {self.host} failed: {err}"
            ) from err

    async def disconnect(self) -> None:
        """Make listen() return, and wait until it has closed its push socket.

        A listen() that is still connecting returns as soon as it has connected.
        """
        self._stop.set()
        if (ws := self._ws) is not None:
            await ws.close()
            await self._released.wait()

    async def close(self) -> None:
        """Disconnect, and close the session if this client created it."""
        await self.disconnect()
        if self._session is not None and self._close_session:
            await self._session.close()
            self._session = None
            self._close_session = False

    async def __aenter__(self) -> Self:
        """Enter an async with block."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the client at the end of an async with block."""
        await self.close()
