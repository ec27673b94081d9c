"""Protocol 1.1 authentication in the client: the token never travels.

An eavesdropper (a tap relaying every byte), an impostor at the device's address
and a device that falls back to 1.0 each try to get the token or to be believed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import hashlib
import json

from aiohttp import web
import pytest

from custom_components.massage.api import (
    MassageAuthenticationError,
    MassageClient,
    MassageConnectionError,
    MassageDowngradeError,
    MassageInvalidResponseError,
)
from custom_components.massage.api.digest import (
    Authorization,
    Challenge,
    DigestSession,
    parse_params,
    request_digest,
    response_digest,
)
from emulator import foot_leg_profile, gun_profile

from .conftest import Emulate, Listener, Rogue, Tap, reply
from .payloads import GUN_INFO, GUN_STATE

TOKEN = "correct-horse-battery-staple"

type StartTap = Callable[[int], Awaitable[Tap]]


# The digest itself


def test_the_digest_matches_the_rfc_7616_example() -> None:
    """RFC 7616 section 3.9.1: SHA-256, qop auth, the published response."""
    secret = hashlib.sha256(b"Mufasa:http-auth@example.org:Circle of Life").hexdigest()
    assert (
        request_digest(
            secret=secret,
            nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            nc="00000001",
            cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            qop="auth",
            method="GET",
            uri="/dir/index.html",
        )
        == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    )


def test_auth_int_covers_the_body() -> None:
    common = {
        "secret": "s",
        "nonce": "n",
        "nc": "00000001",
        "cnonce": "c",
        "qop": "auth-int",
        "uri": "/api/v1/state",
    }
    one = request_digest(method="PATCH", body=b'{"on": true}', **common)
    assert one != request_digest(method="PATCH", body=b'{"on": false}', **common)
    assert one != request_digest(method="GET", body=b'{"on": true}', **common)
    # The answer's digest leaves the method out (RFC 7616 section 3.5).
    assert response_digest(body=b"x", **common) == request_digest(
        method="", body=b"x", **common
    )


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ('a="1", b=2', {"a": "1", "b": "2"}),
        ('A = "x\\"y" ,b=""', {"a": 'x"y', "b": ""}),
        ("", {}),
        ('a="1", a="2"', None),
        ('a="1" b', None),
        ('a="open', None),
        ("=x", None),
    ],
)
def test_auth_params(text: str, params: dict[str, str] | None) -> None:
    assert parse_params(text) == params


@pytest.mark.parametrize(
    "header",
    [
        'Bearer realm="massage"',
        'Digest realm="m", nonce="n", qop="auth-int"',  # MD5 by default
        'Digest realm="m", nonce="n", qop="auth", algorithm=SHA-256',
        'Digest realm="m", qop="auth-int", algorithm=SHA-256',
        'Digest nonce="n", qop="auth-int", algorithm=SHA-256',
        'Digest realm="m", nonce="n", qop="auth-int", algorithm=SHA-256, x',
        "Digest",
    ],
)
def test_unusable_challenges(header: str) -> None:
    assert Challenge.parse(header) is None


def test_a_usable_challenge() -> None:
    challenge = Challenge.parse(
        'digest realm="m", nonce="n", qop="auth,auth-int", '
        'algorithm=sha-256, stale=TRUE, opaque="o"'
    )
    assert challenge == Challenge(realm="m", nonce="n", opaque="o", stale=True)


def _signed() -> tuple[DigestSession, Authorization]:
    session = DigestSession(TOKEN, Challenge("massage", "nonce", None, stale=False))
    return session, session.authorize("GET", "/api/v1/info", b"")


def test_requests_count_up_on_one_nonce() -> None:
    session, first = _signed()
    second = session.authorize("GET", "/api/v1/info", b"")
    assert (first.nc, second.nc) == ("00000001", "00000002")
    assert first.cnonce != second.cnonce
    assert TOKEN not in first.header
    assert "opaque" not in first.header


def _info(authorization: Authorization, body: bytes, **changes: str) -> str:
    params = {
        "qop": "auth-int",
        "rspauth": response_digest(
            secret=authorization.secret,
            nonce=authorization.nonce,
            nc=authorization.nc,
            cnonce=authorization.cnonce,
            qop="auth-int",
            uri=authorization.uri,
            body=body,
        ),
        "cnonce": authorization.cnonce,
        "nc": authorization.nc,
    } | changes
    return ", ".join(f'{key}="{value}"' for key, value in params.items())


def test_rspauth_proves_the_token_and_the_body() -> None:
    _, authorization = _signed()
    body = b'{"id": "gun"}'
    assert authorization.verify(_info(authorization, body), body)
    assert not authorization.verify(None, body)
    assert not authorization.verify("", body)
    assert not authorization.verify("garbage", body)
    assert not authorization.verify(_info(authorization, body), b'{"id": "evil"}')
    assert not authorization.verify(_info(authorization, body, rspauth="0" * 64), body)
    assert not authorization.verify(_info(authorization, body, nc="00000002"), body)
    assert not authorization.verify(_info(authorization, body, cnonce="x"), body)
    assert not authorization.verify(_info(authorization, body, qop="auth"), body)
    # Another request's proof does not fit this one.
    session, _ = _signed()
    other = session.authorize("GET", "/api/v1/info", b"")
    assert not authorization.verify(_info(other, body), body)


# Against the emulator: an eavesdropper sees no token


async def test_the_token_never_travels_to_a_1_1_device(
    emulate: Emulate, tap: StartTap
) -> None:
    emulated = await emulate(foot_leg_profile(), token=TOKEN)
    relay = await tap(emulated.server.port)
    async with MassageClient("127.0.0.1", port=relay.port, token=TOKEN) as client:
        await client.info()
        await client.update(on=True, level=2, mode="rolling")
        listener = Listener(client)
        assert (await listener.next()).mode == "rolling"
        await listener.stop()
        assert client.uses_digest
    assert emulated.device.state.on
    assert relay.requests() >= 5
    assert TOKEN.encode() not in relay.sent
    assert TOKEN.encode() not in relay.received
    assert b"Bearer" not in relay.sent
    assert b"Authorization: Digest" in relay.sent
    assert b"ticket=" in relay.sent


async def test_steady_state_takes_one_round_trip(
    emulate: Emulate, tap: StartTap
) -> None:
    emulated = await emulate(token=TOKEN)
    relay = await tap(emulated.server.port)
    async with MassageClient("127.0.0.1", port=relay.port, token=TOKEN) as client:
        await client.info()
        assert relay.requests() == 2  # the challenge, then the signed request
        for _ in range(5):
            await client.state()
        assert relay.requests() == 7


async def test_a_recorded_request_cannot_be_replayed(
    emulate: Emulate, tap: StartTap
) -> None:
    """An eavesdropper plays back the bytes of a signed "on" after the "off"."""
    emulated = await emulate(token=TOKEN)
    relay = await tap(emulated.server.port)
    async with MassageClient("127.0.0.1", port=relay.port, token=TOKEN) as client:
        await client.info()
        start = len(relay.sent)
        await client.update(on=True)
        recorded = bytes(relay.sent[start:])
        await client.update(on=False)
    assert b'"on": true' in recorded

    reader, writer = await asyncio.open_connection("127.0.0.1", emulated.server.port)
    writer.write(recorded)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    await writer.wait_closed()
    assert status_line.startswith(b"HTTP/1.1 401")
    assert emulated.device.state.on is False


async def test_an_expired_nonce_is_renewed_without_asking_anyone(
    emulate: Emulate, tap: StartTap
) -> None:
    now = [0.0]
    emulated = await emulate(token=TOKEN, nonce_lifetime=60, clock=lambda: now[0])
    relay = await tap(emulated.server.port)
    async with MassageClient("127.0.0.1", port=relay.port, token=TOKEN) as client:
        await client.info()
        now[0] += 61
        await client.state()
        assert relay.requests() == 4  # challenge, info, state (stale), state
        await client.state()
        assert relay.requests() == 5


async def test_a_device_that_keeps_calling_nonces_stale_is_given_up(
    emulate: Emulate,
) -> None:
    emulated = await emulate(token=TOKEN, nonce_lifetime=-1)
    async with emulated.client(token=TOKEN) as client:
        with pytest.raises(MassageConnectionError, match="stale"):
            await client.info()


async def test_concurrent_requests_all_succeed(emulate: Emulate) -> None:
    """Counts that overtake each other in flight are refused as stale, and retried."""
    emulated = await emulate(token=TOKEN)
    async with emulated.client(token=TOKEN) as client:
        await client.info()
        states = await asyncio.gather(*(client.state() for _ in range(8)))
    assert len(states) == 8


async def test_a_wrong_token_is_refused_after_one_attempt(
    emulate: Emulate, tap: StartTap
) -> None:
    emulated = await emulate(token=TOKEN)
    relay = await tap(emulated.server.port)
    async with MassageClient("127.0.0.1", port=relay.port, token="wrong") as client:
        with pytest.raises(MassageAuthenticationError, match="rejected"):
            await client.info()
    assert relay.requests() == 2


async def test_no_token_for_a_device_that_needs_one(emulate: Emulate) -> None:
    emulated = await emulate(token=TOKEN)
    async with emulated.client() as client:
        with pytest.raises(MassageAuthenticationError, match="requires a token"):
            await client.info()


async def test_a_device_without_a_token_is_not_sent_one(
    emulate: Emulate, tap: StartTap
) -> None:
    emulated = await emulate()
    relay = await tap(emulated.server.port)
    async with MassageClient("127.0.0.1", port=relay.port, token=TOKEN) as client:
        await client.state()
        listener = Listener(client)
        await listener.next()
        await listener.stop()
        assert not client.uses_digest
    assert b"Authorization" not in relay.sent


async def test_a_refused_ticket_is_no_authentication_failure(emulate: Emulate) -> None:
    """The token opened the ticket a moment ago; only the ticket went wrong."""
    emulated = await emulate(token=TOKEN)
    emulated.server.tickets.lifetime = -1
    async with emulated.client(token=TOKEN) as client:
        await client.info()
        with pytest.raises(MassageConnectionError, match="401") as caught:
            await client.listen(lambda _: None)
    assert not isinstance(caught.value, MassageAuthenticationError)


async def test_the_token_changed_on_the_device(emulate: Emulate) -> None:
    emulated = await emulate(token=TOKEN)
    async with emulated.client(token=TOKEN) as client:
        await client.info()
        emulated.server.token = "n3w"
        with pytest.raises(MassageAuthenticationError):
            await client.listen(lambda _: None)
        with pytest.raises(MassageAuthenticationError):
            await client.state()


# 1.0 devices, and no way back to them


async def test_a_1_0_device_still_works_with_its_bearer_token(
    emulate: Emulate, tap: StartTap
) -> None:
    emulated = await emulate(token=TOKEN, protocol="1.0")
    relay = await tap(emulated.server.port)
    async with MassageClient("127.0.0.1", port=relay.port, token=TOKEN) as client:
        info = await client.info()
        await client.update(on=True)
        listener = Listener(client)
        assert (await listener.next()).on
        await listener.stop()
        assert not client.uses_digest
    assert info.api_minor == 0
    # Asked once; then sent with every request, as version 1.0 has it.
    assert relay.sent.count(f"Bearer {TOKEN}".encode()) == 3
    assert relay.requests() == 4


async def test_a_1_0_device_refuses_a_wrong_bearer_token(
    emulate: Emulate, tap: StartTap
) -> None:
    emulated = await emulate(token=TOKEN, protocol="1.0")
    relay = await tap(emulated.server.port)
    async with MassageClient("127.0.0.1", port=relay.port, token="wrong") as client:
        with pytest.raises(MassageAuthenticationError, match="rejected"):
            await client.info()
    assert relay.requests() == 2


async def test_a_digest_only_client_never_sends_the_token_to_a_1_0_device(
    emulate: Emulate, tap: StartTap
) -> None:
    """An entry that saw Digest meets something asking for the token in the clear."""
    emulated = await emulate(token=TOKEN, protocol="1.0")
    relay = await tap(emulated.server.port)
    async with MassageClient(
        "127.0.0.1", port=relay.port, token=TOKEN, digest_only=True
    ) as client:
        with pytest.raises(MassageDowngradeError):
            await client.info()
    assert TOKEN.encode() not in relay.sent
    assert relay.requests() == 1


async def test_a_client_that_saw_digest_refuses_a_later_bearer_request(
    emulate: Emulate, tap: StartTap
) -> None:
    """The device at the address turns into a 1.0 device behind the client's back."""
    real = await emulate(token=TOKEN)
    relay = await tap(real.server.port)
    learned: list[bool] = []
    async with MassageClient(
        "127.0.0.1",
        port=relay.port,
        token=TOKEN,
        on_digest=lambda: learned.append(True),
    ) as client:
        await client.info()
        await client.state()
        assert learned == [True]
        impostor = await emulate(token=TOKEN, protocol="1.0")
        relay.upstream = impostor.server.port
        # Fresh connections go to the impostor from now on.
        await client._get_session().close()
        client._session = None
        with pytest.raises(MassageDowngradeError):
            await client.state()
    assert TOKEN.encode() not in relay.sent
    assert learned == [True]


