"""The device's side of authentication: Digest with SHA-256 (1.1) and push tickets.

Written apart from the client library on purpose, so that the two check each
other; both are tested against the example of RFC 7616.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
import hashlib
import hmac
import re
import secrets
import time

REALM = "massage"
USERNAME = "massage"
ALGORITHM = "SHA-256"
QOP = "auth-int"
AUTHENTICATION_INFO = "Authentication-Info"
"""The answer's header with `rspauth`; older aiohttp has no name for it."""
NONCE_LIFETIME = 300.0
"""Seconds a nonce is taken after it was issued; then it is stale."""
MAX_NONCES = 32
"""Nonces kept at once; issuing another forgets the oldest (which turns stale)."""
TICKET_LIFETIME = 10.0
"""Seconds a push ticket may wait before it is used; it is good for one use."""
MAX_TICKETS = 8

_PARAM = re.compile(
    r'\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)'
)
_REQUIRED = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
_NC = re.compile(r"[0-9a-fA-F]{8}")

type Clock = Callable[[], float]


def digest_hex(text: str | bytes) -> str:
    """SHA-256 of text (UTF-8) or bytes, in lower-case hex."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def parse_auth_params(text: str) -> dict[str, str] | None:
    """Parse `name=value, name="quoted"` pairs; None for anything else."""
    params: dict[str, str] = {}
    position, text = 0, text.strip()
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None or match.end() == position:
            return None
        quoted = match.group(2)
        value = (
            re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else match.group(3)
        )
        params[match.group(1).lower()] = value
        position = match.end()
    return params


def compute_response(
    token: str,
    params: dict[str, str],
    *,
    method: str,
    body: bytes,
    realm: str = REALM,
) -> str:
    """Return the digest of RFC 7616 section 3.4.1 for the params of a request.

    `method` is empty for the `rspauth` of an answer, whose body it covers.
    """
    secret = digest_hex(f"{params['username']}:{realm}:{token}")
    a2 = f"{method}:{params['uri']}"
    if params["qop"] == "auth-int":
        a2 += ":" + digest_hex(body)
    return digest_hex(
        f"{secret}:{params['nonce']}:{params['nc']}:{params['cnonce']}:"
        f"{params['qop']}:{digest_hex(a2)}"
    )


@dataclass(slots=True)
class _Nonce:
    issued: float
    count: int = 0


@dataclass(frozen=True, slots=True)
class Grant:
    """An authenticated request; it signs the answer with `rspauth`."""

    token: str
    params: dict[str, str]

    def authentication_info(self, body: bytes) -> str:
        """Return the Authentication-Info header of the answer whose body is `body`."""
        rspauth = compute_response(self.token, self.params, method="", body=body)
        return (
            f'qop={QOP}, rspauth="{rspauth}", '
            f'cnonce="{self.params["cnonce"]}", nc={self.params["nc"]}'
        )


class Denied(Exception):  # noqa: N818 - a verdict, not a failure of the emulator
    """A request that is not authenticated; `stale` asks for a fresh nonce."""

    def __init__(self, reason: str, *, stale: bool = False) -> None:
        """Say why, and whether the credentials were right but the nonce was not."""
        super().__init__(reason)
        self.stale = stale


class DigestAuthority:
    """Issues nonces and checks Digest answers to them, refusing replays."""

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        nonce_lifetime: float = NONCE_LIFETIME,
        max_nonces: int = MAX_NONCES,
    ) -> None:
        """Start with no nonce issued."""
        self._clock = clock
        self.nonce_lifetime = nonce_lifetime
        self._max_nonces = max_nonces
        self._nonces: OrderedDict[str, _Nonce] = OrderedDict()
        self._opaque = secrets.token_urlsafe(12)

    def challenge(self, *, stale: bool = False) -> str:
        """Issue a nonce and return the WWW-Authenticate header that carries it."""
        nonce = secrets.token_urlsafe(24)
        self._nonces[nonce] = _Nonce(issued=self._clock())
        while len(self._nonces) > self._max_nonces:
            self._nonces.popitem(last=False)
        return (
            f'Digest realm="{REALM}", qop="{QOP}", algorithm={ALGORITHM}, '
            f'nonce="{nonce}", opaque="{self._opaque}", charset=UTF-8, '
            f"stale={'true' if stale else 'false'}"
        )

    def check(
        self, token: str, header: str, *, method: str, uri: str, body: bytes
    ) -> Grant:
        """Return the grant of a correctly signed, fresh request; raise Denied.

        The hash is checked first: only a request signed with the token can learn
        that its nonce is stale. A nonce count not above the last one seen for
        that nonce is a replay, answered as stale.
        """
        scheme, _, rest = header.strip().partition(" ")
        params = parse_auth_params(rest) if scheme.lower() == "digest" else None
        if params is None or any(key not in params for key in _REQUIRED):
            raise Denied("no Digest credentials")
        if (
            params["username"] != USERNAME
            or params["realm"] != REALM
            or params.get("algorithm", "MD5").upper() != ALGORITHM
            or params["qop"] != QOP
            or params.get("opaque") != self._opaque
            or params["uri"] != uri
            or not _NC.fullmatch(params["nc"])
        ):
            raise Denied("Digest credentials for something else")
        expected = compute_response(token, params, method=method, body=body)
        if not hmac.compare_digest(params["response"].lower(), expected):
            raise Denied("wrong token")
        nonce = self._nonces.get(params["nonce"])
        if nonce is None or self._clock() - nonce.issued > self.nonce_lifetime:
            self._nonces.pop(params["nonce"], None)
            raise Denied("unknown or expired nonce", stale=True)
        count = int(params["nc"], 16)
        if count <= nonce.count:
            raise Denied("nonce count not above the last one: a replay", stale=True)
        nonce.count = count
        return Grant(token, params)


class Tickets:
    """Single-use, short-lived tickets that open the push channel."""

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        lifetime: float = TICKET_LIFETIME,
        max_tickets: int = MAX_TICKETS,
    ) -> None:
        """Start with no ticket issued."""
        self._clock = clock
        self.lifetime = lifetime
        self._max_tickets = max_tickets
        self._tickets: OrderedDict[str, float] = OrderedDict()

    def issue(self) -> str:
        """Return a new ticket."""
        ticket = secrets.token_urlsafe(24)
        self._tickets[ticket] = self._clock() + self.lifetime
        while len(self._tickets) > self._max_tickets:
            self._tickets.popitem(last=False)
        return ticket

    def redeem(self, ticket: str | None) -> bool:
        """Use up a ticket; whether it was valid and unexpired."""
        if ticket is None:
            return False
        expires = self._tickets.pop(ticket, None)
        return expires is not None and self._clock() <= expires
