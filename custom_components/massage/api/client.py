"""Async client for the Massage Local API, version 1.1 (and 1.0 devices)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any, Final, Self

import aiohttp
from aiohttp import hdrs
from yarl import URL

from .digest import AUTHENTICATION_INFO, Authorization, Challenge, DigestSession
from .errors import (
    MassageAuthenticationError,
    MassageConnectionClosedError,
    MassageConnectionError,
    MassageDowngradeError,
    MassageError,
    MassageHostNotFoundError,
    MassageInvalidResponseError,
    MassageNotADeviceError,
    MassageRequestError,
    MassageResponseTooLargeError,
    MassageTimeoutError,
    MassageUnsupportedError,
)
from .models import Capabilities, DeviceInfo, DeviceState

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from multidict import CIMultiDictProxy

API_VERSION: Final = 1
"""The protocol version this client speaks; later versions keep every v1 field."""
API_MINOR: Final = 1
"""The minor version: 1.1 adds Digest authentication, tickets and limits."""
MAX_BODY_BYTES: Final = 16 * 1024
"""The largest HTTP body a device may send; a larger one is refused unread."""
MAX_MESSAGE_BYTES: Final = 16 * 1024
"""The largest WebSocket message a device may push."""

_HTTP_OK: Final = 200
_HTTP_UNAUTHORIZED: Final = 401
_UNSUPPORTED: Final = "unsupported"
_MIN_WAIT: Final = 0.001
_READ_CHUNK: Final = 4096
# Tries of one request: enough for a first contact that learns the challenge and
# a signed try, or for two "stale" answers in a row (an expired nonce, counts
# overtaking each other in flight). A 401 means nothing was done, so a write is
# safe to send again.
_AUTH_ATTEMPTS: Final = 3
_TICKET: Final = re.compile(r"[A-Za-z0-9_-]{16,128}")
_JSON_TYPES: Final = frozenset({"application/json", "text/json"})


def _decode(raw: bytes | str) -> object:
    """Decode a JSON document, raising MassageInvalidResponseError if it is not one."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise MassageInvalidResponseError(
            f"the device sent invalid JSON: {err}"
        ) from err


def _error_of(raw: bytes) -> tuple[str, str] | None:
    """Return code and message of the protocol's error body, or None without one."""
    try:
        payload = _decode(raw)
    except MassageInvalidResponseError:
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    if (
        not isinstance(error, dict)
        or not isinstance(code := error.get("code"), str)
        or not code
    ):
        return None
    message = error.get("message")
    return code, message if isinstance(message, str) else ""


def _raise_for_error(status: int, raw: bytes) -> None:
    """Turn an answer other than 200 (and 401) into the matching exception.

    A status that carries the protocol's error body becomes
    MassageUnsupportedError for the code `unsupported`, and MassageRequestError
    with the device's code otherwise (5xx included: the device answered, so the
    transport is fine). Without that body, what answered is not a Massage device:
    MassageNotADeviceError.
    """
    if (error := _error_of(raw)) is None:
        raise MassageNotADeviceError(f"unexpected status {status} from the device")
    code, text = error
    if code == _UNSUPPORTED:
        raise MassageUnsupportedError(text or "the device lacks this capability")
    raise MassageRequestError(code, status, text)


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    """Read a body of at most MAX_BODY_BYTES, never holding more than that."""
    length = response.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise MassageResponseTooLargeError(
            f"the device announced a body of {length} bytes (at most {MAX_BODY_BYTES})"
        )
    body = bytearray()
    async for chunk in response.content.iter_chunked(_READ_CHUNK):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise MassageResponseTooLargeError(
                f"the device sent a body of more than {MAX_BODY_BYTES} bytes"
            )
    return bytes(body)


def _is_json(response: aiohttp.ClientResponse) -> bool:
    return response.content_type in _JSON_TYPES