async def test_a_digest_only_client_is_not_told_again(emulate: Emulate) -> None:
    emulated = await emulate(token=TOKEN)
    learned: list[bool] = []
    async with emulated.client(
        token=TOKEN, digest_only=True, on_digest=lambda: learned.append(True)
    ) as client:
        await client.info()
        assert client.uses_digest
    assert learned == []


# Impostors at the device's address


async def test_an_impostor_with_another_token_is_found_out(emulate: Emulate) -> None:
    impostor = await emulate(gun_profile(device_id="gun-000001"), token="other")
    async with impostor.client(token=TOKEN, digest_only=True) as client:
        with pytest.raises(MassageAuthenticationError):
            await client.info()


async def test_an_impostor_without_a_token_is_found_out(
    emulate: Emulate, tap: StartTap
) -> None:
    """It answers at once, without asking: an entry that needs Digest refuses that."""
    impostor = await emulate(gun_profile(device_id="gun-000001"))
    relay = await tap(impostor.server.port)
    async with MassageClient(
        "127.0.0.1", port=relay.port, token=TOKEN, digest_only=True
    ) as client:
        with pytest.raises(MassageAuthenticationError, match="without asking"):
            await client.info()
    assert TOKEN.encode() not in relay.sent


def _digest_challenge(*, stale: bool = False) -> web.Response:
    response = web.json_response({"error": {"code": "unauthorized", "message": "x"}})
    response.set_status(401)
    response.headers["WWW-Authenticate"] = (
        'Digest realm="massage", qop="auth-int", algorithm=SHA-256, '
        f'nonce="n0nce", opaque="op", stale={"true" if stale else "false"}'
    )
    return response


