"""An aiohttp server that speaks the Massage Local API for one emulated device."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import hmac
import json
import logging
import math
import socket
import time
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import WSCloseCode, WSMsgType, hdrs, web
from aiohttp.typedefs import Handler

from .auth import (
    AUTHENTICATION_INFO,
    NONCE_LIFETIME,
    TICKET_LIFETIME,
    Clock,
    Denied,
    DigestAuthority,
    Grant,
    Tickets,
)
from .device import DeviceState, EmulatedDevice
from .errors import ApiError, ErrorCode
from .faults import Faults
from .status_page import render_status_page

_LOGGER = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
LOCALHOST = "127.0.0.1"
_BACKLOG = 128
# How long stop() lets push clients see a clean close before it cuts them off.
_CLOSE_TIMEOUT = 1.0
# How long stop() lets HTTP requests in flight finish.
_SHUTDOWN_TIMEOUT = 2.0
# aiohttp's default adds its own clock reading (%t), which breaks under a frozen
# test clock; the logging record carries the time already.
_ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tf'
# The push flood changes the force reading in batches this many seconds apart,
# cycling through this many readings (tenths of a newton).
_FLOOD_TICK = 0.01
_FLOOD_READINGS = 1000

type Protocol = Literal["1.0", "1.1"]
PROTOCOLS: tuple[Protocol, ...] = ("1.0", "1.1")
# Fields of the info body that protocol 1.0 did not have.
_FIELDS_SINCE_1_1 = ("api_minor",)
_CAPABILITIES_SINCE_1_1 = ("level_names",)
# Sizes the faults send: far beyond the 16 KiB a client takes.
OVERSIZE_BYTES = 256 * 1024
HUGE_NAME = ("Massage\x07\n\u202e" + " Gun" * 2500)[:10_000]
_ENDLESS_CHUNK = b"x" * 4096


@dataclass(eq=False, slots=True)
class _PushConnection:
    """One live WebSocket of the push channel."""

    ws: web.WebSocketResponse
    transport: asyncio.Transport | None
    states: asyncio.Queue[DeviceState] = field(default_factory=asyncio.Queue)
    pong: asyncio.Event = field(default_factory=asyncio.Event)

    def abort(self) -> None:
        """Cut the TCP connection without a WebSocket close handshake."""
        if self.transport is not None:
            self.transport.abort()


def _mistyped(value: Any) -> Any:
    """Return `value` with every number and boolean turned into a string."""
    if isinstance(value, dict):
        return {key: _mistyped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mistyped(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _is_stop(name: str, value: object) -> bool:
    """Whether a written field stops the massage or the heat."""
    return (name == "on" and value is False) or (
        name == "heat" and type(value) is int and value == 0
    )


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which Python's json accepts but JSON does not."""
    raise ValueError(f"{name} is not JSON")


