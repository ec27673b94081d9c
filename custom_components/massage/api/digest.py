"""HTTP Digest access authentication with SHA-256 (RFC 7616), the client's side.

The token is the password and never travels: each request carries a hash over the
device's nonce, a count, a client nonce, the method, the path and the body, and
the device answers with `rspauth`, a hash over the same nonce and its own answer's
body, which proves that it knows the token too.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import hmac
import re
import secrets
from typing import Final

ALGORITHM: Final = "SHA-256"
QOP_AUTH: Final = "auth"
QOP_AUTH_INT: Final = "auth-int"
USERNAME: Final = "massage"
"""Devices have one user; the protocol fixes its name."""
AUTHENTICATION_INFO: Final = "Authentication-Info"
"""The answer's header with `rspauth` (RFC 7616); older aiohttp has no name for it."""

_SCHEME: Final = "digest"
# RFC 9110 auth-param: a token, "=", then a token or a quoted-string.
_PARAM: Final = re.compile(
    r"\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*"
    r'(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)'
)
_ESCAPE: Final = re.compile(r"\\(.)")


def parse_params(text: str) -> dict[str, str] | None:
    """Parse comma-separated auth-params; None if the text is not made of them.

    Names are lower-cased; quoted values are unescaped. A name given twice is
    ambiguous, so it makes the whole text invalid.
    """
    params: dict[str, str] = {}
    position = 0
    text = text.strip()
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None or match.end() == position:
            return None
        name = match.group(1).lower()
        quoted = match.group(2)
        value = _ESCAPE.sub(r"\1", quoted) if quoted is not None else match.group(3)
        if name in params:
            return None
        params[name] = value
        position = match.end()
    return params


def sha256_hex(data: bytes) -> str:
    """Return the lower-case hex SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()


def _h(text: str) -> str:
    return sha256_hex(text.encode())


def ha1(username: str, realm: str, password: str) -> str:
    """Return H(A1) = H(username:realm:password)."""
    return _h(f"{username}:{realm}:{password}")


def request_digest(
    *,
    secret: str,
    nonce: str,
    nc: str,
    cnonce: str,
    qop: str,
    method: str,
    uri: str,
    body: bytes = b"",
) -> str:
    """Return the `response` of a request (RFC 7616 section 3.4.1).

    With qop `auth-int` the request body is covered too; `secret` is H(A1).
    """
    a2 = f"{method}:{uri}"
    if qop == QOP_AUTH_INT:
        a2 += f":{sha256_hex(body)}"
    return _h(f"{secret}:{nonce}:{nc}:{cnonce}:{qop}:{_h(a2)}")


def response_digest(
    *, secret: str, nonce: str, nc: str, cnonce: str, qop: str, uri: str, body: bytes
) -> str:
    """Return the `rspauth` of an answer (RFC 7616 section 3.5).

    As the request digest, but without the method; with qop `auth-int` the
    answer's body is covered, so the answer cannot be altered on its way.
    """
    return request_digest(
        secret=secret,
        nonce=nonce,
        nc=nc,
        cnonce=cnonce,
        qop=qop,
        method="",
        uri=uri,
        body=body,
    )


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@dataclass(frozen=True, slots=True)
class Challenge:
    """A usable `WWW-Authenticate: Digest` challenge of a device."""

    realm: str
    nonce: str
    opaque: str | None
    stale: bool

    @classmethod
    def parse(cls, header: str) -> Challenge | None:
        """Parse one WWW-Authenticate header line.

        None unless it is a Digest challenge with realm and nonce that offers
        SHA-256 and qop `auth-int`, the only ones this client uses.
        """
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != _SCHEME:
            return None
        params = parse_params(rest)
        if params is None or not params.get("realm") or not params.get("nonce"):
            return None
        if params.get("algorithm", "MD5").upper() != ALGORITHM:
            return None
        offered = {qop.strip() for qop in params.get("qop", "").split(",")}
        if QOP_AUTH_INT not in offered:
            return None
        return cls(
            realm=params["realm"],
            nonce=params["nonce"],
            opaque=params.get("opaque"),
            stale=params.get("stale", "").lower() == "true",
        )


@dataclass(frozen=True, slots=True)
class Authorization:
    """One request's Authorization header, and how to check the answer to it."""

    header: str
    nonce: str
    nc: str
    cnonce: str
    uri: str
    secret: str

    def verify(self, authentication_info: str | None, body: bytes) -> bool:
        """Whether the answer's Authentication-Info proves the device knows the token.

        The `rspauth` must match this request's nonce count and client nonce and
        the answer's body.
        """
        if authentication_info is None:
            return False
        params = parse_params(authentication_info)
        if params is None or "rspauth" not in params:
            return False
        if params.get("qop", QOP_AUTH_INT) != QOP_AUTH_INT:
            return False
        if params.get("cnonce", self.cnonce) != self.cnonce:
            return False
        if params.get("nc", self.nc) != self.nc:
            return False
        expected = response_digest(
            secret=self.secret,
            nonce=self.nonce,
            nc=self.nc,
            cnonce=self.cnonce,
            qop=QOP_AUTH_INT,
            uri=self.uri,
            body=body,
        )
        return hmac.compare_digest(params["rspauth"].lower(), expected)


class DigestSession:
    """Signs requests with one device nonce, counting up (one round trip each)."""

    def __init__(self, password: str, challenge: Challenge) -> None:
        """Start using a challenge's nonce with the token as the password."""
        self.challenge = challenge
        self._secret = ha1(USERNAME, challenge.realm, password)
        self._count = 0

    def authorize(self, method: str, uri: str, body: bytes) -> Authorization:
        """Return the Authorization of the next request, with the next nonce count."""
        self._count += 1
        nc = f"{self._count:08x}"
        cnonce = secrets.token_urlsafe(16)
        challenge = self.challenge
        response = request_digest(
            secret=self._secret,
            nonce=challenge.nonce,
            nc=nc,
            cnonce=cnonce,
            qop=QOP_AUTH_INT,
            method=method,
            uri=uri,
            body=body,
        )
        fields = [
            f"username={_quote(USERNAME)}",
            f"realm={_quote(challenge.realm)}",
            f"uri={_quote(uri)}",
            f"algorithm={ALGORITHM}",
            f"nonce={_quote(challenge.nonce)}",
            f"nc={nc}",
            f"cnonce={_quote(cnonce)}",
            f"qop={QOP_AUTH_INT}",
            f"response={_quote(response)}",
        ]
        if challenge.opaque is not None:
            fields.append(f"opaque={_quote(challenge.opaque)}")
        return Authorization(
            header="Digest " + ", ".join(fields),
            nonce=challenge.nonce,
            nc=nc,
            cnonce=cnonce,
            uri=uri,
            secret=self._secret,
        )