def _impostor(answer: Callable[[web.Request], web.Response]) -> Callable[..., object]:
    """A handler that challenges with Digest, then answers anything signed."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if "Authorization" not in request.headers:
            return _digest_challenge()
        return answer(request)

    return handler


@pytest.mark.parametrize(
    "authentication_info",
    [
        None,
        'qop=auth-int, rspauth="' + "0" * 64 + '", cnonce="x", nc=00000001',
        "nonsense",
    ],
)
async def test_a_200_without_a_valid_rspauth_is_refused(
    rogue: Rogue, authentication_info: str | None
) -> None:
    """The impostor accepts any hash, but cannot prove it knows the token."""

    def answer(request: web.Request) -> web.Response:
        response = web.json_response(GUN_INFO)
        if authentication_info is not None:
            response.headers["Authentication-Info"] = authentication_info
        return response

    rogue.handlers["GET", "/api/v1/info"] = _impostor(answer)  # type: ignore[assignment]
    async with MassageClient("127.0.0.1", port=rogue.port, token=TOKEN) as client:
        with pytest.raises(MassageAuthenticationError, match="rspauth"):
            await client.info()


async def test_a_proof_from_another_answer_is_refused(rogue: Rogue) -> None:
    """An impostor replays an Authentication-Info it saw on the network earlier."""
    secret = hashlib.sha256(f"massage:massage:{TOKEN}".encode()).hexdigest()
    body = json.dumps(GUN_INFO).encode()
    earlier = response_digest(
        secret=secret,
        nonce="n0nce",
        nc="00000001",
        cnonce="earlier",
        qop="auth-int",
        uri="/api/v1/info",
        body=body,
    )

    def answer(request: web.Request) -> web.Response:
        response = web.Response(body=body, content_type="application/json")
        response.headers["Authentication-Info"] = (
            f'qop=auth-int, rspauth="{earlier}", cnonce="earlier", nc=00000001'
        )
        return response

    rogue.handlers["GET", "/api/v1/info"] = _impostor(answer)  # type: ignore[assignment]
    async with MassageClient("127.0.0.1", port=rogue.port, token=TOKEN) as client:
        with pytest.raises(MassageAuthenticationError, match="rspauth"):
            await client.info()


async def test_a_bearer_challenge_without_a_header_is_a_1_0_device(
    rogue: Rogue,
) -> None:
    """A 1.0 device that sends 401 without WWW-Authenticate still gets its token."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return await reply(
                {"error": {"code": "unauthorized", "message": "x"}}, 401
            )(request)
        return web.json_response(GUN_STATE if "state" in request.path else GUN_INFO)

    rogue.handlers["GET", "/api/v1/info"] = handler
    rogue.handlers["GET", "/api/v1/state"] = handler
    async with MassageClient("127.0.0.1", port=rogue.port, token=TOKEN) as client:
        await client.state()
    assert [auth for *_, auth in rogue.requests] == [
        None,
        f"Bearer {TOKEN}",
        f"Bearer {TOKEN}",
    ]