def _error_from_http_exception(error: web.HTTPException) -> ApiError:
    """Translate aiohttp's own errors (routing, body size) into protocol errors."""
    status = error.status
    if status == web.HTTPNotFound.status_code:
        return ApiError(ErrorCode.NOT_FOUND, "no such path")
    if status == web.HTTPMethodNotAllowed.status_code:
        return ApiError(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed on this path")
    code = ErrorCode.BAD_REQUEST if status < 500 else ErrorCode.INTERNAL  # noqa: PLR2004
    return ApiError(code, error.reason, status=status)


class DeviceServer:
    """
    Serves one `EmulatedDevice` over HTTP and WebSocket, as the protocol describes.

    `port=0` picks a free port; after `start()`, `port` and `url` tell which. The
    token and the faults can be changed while the server runs. `stop()` closes
    every connection; `start()` again listens on the same port.

    `protocol="1.1"` (the default) authenticates with Digest and push tickets;
    `"1.0"` is a device of the first version, which takes a bearer token and
    reports none of 1.1's fields. `clock` times nonces and tickets.
    """

    def __init__(
        self,
        device: EmulatedDevice,
        *,
        host: str = LOCALHOST,
        port: int = 0,
        token: str | None = None,
        heartbeat: float = 5.0,
        faults: Faults | None = None,
        protocol: Protocol = "1.1",
        nonce_lifetime: float = NONCE_LIFETIME,
        ticket_lifetime: float = TICKET_LIFETIME,
        clock: Clock = time.monotonic,
    ) -> None:
        """Prepare a server; nothing listens until `start()`."""
        if not (math.isfinite(heartbeat) and heartbeat > 0):
            raise ValueError("heartbeat must be a positive number of seconds")
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}")
        self.device = device
        self.faults = Faults() if faults is None else faults
        # Checked on every request, so a change applies to the next one.
        self.token = token
        self.protocol: Protocol = protocol
        self.digest = DigestAuthority(clock=clock, nonce_lifetime=nonce_lifetime)
        self.tickets = Tickets(clock=clock, lifetime=ticket_lifetime)
        self.heartbeat = heartbeat
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        # While refusing connections, a bound socket that does not listen keeps
        # the port ours without accepting anything.
        self._reserved: socket.socket | None = None
        self._serving: asyncio.Task[None] | None = None
        self._flooding: asyncio.Task[None] | None = None
        self._connections: set[_PushConnection] = set()
        self._unwatch_faults: Callable[[], None] = lambda: None
        # Set while stopping, so that answers held back by added latency are
        # released at once instead of outliving the server.
        self._stopping = asyncio.Event()

    @property
    def host(self) -> str:
        """The address the server binds to."""
        return self._host

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._port == 0:
            raise RuntimeError("the port is chosen by start()")
        return self._port

    @property
    def url(self) -> str:
        """The base URL, such as `http://127.0.0.1:54321`."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def push_connections(self) -> int:
        """How many push channel WebSockets are open."""
        return len(self._connections)

    async def start(self) -> None:
        """Start listening; raises OSError when the port is taken."""
        if self._runner is not None:
            raise RuntimeError("the server is already running")
        self._stopping.clear()
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/", self._status_page)
        app.router.add_get(f"{API_PREFIX}/info", self._get_info)
        app.router.add_get(f"{API_PREFIX}/state", self._get_state)
        app.router.add_patch(f"{API_PREFIX}/state", self._patch_state)
        app.router.add_get(f"{API_PREFIX}/ws", self._push_channel)
        if self.protocol != "1.0":
            app.router.add_post(f"{API_PREFIX}/ws/ticket", self._post_ticket)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
            access_log_format=_ACCESS_LOG_FORMAT,
        )
        await runner.setup()
        try:
            sock = self._bind()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = sock.getsockname()[1]
        self._unwatch_faults = self.faults.watch(self._fault_changed)
        self._apply_flood()
        if self.faults.refuse_connections:
            self._reserved = sock
        else:
            sock.listen(_BACKLOG)
            await self._serve(sock, runner)

    async def stop(self) -> None:
        """Close every connection and stop listening; leaves no task behind."""
        runner = self._runner
        if runner is None:
            return
        self._runner = None
        self._stopping.set()
        self._unwatch_faults()
        if self._serving is not None:
            await self._serving
            self._serving = None
        if self._flooding is not None:
            self._flooding.cancel()
            await asyncio.gather(self._flooding, return_exceptions=True)
            self._flooding = None
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._reserved is not None:
            self._reserved.close()
            self._reserved = None
        await self._close_push_connections()
        await runner.cleanup()
        if listener is not None:
            await listener.wait_closed()

    async def __aenter__(self) -> Self:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()

    def drop_websockets(self) -> int:
        """Cut every push connection abruptly; return how many there were."""
        connections = list(self._connections)
        for connection in connections:
            connection.abort()
        return len(connections)

    # Listening, and refusing to

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            # Lets the port be bound again while old connections linger, which
            # refusing and restoring connections relies on.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            raise
        return sock

    async def _serve(self, sock: socket.socket, runner: web.AppRunner) -> None:
        """Accept connections on a listening socket."""
        assert runner.server is not None  # noqa: S101 - set up by start()
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(runner.server, sock=sock)
        # Refusal may have been switched on while the server was being created;
        # if stop() came instead, it closes the listener.
        self._apply_refusal()

    def _fault_changed(self, name: str) -> None:
        if name == "refuse_connections":
            self._apply_refusal()
        elif name == "impostor_id" and self.faults.impostor_id is not None:
            self.drop_websockets()
        elif name == "push_flood":
            self._apply_flood()

    def _apply_flood(self) -> None:
        """Start the push flood when it is switched on; it ends by itself."""
        if self._runner is None or self.faults.push_flood == 0:
            return
        if self._flooding is None or self._flooding.done():
            self._flooding = asyncio.create_task(
                self._flood(), name=f"massage emulator flood {self._port}"
            )

    async def _flood(self) -> None:
        """Change the force reading `push_flood` times a second while it is set."""
        reading = 0
        while (rate := self.faults.push_flood) > 0 and not self._stopping.is_set():
            for _ in range(max(1, round(rate * _FLOOD_TICK))):
                reading = (reading + 1) % _FLOOD_READINGS
                if self.device.state.on:
                    self.device.set_force(reading / 10)
            await asyncio.sleep(_FLOOD_TICK)

    def _apply_refusal(self) -> None:
        """Make listening match `faults.refuse_connections`, at once."""
        if (runner := self._runner) is None:
            return
        if self.faults.refuse_connections:
            if self._listener is not None:
                listener, self._listener = self._listener, None
                listener.close()
                listener.abort_clients()
                self._reserved = self._bind()
        elif self._reserved is not None:
            sock, self._reserved = self._reserved, None
            # Listening now, before the server object exists, means a client that
            # connects right away waits in the backlog instead of being refused.
            sock.listen(_BACKLOG)
            self._serving = asyncio.create_task(
                self._serve(sock, runner), name=f"massage emulator listen {self._port}"
            )

    # HTTP

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Apply latency, authentication and faults; turn errors into error bodies.

        An authenticated 1.1 answer carries `Authentication-Info` over its body.
        """
        await self._delay()
        if request.path == "/":
            # The status page is public; it shows the state only without a token.
            return await self._answer(request, handler)
        try:
            grant = await self._authenticate(request)
        except Denied as denial:
            _LOGGER.debug("Refused %s %s: %s", request.method, request.path, denial)
            return self._unauthorized(stale=denial.stale)
        if (status := self.faults.server_error) is not None:
            response: web.StreamResponse = self._error_response(
                self._server_error(status)
            )
        else:
            response = await self._answer(request, handler)
        if grant is not None and isinstance(response, web.Response):
            body = response.body if isinstance(response.body, bytes) else b""
            response.headers[AUTHENTICATION_INFO] = grant.authentication_info(body)
        return response

    async def _answer(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Run the handler; turn what it raises into the protocol's error bodies."""
        try:
            return await handler(request)
        except ApiError as error:
            return self._error_response(error)
        except web.HTTPException as error:
            response = self._error_response(_error_from_http_exception(error))
            if hdrs.ALLOW in error.headers:
                response.headers[hdrs.ALLOW] = error.headers[hdrs.ALLOW]
            return response
        except Exception:
            _LOGGER.exception("Unexpected error answering %s", request.path)
            return self._error_response(ApiError(ErrorCode.INTERNAL, "internal error"))

    async def _authenticate(self, request: web.Request) -> Grant | None:
        """Check a request's credentials; the grant signs the answer (1.1 only).

        Raises Denied for a request that needs credentials it lacks. The push
        channel of a 1.1 device takes a ticket instead.
        """
        token = self.token
        if token is None:
            return None
        if self.protocol == "1.0":
            scheme, _, credentials = request.headers.get(
                hdrs.AUTHORIZATION, ""
            ).partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                credentials.strip().encode(), token.encode()
            ):
                return None
            raise Denied("no valid bearer token")
        if request.path == f"{API_PREFIX}/ws":
            if self.tickets.redeem(request.query.get("ticket")):
                return None
            raise Denied("no valid ticket")
        return self.digest.check(
            token,
            request.headers.get(hdrs.AUTHORIZATION, ""),
            method=request.method,
            uri=request.raw_path,
            body=await request.read(),
        )

    def _unauthorized(self, *, stale: bool) -> web.Response:
        """Return the 401 answer, with the challenge of the device's protocol."""
        challenge = (
            'Bearer realm="massage"'
            if self.protocol == "1.0"
            else self.digest.challenge(stale=stale)
        )
        response = self._error_response(
            ApiError(ErrorCode.UNAUTHORIZED, "authentication is required")
        )
        response.headers[hdrs.WWW_AUTHENTICATE] = challenge
        return response

    def _server_error(self, status: int) -> ApiError:
        if status == web.HTTPServiceUnavailable.status_code:
            return ApiError(
                ErrorCode.BUSY,
                "the device is busy",
                retry_after=self.faults.retry_after,
            )
        return ApiError(ErrorCode.INTERNAL, "the device failed", status=status)

    async def _get_info(self, request: web.Request) -> web.StreamResponse:
        info = self.device.info()
        if self.protocol == "1.0":
            for key in _FIELDS_SINCE_1_1:
                info.pop(key, None)
            for key in _CAPABILITIES_SINCE_1_1:
                info["capabilities"].pop(key, None)
        if self.faults.huge_name:
            info["name"] = HUGE_NAME
        if (impostor := self.faults.impostor_id) is not None:
            info["id"] = impostor
        return await self._body_response(request, self._typed(info))

    async def _get_state(self, request: web.Request) -> web.StreamResponse:
        return await self._body_response(request, self._state_body(self.device.state))

    async def _post_ticket(self, request: web.Request) -> web.Response:
        return self._json_response(
            {"ticket": self.tickets.issue(), "expires_in": self.tickets.lifetime}
        )

    async def _status_page(self, request: web.Request) -> web.Response:
        state = None if self.token is not None else self.device.state.as_json()
        return web.Response(
            text=render_status_page(self.device.info(), state, self.protocol),
            content_type="text/html",
        )

    async def _patch_state(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            changes = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ApiError(ErrorCode.BAD_REQUEST, "the body is not JSON") from error
        if not isinstance(changes, dict):
            raise ApiError(ErrorCode.BAD_REQUEST, "the body must be a JSON object")
        if self.faults.ignore_stops:
            changes = {
                name: value
                for name, value in changes.items()
                if not _is_stop(name, value)
            }
        state = self.device.write(changes)
        return await self._body_response(request, self._state_body(state))

    async def _delay(self) -> None:
        if (latency := self.faults.latency) > 0 and not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), latency)

    async def _body_response(
        self, request: web.Request, payload: dict[str, Any]
    ) -> web.StreamResponse:
        """Return an info or state answer, as large or endless as the faults ask."""
        if self.faults.endless_body:
            return await self._endless(request)
        if self.faults.oversized_body:
            payload = {**payload, "padding": "x" * OVERSIZE_BYTES}
        return self._json_response(payload)

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        """Stream a body that never ends, until the client leaves or we stop."""
        response = web.StreamResponse(headers={hdrs.CONTENT_TYPE: "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"padding": "')
        with contextlib.suppress(ConnectionError):
            while not self._stopping.is_set():
                await response.write(_ENDLESS_CHUNK)
                await asyncio.sleep(0)
        return response

    def _typed(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Apply the wrong-types fault to an info or state body."""
        return _mistyped(payload) if self.faults.wrong_types else payload

    def _state_body(self, state: DeviceState) -> dict[str, Any]:
        """Return a state body as the device reports it, with the faults applied."""
        body = state.as_json()
        if (moment := self.faults.reported_time) is not None:
            for name in ("session_end", "heat_end"):
                if body[name] is not None:
                    body[name] = moment
        return self._typed(body)

    def _render(self, payload: dict[str, Any]) -> str:
        """Serialize a body, cut short under the malformed-JSON fault."""
        text = json.dumps(payload, allow_nan=False)
        # Any proper prefix of a JSON object is invalid JSON.
        return text[: len(text) // 2] if self.faults.malformed_json else text

    def _json_response(
        self,
        payload: dict[str, Any],
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        return web.Response(
            text=self._render(payload),
            status=status,
            headers=headers,
            content_type="application/json",
        )

    def _error_response(self, error: ApiError) -> web.Response:
        headers: dict[str, str] = {}
        if error.retry_after is not None:
            headers[hdrs.RETRY_AFTER] = str(error.retry_after)
        return self._json_response(error.body(), status=error.status, headers=headers)

    # The push channel

    async def _push_channel(self, request: web.Request) -> web.StreamResponse:
        # The protocol's heartbeat (a pong within `heartbeat` more seconds) is not
        # aiohttp's (half of it), and the silent fault must be able to stop pongs,
        # so pings and pongs are handled here rather than by aiohttp.
        ws = web.WebSocketResponse(autoping=False, timeout=_CLOSE_TIMEOUT)
        if not ws.can_prepare(request).ok:
            raise ApiError(ErrorCode.BAD_REQUEST, "this path takes a WebSocket upgrade")
        await ws.prepare(request)
        connection = _PushConnection(ws, request.transport)
        # Queue the current state and subscribe in one step, so that no change can
        # slip in between.
        connection.states.put_nowait(self.device.state)
        unsubscribe = self.device.add_listener(connection.states.put_nowait)
        self._connections.add(connection)
        port = self._port
        helpers = [
            asyncio.create_task(
                self._send_states(connection), name=f"massage emulator push {port}"
            ),
            asyncio.create_task(
                self._keep_alive(connection), name=f"massage emulator ping {port}"
            ),
        ]
        try:
            await self._receive(connection)
        finally:
            unsubscribe()
            self._connections.discard(connection)
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await ws.close()
        return ws

    async def _receive(self, connection: _PushConnection) -> None:
        """Answer pings and note pongs until the connection ends."""
        ws = connection.ws
        try:
            async for message in ws:
                if message.type is WSMsgType.PING:
                    if not self.faults.silent_websocket:
                        await ws.pong(message.data)
                elif message.type is WSMsgType.PONG:
                    connection.pong.set()
                elif message.type is WSMsgType.ERROR:
                    return
                # Anything else a client sends is ignored, as the protocol says.
        except ConnectionError:
            return

    async def _send_states(self, connection: _PushConnection) -> None:
        """Send each state the device reports, in order."""
        while True:
            state = await connection.states.get()
            await self._delay()
            if self.faults.silent_websocket:
                continue
            message: dict[str, Any] = {
                "type": "state",
                "state": self._state_body(state),
            }
            if self.faults.oversized_push:
                message["padding"] = "x" * OVERSIZE_BYTES
            try:
                await connection.ws.send_str(self._render(message))
            except ConnectionError:
                return

    async def _keep_alive(self, connection: _PushConnection) -> None:
        """Ping every `heartbeat` seconds; cut a peer whose pong is that late."""
        while True:
            await asyncio.sleep(self.heartbeat)
            if self.faults.silent_websocket:
                continue
            connection.pong.clear()
            try:
                await connection.ws.ping()
                async with asyncio.timeout(self.heartbeat):
                    await connection.pong.wait()
            except ConnectionError:
                return
            except TimeoutError:
                _LOGGER.info(
                    "No pong within %s s, closing a push connection", self.heartbeat
                )
                connection.abort()
                return

    async def _close_push_connections(self) -> None:
        connections = list(self._connections)
        if not connections:
            return
        closing = [
            connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"device stopping")
            for connection in connections
        ]
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await asyncio.gather(*closing, return_exceptions=True)
        except TimeoutError:
            for connection in connections:
                connection.abort()
