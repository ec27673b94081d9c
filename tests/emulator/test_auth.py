"""Protocol 1.1 authentication on the device: Digest, replays, tickets, 1.0 devices.

Requests here are signed by the test itself with hashlib, as RFC 7616 spells it
out, so that the emulator is checked against the standard rather than against the
client library.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
import re

import aiohttp
import pytest

from emulator import DeviceServer, foot_leg_profile, gun_profile
from emulator.auth import MAX_NONCES, compute_response, parse_auth_params

from .common import API, receive_state
from .conftest import MakeDevice, Serve

TOKEN = "s3cret"


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def test_the_response_matches_the_rfc_7616_example() -> None:
    """RFC 7616 section 3.9.1, SHA-256: the published response."""
    params = {
        "username": "Mufasa",
        "uri": "/dir/index.html",
        "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "nc": "00000001",
        "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        "qop": "auth",
    }
    response = compute_response(
        "Circle of Life", params, method="GET", body=b"", realm="http-auth@example.org"
    )
    assert response == (
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    )


@pytest.mark.parametrize("text", ['a="1", b', "=x", 'a="open', "a=1 b=2"])
def test_malformed_auth_params_are_refused(text: str) -> None:
    assert parse_auth_params(text) is None


@dataclass
class Signer:
    """Signs requests to one device as RFC 7616 says, with qop auth-int."""

    challenge: dict[str, str]
    token: str = TOKEN
    count: int = 0

    def header(
        self,
        method: str,
        uri: str,
        body: bytes = b"",
        *,
        nc: int | None = None,
        cnonce: str = "c-nonce",
    ) -> tuple[str, dict[str, str]]:
        """Return an Authorization header and the params it carries."""
        if nc is None:
            self.count += 1
            nc = self.count
        params = {
            "username": "massage",
            "realm": self.challenge["realm"],
            "nonce": self.challenge["nonce"],
            "uri": uri,
            "nc": f"{nc:08x}",
            "cnonce": cnonce,
            "qop": "auth-int",
        }
        secret = sha(f"massage:{params['realm']}:{self.token}")
        a2 = sha(f"{method}:{uri}:{sha(body)}")
        params["response"] = sha(
            f"{secret}:{params['nonce']}:{params['nc']}:{cnonce}:auth-int:{a2}"
        )
        quoted = ", ".join(f'{key}="{value}"' for key, value in params.items())
        header = (
            f'Digest {quoted}, algorithm=SHA-256, opaque="{self.challenge["opaque"]}"'
        )
        return header, params

    def rspauth(self, params: dict[str, str], body: bytes) -> str:
        """The rspauth a device that knows the token sends for an answer."""
        secret = sha(f"massage:{params['realm']}:{self.token}")
        a2 = sha(f":{params['uri']}:{sha(body)}")
        return sha(
            f"{secret}:{params['nonce']}:{params['nc']}:{params['cnonce']}:"
            f"auth-int:{a2}"
        )


async def challenge_of(
    session: aiohttp.ClientSession, server: DeviceServer
) -> dict[str, str]:
    """Ask for a challenge: an unauthenticated request gets one."""
    async with session.get(f"{server.url}{API}/info") as response:
        assert response.status == 401
        scheme, _, rest = response.headers["WWW-Authenticate"].partition(" ")
    assert scheme == "Digest"
    params = parse_auth_params(rest)
    assert params is not None
    return params


@pytest.fixture
async def locked(make_device: MakeDevice, serve: Serve) -> DeviceServer:
    """A 1.1 gun that requires the token."""
    return await serve(make_device(gun_profile()), token=TOKEN)


async def test_a_1_1_device_challenges_with_digest_sha_256(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    challenge = await challenge_of(session, locked)
    assert challenge["realm"] == "massage"
    assert challenge["qop"] == "auth-int"
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["stale"] == "false"
    assert len(challenge["nonce"]) >= 16
    assert challenge["opaque"]


@pytest.mark.parametrize(
    "authorization", [f"Bearer {TOKEN}", f"Basic {TOKEN}", TOKEN, "Digest"]
)
async def test_a_1_1_device_takes_no_token_in_the_clear(
    locked: DeviceServer, session: aiohttp.ClientSession, authorization: str
) -> None:
    async with session.patch(
        f"{locked.url}{API}/state",
        json={"on": True},
        headers={"Authorization": authorization},
    ) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Digest ")
    assert locked.device.state.on is False


async def test_a_signed_request_is_served_and_the_answer_signed(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    signer = Signer(await challenge_of(session, locked))
    body = b'{"on": true, "level": 2}'
    header, params = signer.header("PATCH", f"{API}/state", body)

    async with session.patch(
        f"{locked.url}{API}/state",
        data=body,
        headers={"Authorization": header, "Content-Type": "application/json"},
    ) as response:
        assert response.status == 200
        answer = await response.read()
        info = parse_auth_params(response.headers["Authentication-Info"])
    assert locked.device.state.on is True
    assert info is not None
    assert info["rspauth"] == signer.rspauth(params, answer)
    assert (info["nc"], info["cnonce"], info["qop"]) == (
        params["nc"],
        "c-nonce",
        "auth-int",
    )
    # The next request reuses the nonce with the next count: one round trip.
    header, _ = signer.header("GET", f"{API}/state")
    async with session.get(
        f"{locked.url}{API}/state", headers={"Authorization": header}
    ) as response:
        assert response.status == 200


async def test_a_replayed_request_is_refused_and_changes_nothing(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    """An attacker who recorded a signed "on" cannot play it back later."""
    signer = Signer(await challenge_of(session, locked))
    body = b'{"on": true}'
    header, _ = signer.header("PATCH", f"{API}/state", body)
    headers = {"Authorization": header, "Content-Type": "application/json"}
    url = f"{locked.url}{API}/state"
    async with session.patch(url, data=body, headers=headers) as response:
        assert response.status == 200
    off, _ = signer.header("PATCH", f"{API}/state", b'{"on": false}')
    async with session.patch(
        url, data=b'{"on": false}', headers={"Authorization": off}
    ) as response:
        assert response.status == 200
    assert locked.device.state.on is False

    async with session.patch(url, data=body, headers=headers) as replay:
        assert replay.status == 401
        assert "stale=true" in replay.headers["WWW-Authenticate"]
    assert locked.device.state.on is False


async def test_a_count_not_above_the_last_is_refused(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    signer = Signer(await challenge_of(session, locked))
    url = f"{locked.url}{API}/info"
    header, _ = signer.header("GET", f"{API}/info", nc=5)
    async with session.get(url, headers={"Authorization": header}) as response:
        assert response.status == 200
    for count in (5, 4, 1):
        header, _ = signer.header("GET", f"{API}/info", nc=count, cnonce="other")
        async with session.get(url, headers={"Authorization": header}) as response:
            assert response.status == 401
    header, _ = signer.header("GET", f"{API}/info", nc=6)
    async with session.get(url, headers={"Authorization": header}) as response:
        assert response.status == 200


async def test_an_expired_nonce_is_stale(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    now = [1000.0]
    server = await serve(
        make_device(gun_profile()),
        token=TOKEN,
        nonce_lifetime=60,
        clock=lambda: now[0],
    )
    signer = Signer(await challenge_of(session, server))
    url = f"{server.url}{API}/info"
    now[0] += 60
    header, _ = signer.header("GET", f"{API}/info")
    async with session.get(url, headers={"Authorization": header}) as response:
        assert response.status == 200
    now[0] += 1
    header, _ = signer.header("GET", f"{API}/info")
    async with session.get(url, headers={"Authorization": header}) as response:
        assert response.status == 401
        assert "stale=true" in response.headers["WWW-Authenticate"]


async def test_only_the_newest_nonces_are_kept(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    """A flood of challenges cannot grow the device's memory; the oldest go stale."""
    first = Signer(await challenge_of(session, locked))
    for _ in range(MAX_NONCES):
        await challenge_of(session, locked)
    header, _ = first.header("GET", f"{API}/info")
    async with session.get(
        f"{locked.url}{API}/info", headers={"Authorization": header}
    ) as response:
        assert response.status == 401
        assert "stale=true" in response.headers["WWW-Authenticate"]
    assert len(locked.digest._nonces) == MAX_NONCES


