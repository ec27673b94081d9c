"""A loopback-only HTTP endpoint that switches the faults of a running emulator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
import ipaddress
import json
import socket
from types import TracebackType
from typing import Any, Self

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from .faults import Faults
from .server import LOCALHOST, DeviceServer

# Besides the faults, a device's token can be set (a string) or removed (null).
TOKEN = "token"  # noqa: S105 - the name of a field, not a secret
FAULT_NAMES = tuple(fault.name for fault in fields(Faults) if fault.init)
_HOST_NAMES = (LOCALHOST, "localhost")
_MAX_BODY = 4096


class ControlServer:
    """
    Serves `GET /devices` and `PATCH /devices/{id}` on 127.0.0.1 for some servers.

    `GET /devices` lists every device with its faults, its state (as `GET
    /api/v1/state` has it, whatever faults the device shows) and how often it was
    started (`times_started`). `PATCH /devices/{id}` takes a JSON object of faults
    (`refuse_connections`, `latency`, `silent_websocket`, ... as in `Faults`) and
    `token`, checks all of them, then applies them at once and answers with the
    device as `GET` lists it. A new token also cuts the push
    connections opened before it, as a device given a new token would.

    Anything on the machine may reach a loopback port, a web page in a browser
    included, so the endpoint also refuses a Host header that is not its own
    address (DNS rebinding) and a PATCH that is not `application/json` (which a
    page cannot send across origins without a CORS preflight, never answered here).
    """

    def __init__(self, servers: Sequence[DeviceServer], *, port: int = 0) -> None:
        """Prepare the endpoint for `servers`; nothing listens until `start()`."""
        self._servers = list(servers)
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The TCP port it listens on, once started."""
        if self._port == 0:
            raise RuntimeError("the port is chosen by start()")
        return self._port

    @property
    def url(self) -> str:
        """The base URL, such as `http://127.0.0.1:54321`."""
        return f"http://{LOCALHOST}:{self.port}"

    async def start(self) -> None:
        """Listen on 127.0.0.1; raises OSError when the port is taken."""
        if self._runner is not None:
            raise RuntimeError("the control endpoint is already running")
        app = web.Application(middlewares=[self._middleware], client_max_size=_MAX_BODY)
        app.router.add_get("/devices", self._list)
        app.router.add_patch("/devices/{device_id}", self._change)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOCALHOST, self._port))
            await web.SockSite(runner, sock).start()
        except OSError:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = sock.getsockname()[1]

    async def stop(self) -> None:
        """Stop listening; safe to call more than once."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        """Start the endpoint."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the endpoint."""
        await self.stop()

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Refuse what does not come from this machine for this endpoint."""
        if (
            request.remote is None
            or not ipaddress.ip_address(request.remote).is_loopback
        ):
            return _error(web.HTTPForbidden, "only from this machine")
        host, _, port = request.host.rpartition(":")
        if host not in _HOST_NAMES or port != str(self._port):
            return _error(web.HTTPForbidden, f"Host must be {LOCALHOST}:{self._port}")
        if request.method == hdrs.METH_PATCH and request.content_type != (
            "application/json"
        ):
            return _error(web.HTTPUnsupportedMediaType, "send application/json")
        try:
            return await handler(request)
        except web.HTTPException as error:
            return _error(type(error), error.reason)

    async def _list(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"devices": [describe(server) for server in self._servers]}
        )

    async def _change(self, request: web.Request) -> web.Response:
        server = self._find(request.match_info["device_id"])
        try:
            changes = json.loads(await request.text())
        except ValueError:
            return _error(web.HTTPBadRequest, "the body is not JSON")
        if not isinstance(changes, dict) or not changes:
            return _error(web.HTTPBadRequest, "send a JSON object of faults")
        if problem := _check(server, changes):
            return _error(web.HTTPBadRequest, problem)
        for name, value in changes.items():
            if name != TOKEN:
                setattr(server.faults, name, value)
            elif value != server.token:
                server.token = value
                # As a device given a new token would: what the old one opened closes.
                server.drop_websockets()
        return web.json_response(describe(server))

    def _find(self, device_id: str) -> DeviceServer:
        for server in self._servers:
            if server.device.profile.device_id == device_id:
                return server
        raise web.HTTPNotFound(reason=f"no device {device_id!r} here")


def describe(server: DeviceServer) -> dict[str, Any]:
    """Return what the endpoint tells about one device: who, where, what it does."""
    device = server.device
    profile = device.profile
    faults = server.faults
    return {
        "id": profile.device_id,
        "kind": profile.kind,
        "name": profile.name,
        "url": server.url,
        "push_connections": server.push_connections,
        "token": server.token is not None,
        "faults": {name: getattr(faults, name) for name in FAULT_NAMES},
        "state": device.state.as_json(),
        "times_started": device.times_started,
    }


def _check(server: DeviceServer, changes: dict[str, Any]) -> str | None:
    """Return why `changes` cannot be applied, or None; changes nothing."""
    unknown = sorted(set(changes) - {*FAULT_NAMES, TOKEN})
    if unknown:
        known = ", ".join((*FAULT_NAMES, TOKEN))
        return f"unknown fault {', '.join(unknown)}; known: {known}"
    token = changes.get(TOKEN)
    if TOKEN in changes and not (token is None or (isinstance(token, str) and token)):
        return "token must be a non-empty string, or null for none"
    faults = {name: value for name, value in changes.items() if name != TOKEN}
    current = {name: getattr(server.faults, name) for name in FAULT_NAMES}
    try:
        # A scratch copy checks every value the way the real faults will.
        Faults(**(current | faults))
    except (TypeError, ValueError) as error:
        return str(error)
    for name, value in faults.items():
        # A switch takes true or false; a number is never JSON's true (1 second).
        switch = isinstance(current[name], bool)
        if switch != isinstance(value, bool):
            return f"{name} takes {'true or false' if switch else 'a number'}"
    return None


def _error(kind: type[web.HTTPException], message: str) -> web.Response:
    return web.json_response({"error": message}, status=kind.status_code)
