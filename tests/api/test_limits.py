"""Limits on what a device may send: sizes, names, and answers that are no answers."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
import pytest

from custom_components.massage.api import (
    MAX_BODY_BYTES,
    MAX_MESSAGE_BYTES,
    MAX_OPTION_LENGTH,
    MAX_TEXT_LENGTH,
    MassageClient,
    MassageHostNotFoundError,
    MassageInvalidResponseError,
    MassageNotADeviceError,
    MassageResponseTooLargeError,
)
from emulator import DeviceProfile, foot_leg_profile

from .conftest import Emulate, Handler, Listener, Rogue, push, reply, state_message
from .payloads import GUN_INFO, GUN_STATE, fresh


def padded(payload: dict[str, Any], size: int) -> bytes:
    """Return payload as JSON of exactly `size` bytes, padded with a field."""
    bare = json.dumps(payload | {"padding": ""}).encode()
    return json.dumps(payload | {"padding": "x" * (size - len(bare))}).encode()


def test_the_limits_are_the_documented_ones() -> None:
    assert MAX_BODY_BYTES == MAX_MESSAGE_BYTES == 16 * 1024
    assert (MAX_TEXT_LENGTH, MAX_OPTION_LENGTH) == (64, 32)
    assert issubclass(MassageResponseTooLargeError, MassageInvalidResponseError)
    assert issubclass(MassageNotADeviceError, MassageInvalidResponseError)


# Bodies


@pytest.mark.parametrize("path", ["info", "state"])
async def test_an_oversized_body_fails_unread(emulate: Emulate, path: str) -> None:
    gun = await emulate()
    async with gun.client() as client:
        await client.info()
        gun.server.faults.oversized_body = True
        with pytest.raises(MassageResponseTooLargeError, match="announced"):
            await getattr(client, path)()


async def test_an_oversized_write_answer_fails(emulate: Emulate) -> None:
    gun = await emulate()
    async with gun.client() as client:
        await client.info()
        gun.server.faults.oversized_body = True
        with pytest.raises(MassageResponseTooLargeError):
            await client.update(on=True)


@pytest.mark.parametrize("token", [None, "s3cret"])
async def test_an_endless_body_fails_at_the_limit(
    emulate: Emulate, token: str | None
) -> None:
    """Reading stops at the cap: a client that buffered it all would never return."""
    gun = await emulate(token=token)
    async with gun.client(token=token) as client:
        await client.info()
        gun.server.faults.endless_body = True
        with pytest.raises(MassageResponseTooLargeError, match="more than 16384"):
            await client.state()
        gun.server.faults.endless_body = False
        assert (await client.state()).timer == 5


async def test_a_body_at_the_limit_is_taken_and_one_byte_more_is_not(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    exact = padded(GUN_INFO, MAX_BODY_BYTES)
    over = padded(GUN_INFO, MAX_BODY_BYTES + 1)
    assert (len(exact), len(over)) == (MAX_BODY_BYTES, MAX_BODY_BYTES + 1)

    async def chunked(request: web.Request, body: bytes) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 1000):
            await response.write(body[start : start + 1000])
        await response.write_eof()
        return response

    rogue.handlers["GET", "/api/v1/info"] = lambda request: chunked(request, exact)
    assert (await rogue_client.info()).id == GUN_INFO["id"]
    rogue.handlers["GET", "/api/v1/info"] = lambda request: chunked(request, over)
    with pytest.raises(MassageResponseTooLargeError):
        await rogue_client.info()
    rogue.handlers["GET", "/api/v1/info"] = reply(None, raw=over.decode())
    with pytest.raises(MassageResponseTooLargeError, match="announced"):
        await rogue_client.info()


async def test_an_oversized_error_body_fails_too(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    body = padded({"error": {"code": "busy", "message": "x"}}, MAX_BODY_BYTES + 1)
    rogue.handlers["GET", "/api/v1/info"] = reply(None, 503, raw=body.decode())
    with pytest.raises(MassageResponseTooLargeError):
        await rogue_client.info()


# Push messages


async def test_an_oversized_push_ends_listening(emulate: Emulate) -> None:
    gun = await emulate()
    async with gun.client() as client:
        await client.info()
        gun.server.faults.oversized_push = True
        with pytest.raises(MassageResponseTooLargeError, match="pushed"):
            await asyncio.wait_for(client.listen(lambda _: None), 5)
        assert not client.connected


async def test_a_push_at_the_limit_is_taken_and_one_byte_more_is_not(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    message = {"type": "state", "state": GUN_STATE}
    rogue.handlers["GET", "/api/v1/ws"] = push(
        padded(message, MAX_MESSAGE_BYTES).decode()
    )
    listener = Listener(rogue_client)
    assert (await listener.next()).level == GUN_STATE["level"]
    await listener.stop()

    rogue.handlers["GET", "/api/v1/ws"] = push(
        padded(message, MAX_MESSAGE_BYTES + 1).decode(), state_message()
    )
    with pytest.raises(MassageResponseTooLargeError):
        await asyncio.wait_for(rogue_client.listen(lambda _: None), 5)


# Names and texts


async def test_a_10000_character_name_loads_shortened_and_clean(
    emulate: Emulate,
) -> None:
    gun = await emulate()
    gun.server.faults.huge_name = True
    async with gun.client() as client:
        info = await client.info()
    assert info.name.startswith("Massage Gun Gun")
    # Cut to the limit; the space the cut left at the end goes too.
    assert MAX_TEXT_LENGTH - 4 < len(info.name) <= MAX_TEXT_LENGTH
    assert info.name.isprintable()
    assert info.name == info.name.strip()


def _profile_with_odd_names() -> DeviceProfile:
    profile = foot_leg_profile()
    return DeviceProfile(
        device_id=profile.device_id,
        kind=profile.kind,
        name="Sofa\r\n\tMassager\x00",
        model="M" * 5000,
        firmware="2.1\u202e0",
        manufacturer="\x1b[31mRed\x1b[0m",
        levels=3,
        strokes_per_minute=None,
        modes=("knead\x07ing", "rolling " + "x" * 500),
        heat_levels=2,
        heat_cutoff_minutes=15,
        timer_options=(10, 15),
        battery=False,
        force_sensor=False,
        attachments=(),
        level_names=("Low\n", "Medium", "High " + "!" * 100),
    )


async def test_texts_and_option_names_are_cleaned_and_still_writable(
    emulate: Emulate,
) -> None:
    emulated = await emulate(_profile_with_odd_names())
    async with emulated.client() as client:
        info = await client.info()
        caps = info.capabilities
        assert info.name == "Sofa Massager"
        assert info.model == "M" * MAX_TEXT_LENGTH
        assert info.firmware == "2.10"
        assert info.manufacturer == "[31mRed [0m"
        assert caps.modes == ("knead ing", ("rolling " + "x" * 500)[:32])
        assert caps.level_names == ("Low", "Medium", ("High " + "!" * 100)[:32])
        # Writing a cleaned name reaches the device under its own spelling.
        state = await client.update(on=True, mode=caps.modes[1])
        assert state.mode == caps.modes[1]
        assert emulated.device.state.mode == "rolling " + "x" * 500
        state = await client.update(mode="knead ing")
        assert emulated.device.state.mode == "knead\x07ing"
        assert state.mode == "knead ing"


@pytest.mark.parametrize(
    "device_id",
    ["", "gun 1", "gun/1", "gun.1", "x" * 33, "gun\n1", "gün", 7, None],
)
async def test_an_unusable_device_id_is_refused(
    rogue: Rogue, rogue_client: MassageClient, device_id: object
) -> None:
    rogue.handlers["GET", "/api/v1/info"] = reply(fresh(GUN_INFO) | {"id": device_id})
    with pytest.raises(MassageInvalidResponseError, match="id"):
        await rogue_client.info()


@pytest.mark.parametrize(
    "level_names",
    [["Low", "High"], ["a", "a", "b", "c", "d"], ["", "a", "b", "c", "d"], "Low"],
)
async def test_unusable_level_names_are_refused(
    rogue: Rogue, rogue_client: MassageClient, level_names: object
) -> None:
    info = fresh(GUN_INFO)
    info["capabilities"]["level_names"] = level_names
    rogue.handlers["GET", "/api/v1/info"] = reply(info)
    with pytest.raises(MassageInvalidResponseError, match="level_names"):
        await rogue_client.info()


async def test_modes_that_clean_to_the_same_name_are_refused(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    info = fresh(GUN_INFO)
    info["capabilities"]["modes"] = ["roll", "roll\x00"]
    rogue.handlers["GET", "/api/v1/info"] = reply(info)
    with pytest.raises(MassageInvalidResponseError, match="duplicates"):
        await rogue_client.info()


# What answers is not a massager


@pytest.mark.parametrize(
    "handler",
    [
        reply(None, raw="<html><title>Router</title></html>"),
        reply(None, 404, raw="<html>Not Found</html>"),
        reply(None, 401, raw="<html>Login</html>"),
    ],
    ids=["html", "404", "web-login"],
)
@pytest.mark.parametrize("token", [None, "s3cret"])
async def test_a_web_page_is_not_a_device(
    rogue: Rogue, handler: Handler, token: str | None
) -> None:
    async def html(request: web.Request) -> web.StreamResponse:
        response = await handler(request)
        response.content_type = "text/html"
        if response.status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="router"'
        return response

    rogue.handlers["GET", "/api/v1/info"] = html
    async with MassageClient("127.0.0.1", port=rogue.port, token=token) as client:
        with pytest.raises(MassageNotADeviceError):
            await client.info()
    assert {auth for *_, auth in rogue.requests} == {None}


async def test_json_that_is_cut_short_is_garbled_not_a_stranger(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    rogue.handlers["GET", "/api/v1/info"] = reply(None, raw='{"id": ')
    with pytest.raises(MassageInvalidResponseError) as caught:
        await rogue_client.info()
    assert not isinstance(caught.value, MassageNotADeviceError)


async def test_a_service_that_is_not_http_is_not_a_device(socket_enabled: None) -> None:
    async def banner(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
        await writer.drain()
        await reader.read(1024)
        writer.close()

    server = await asyncio.start_server(banner, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with MassageClient("127.0.0.1", port=port) as client:
            with pytest.raises(MassageNotADeviceError, match="not answered in HTTP"):
                await client.info()
    finally:
        server.close()
        server.close_clients()
        await server.wait_closed()


class _NoSuchName(AbstractResolver):
    """A resolver for which no name exists, as DNS would answer for a typo."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        """Nothing to close."""


async def test_a_name_that_does_not_resolve(socket_enabled: None) -> None:
    connector = aiohttp.TCPConnector(resolver=_NoSuchName())
    async with aiohttp.ClientSession(connector=connector) as session:
        client = MassageClient("massager.example", port=80, session=session)
        with pytest.raises(MassageHostNotFoundError, match="does not resolve"):
            await client.info()