@pytest.mark.parametrize(
    "tamper",
    ["token", "body", "uri", "method", "username", "realm", "opaque", "algorithm"],
)
async def test_a_request_signed_for_something_else_is_refused(
    locked: DeviceServer, session: aiohttp.ClientSession, tamper: str
) -> None:
    challenge = await challenge_of(session, locked)
    signer = Signer(challenge, token="wrong" if tamper == "token" else TOKEN)
    signed_body = b'{"on": true}'
    header, _ = signer.header(
        "GET" if tamper == "method" else "PATCH",
        f"{API}/info" if tamper == "uri" else f"{API}/state",
        signed_body,
    )
    replacements = {
        "username": ('username="massage"', 'username="admin"'),
        "realm": ('realm="massage"', 'realm="other"'),
        "opaque": (f'opaque="{challenge["opaque"]}"', 'opaque="x"'),
        "algorithm": ("algorithm=SHA-256", "algorithm=MD5"),
    }
    if tamper in replacements:
        header = header.replace(*replacements[tamper])
    sent_body = b'{"on": true, "level": 5}' if tamper == "body" else signed_body
    async with session.patch(
        f"{locked.url}{API}/state", data=sent_body, headers={"Authorization": header}
    ) as response:
        assert response.status == 401
        assert "stale=false" in response.headers["WWW-Authenticate"]
    assert locked.device.state.on is False