class MassageClient:
    """Talks to one device over the Massage Local API.

    Hand it the aiohttp session to use (Home Assistant's shared one, say); without
    one it creates its own and closes it in close(). It never closes a session it
    was handed.

    The token never goes out before the device asks for it. A device that
    challenges with Digest (protocol 1.1) gets only Digest hashes; a device that
    asks for a bearer token (1.0) gets the token, unless `digest_only` is set (an
    entry that once saw Digest) or this client has seen Digest from it. Then that
    request is refused as a downgrade. `on_digest` is called once when a client
    without `digest_only` first sees Digest, so that the caller can remember it.
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
        digest_only: bool = False,
        on_digest: Callable[[], object] | None = None,
    ) -> None:
        """Set up a client for the device at host:port; nothing is sent yet."""
        self.host = host
        self.port = port
        self.request_timeout = request_timeout
        self._token = token
        self._digest_only = digest_only
        self._on_digest = on_digest
        self._digest: DigestSession | None = None
        self._bearer = False
        self._session = session
        self._close_session = False
        self._capabilities: Capabilities | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._listening = False
        self._stop = asyncio.Event()
        self._released = asyncio.Event()

    @property
    def uses_digest(self) -> bool:
        """Whether the device has asked for Digest authentication (protocol 1.1)."""
        return self._digest is not None

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

    def _get_session(self) -> aiohttp.ClientSession:
        """Return the session to use, creating (and owning) one if none was given."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._close_session = True
        return self._session

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> object:
        """Send a request, authenticating as the device asks; decode a 200 answer."""
        url = self._url(path)
        payload = None if body is None else json.dumps(body).encode()
        for _ in range(_AUTH_ATTEMPTS):
            sent = self._authorization(method, url, payload or b"")
            status, headers, raw, is_json = await self._send(method, url, payload, sent)
            if status == _HTTP_UNAUTHORIZED:
                self._learn_challenge(headers, raw, sent)
                continue
            if status != _HTTP_OK:
                _raise_for_error(status, raw)
            self._check_proof(headers, raw, sent)
            try:
                return _decode(raw)
            except MassageInvalidResponseError as err:
                if is_json:
                    raise
                raise MassageNotADeviceError(
                    f"{method} {url} answered with something that is not JSON"
                ) from err
        raise MassageConnectionError(
            f"{method} {url}: the device kept calling its nonce stale"
        )

    def _authorization(
        self, method: str, url: URL, payload: bytes
    ) -> Authorization | str | None:
        """Return what authenticates the next request: Digest, a bearer, or none."""
        if self._digest is not None:
            return self._digest.authorize(method, url.raw_path_qs, payload)
        if self._bearer and self._token:
            return f"Bearer {self._token}"
        return None

    async def _send(
        self,
        method: str,
        url: URL,
        payload: bytes | None,
        authorization: Authorization | str | None,
    ) -> tuple[int, CIMultiDictProxy[str], bytes, bool]:
        """Send one request; return status, headers, body, and whether it is JSON."""
        headers = {hdrs.ACCEPT: "application/json"}
        if payload is not None:
            headers[hdrs.CONTENT_TYPE] = "application/json"
        if isinstance(authorization, Authorization):
            headers[hdrs.AUTHORIZATION] = authorization.header
        elif authorization is not None:
            headers[hdrs.AUTHORIZATION] = authorization
        session = self._get_session()
        try:
            async with asyncio.timeout(self.request_timeout):
                async with session.request(
                    method,
                    url,
                    data=payload,
                    headers=headers,
                    allow_redirects=False,
                    raise_for_status=False,
                ) as response:
                    raw = await _read_capped(response)
                    return response.status, response.headers, raw, _is_json(response)
        except TimeoutError as err:
            raise MassageTimeoutError(
                f"{method} {url} took longer than {self.request_timeout} s"
            ) from err
        except aiohttp.ClientConnectorDNSError as err:
            raise MassageHostNotFoundError(
                f"{self.host!r} does not resolve: {err}"
            ) from err
        except aiohttp.ClientResponseError as err:
            # Raised for an answer that is not HTTP at all.
            raise MassageNotADeviceError(
                f"{method} {url} was not answered in HTTP: {err.message}"
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise MassageConnectionError(f"{method} {url} failed: {err}") from err

    def _learn_challenge(
        self,
        headers: CIMultiDictProxy[str],
        raw: bytes,
        sent: Authorization | str | None,
    ) -> None:
        """Take in a 401's challenge for the next attempt, or raise if none can help.

        A Digest challenge replaces the nonce; unless it says `stale`, one that
        answers Digest hashes means a wrong token. Without one the device is a 1.0
        device asking for a bearer token, which is refused as a downgrade once
        Digest is required or has been seen. A 401 with neither a Digest
        challenge nor the protocol's error body (a router's login page, say) is
        not from a Massage device.
        """
        lines = headers.getall(hdrs.WWW_AUTHENTICATE, [])
        challenge = next(
            (found for line in lines if (found := Challenge.parse(line)) is not None),
            None,
        )
        if challenge is None and _error_of(raw) is None:
            raise MassageNotADeviceError("a login that is not a Massage device's (401)")
        if not self._token:
            raise MassageAuthenticationError("the device requires a token (401)")
        if challenge is not None:
            if isinstance(sent, Authorization) and not challenge.stale:
                raise MassageAuthenticationError("the device rejected the token (401)")
            first = self._digest is None
            self._digest = DigestSession(self._token, challenge)
            if first and not self._digest_only and self._on_digest is not None:
                self._on_digest()
            return
        if self._digest_only or self._digest is not None:
            raise MassageDowngradeError(
                "the device asked for the token in the clear, but it has to prove "
                "that it knows it (Digest, protocol 1.1)"
            )
        if sent is not None:
            raise MassageAuthenticationError("the device rejected the token (401)")
        self._bearer = True

    def _check_proof(
        self,
        headers: CIMultiDictProxy[str],
        raw: bytes,
        sent: Authorization | str | None,
    ) -> None:
        """Raise unless a 200 answer comes from a device that knows the token.

        An answer to Digest must carry a valid `rspauth`; a device that has to
        use Digest must not answer without asking for it.
        """
        if isinstance(sent, Authorization):
            if not sent.verify(headers.get(AUTHENTICATION_INFO), raw):
                raise MassageAuthenticationError(
                    "the device did not prove that it knows the token (rspauth)"
                )
        elif self._token and self._digest_only:
            raise MassageAuthenticationError(
                "the device answered without asking for the token it requires"
            )

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
            "mode": None if mode is None else capabilities.wire_name("modes", mode),
            "heat": heat,
            "timer": timer,
            "attachment": (
                None
                if attachment is None
                else capabilities.wire_name("attachments", attachment)
            ),
        }
        body = {key: value for key, value in fields.items() if value is not None}
        return DeviceState.from_dict(
            await self._request("PATCH", "state", body), capabilities
        )

    async def _ticket(self) -> str:
        """Fetch a single-use ticket for the push socket over an authenticated POST."""
        answer = await self._request("POST", "ws/ticket")
        ticket = answer.get("ticket") if isinstance(answer, dict) else None
        if not isinstance(ticket, str) or not _TICKET.fullmatch(ticket):
            raise MassageInvalidResponseError("the device sent no usable ticket")
        return ticket

    async def _connect(self) -> aiohttp.ClientWebSocketResponse:
        """Open the push socket; listen() answers and sends the pings itself.

        After Digest the socket is opened with a ticket (the token does not go
        out); a 1.0 device gets its bearer token; otherwise nothing is sent.
        """
        url = self._url("ws")
        headers: dict[str, str] = {}
        ticket = None
        if self._digest is not None:
            ticket = await self._ticket()
            url = url.with_query(ticket=ticket)
        elif self._bearer and self._token:
            headers[hdrs.AUTHORIZATION] = f"Bearer {self._token}"
        session = self._get_session()
        try:
            async with asyncio.timeout(self.request_timeout):
                return await session.ws_connect(
                    url,
                    headers=headers,
                    autoping=False,
                    # aiohttp refuses a message of max_msg_size bytes itself.
                    max_msg_size=MAX_MESSAGE_BYTES + 1,
                    timeout=aiohttp.ClientWSTimeout(ws_close=self.request_timeout),
                )
        except aiohttp.WSServerHandshakeError as err:
            if err.status == _HTTP_UNAUTHORIZED and ticket is None:
                raise MassageAuthenticationError(
                    "the device rejected the token (401)"
                ) from err
            # A refused ticket is not a wrong token: the device took the token
            # for the ticket a moment ago; the next attempt fetches a new one.
            raise MassageConnectionError(
                f"the device refused the WebSocket at {self._url('ws')} ({err.status})"
            ) from err
        except TimeoutError as err:
            raise MassageTimeoutError(
                f"opening {self._url('ws')} took longer than {self.request_timeout} s"
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise MassageConnectionError(
                f"cannot open {self._url('ws')}: {err}"
            ) from err

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

        Opens `GET /api/v1/ws` (with a ticket after Digest) and calls callback with
        every pushed state, the first one right after connecting. As the protocol
        asks, the client sends a ping when nothing has arrived for `heartbeat`
        seconds, and gives the peer up for dead when nothing (a pong or anything
        else) comes back within `heartbeat` seconds more. Returns only after
        disconnect(). Raises MassageConnectionClosedError when the socket closes,
        fails or misses its heartbeat, MassageAuthenticationError when the token
        is refused, MassageConnectionError (MassageTimeoutError) when it cannot
        connect or the ticket is refused, and MassageInvalidResponseError for a bad
        message (MassageResponseTooLargeError beyond MAX_MESSAGE_BYTES), after
        closing the socket.
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
        if (
            message.type is aiohttp.WSMsgType.ERROR
            and isinstance(message.data, aiohttp.WebSocketError)
            and message.data.code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
        ):
            raise MassageResponseTooLargeError(
                f"the device pushed a message of more than {MAX_MESSAGE_BYTES} bytes"
            )
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