async def test_a_digest_challenge_for_a_client_without_a_token(rogue: Rogue) -> None:
    rogue.handlers["GET", "/api/v1/info"] = _impostor(  # type: ignore[assignment]
        lambda _request: web.json_response(GUN_INFO)
    )
    async with MassageClient("127.0.0.1", port=rogue.port) as client:
        with pytest.raises(MassageAuthenticationError, match="requires a token"):
            await client.info()


@pytest.mark.parametrize("ticket", [None, "short", "x" * 200, "bad ticket chars!!", 5])
async def test_an_unusable_ticket_is_refused(
    emulate: Emulate, monkeypatch: pytest.MonkeyPatch, ticket: object
) -> None:
    """A device that proves itself but hands out a ticket that is no ticket."""
    emulated = await emulate(token=TOKEN)
    monkeypatch.setattr(emulated.server.tickets, "issue", lambda: ticket)
    async with emulated.client(token=TOKEN) as client:
        await client.info()
        with pytest.raises(MassageInvalidResponseError, match="ticket"):
            await client.listen(lambda _: None)


async def test_a_garbled_ticket_answer_is_invalid(emulate: Emulate) -> None:
    emulated = await emulate(token=TOKEN)
    async with emulated.client(token=TOKEN) as client:
        await client.info()
        emulated.server.faults.malformed_json = True
        with pytest.raises(MassageInvalidResponseError):
            await client.listen(lambda _: None)