async def test_errors_after_authentication_are_signed_too(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    signer = Signer(await challenge_of(session, locked))
    body = b'{"level": 9}'
    header, params = signer.header("PATCH", f"{API}/state", body)
    async with session.patch(
        f"{locked.url}{API}/state", data=body, headers={"Authorization": header}
    ) as response:
        assert response.status == 422
        answer = await response.read()
        info = parse_auth_params(response.headers["Authentication-Info"])
    assert info is not None
    assert info["rspauth"] == signer.rspauth(params, answer)


# Push tickets


async def ticket_of(
    session: aiohttp.ClientSession, server: DeviceServer, signer: Signer
) -> str:
    header, _ = signer.header("POST", f"{API}/ws/ticket")
    async with session.post(
        f"{server.url}{API}/ws/ticket", headers={"Authorization": header}
    ) as response:
        assert response.status == 200
        body = await response.json()
    assert body["expires_in"] == 10
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,128}", body["ticket"])
    ticket: str = body["ticket"]
    return ticket


async def test_a_ticket_opens_the_push_channel_once(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    signer = Signer(await challenge_of(session, locked))
    ticket = await ticket_of(session, locked, signer)
    url = f"{locked.url}{API}/ws"

    async with session.ws_connect(url, params={"ticket": ticket}) as ws:
        assert (await receive_state(ws))["on"] is False
    for params in ({"ticket": ticket}, {}, {"ticket": "x" * 32}):
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(url, params=params)
        assert caught.value.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await session.ws_connect(url, headers={"Authorization": f"Bearer {TOKEN}"})


async def test_a_ticket_expires(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    now = [0.0]
    server = await serve(make_device(gun_profile()), token=TOKEN, clock=lambda: now[0])
    ticket = await ticket_of(
        session, server, Signer(await challenge_of(session, server))
    )
    now[0] += 10.5
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await session.ws_connect(f"{server.url}{API}/ws", params={"ticket": ticket})
    assert caught.value.status == 401


async def test_a_ticket_needs_authentication(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.post(f"{locked.url}{API}/ws/ticket") as response:
        assert response.status == 401


async def test_a_device_without_a_token_needs_no_ticket(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(make_device(gun_profile()))
    async with session.post(f"{server.url}{API}/ws/ticket") as response:
        assert response.status == 200
        assert "Authentication-Info" not in response.headers
    async with session.ws_connect(f"{server.url}{API}/ws") as ws:
        assert (await receive_state(ws))["on"] is False


# Protocol 1.0


async def test_a_1_0_device_has_none_of_1_1(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(make_device(foot_leg_profile()), protocol="1.0")
    async with session.get(f"{server.url}{API}/info") as response:
        info = await response.json()
    assert "api_minor" not in info
    assert "level_names" not in info["capabilities"]
    async with session.post(f"{server.url}{API}/ws/ticket") as response:
        assert response.status == 404


async def test_the_protocol_must_be_known(make_device: MakeDevice) -> None:
    with pytest.raises(ValueError, match="protocol"):
        DeviceServer(make_device(gun_profile()), protocol="2.0")  # type: ignore[arg-type]


# The status page


async def test_the_status_page_shows_the_device_escaped(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    profile = gun_profile(name="<script>alert(1)</script> Gun")
    server = await serve(make_device(profile))
    async with session.get(f"{server.url}/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Gun" in page
    assert "<script>" not in page
    assert profile.device_id in page
    assert "1.1" in page
    assert "battery" in page


async def test_the_status_page_hides_the_state_of_a_device_with_a_token(
    locked: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{locked.url}/") as response:
        assert response.status == 200
        page = await response.text()
    assert locked.device.profile.model in page
    assert "battery" not in page
    assert "state is not shown" in page


async def test_the_info_of_a_1_1_device(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(make_device(foot_leg_profile()))
    async with session.get(f"{server.url}{API}/info") as response:
        info = json.loads(await response.read())
    assert info["api_version"] == 1
    assert info["api_minor"] == 1
    assert info["capabilities"]["level_names"] == ["Low", "Medium", "High"]
