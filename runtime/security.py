"""OCPP security profiles 1-3 (OCPP 2.0.1 Part 2 §A00.FR, "Security profiles"): TLS contexts,
HTTP Basic authentication headers and the identity in a client certificate.

- Profile 1: HTTP Basic authentication, user name = Charging Station identity, no TLS (only for
  trusted networks).
- Profile 2: TLS (1.2 or later; the server authenticates with its certificate) + Basic auth.
- Profile 3: TLS with client certificates (mutual TLS); the station's certificate identifies it,
  and its identity must match the one in the URL.

Cipher suites for TLS 1.2 are those the OCPP 2.0.1 security profiles require (ECDHE with
AES-GCM; the RSA variants too, which OCPP 1.6's security whitepaper allows). TLS 1.3 suites are
left to OpenSSL's defaults, all of which are AEAD.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import os
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from os import PathLike
from typing import Any

__all__ = [
    "OCPP_TLS12_CIPHERS",
    "AuthLimits",
    "BasicAuthCheck",
    "CachedBasicAuth",
    "CredentialLookup",
    "FailureLimiter",
    "SecurityProfile",
    "SlowVerify",
    "VerifiedCredentials",
    "VerifiedHook",
    "address_key",
    "address_text",
    "basic_auth_header",
    "certificate_identity",
    "check_password",
    "client_certificate_problem",
    "client_ssl_context",
    "parse_basic_auth",
    "server_ssl_context",
]

StrPath = str | PathLike[str]

OCPP_TLS12_CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
    ]
)

BasicAuthCheck = Callable[[str, str], Awaitable[bool]]
"""The CSMS's password check: `await check(identity, password)` -> whether to accept."""


class SecurityProfile(IntEnum):
    """OCPP security profiles. NONE (no authentication) is for tests and closed labs only."""

    NONE = 0
    BASIC_AUTH = 1
    TLS_BASIC_AUTH = 2
    TLS_CLIENT_CERTIFICATE = 3


def _harden(context: ssl.SSLContext) -> ssl.SSLContext:
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(OCPP_TLS12_CIPHERS)
    return context


def server_ssl_context(
    certificate: StrPath,
    key: StrPath,
    *,
    client_ca: StrPath | None = None,
    password: str | None = None,
) -> ssl.SSLContext:
    """The CSMS's TLS context: its certificate chain and key; with `client_ca`, client
    certificates signed by that CA are required (security profile 3), else none are asked for."""
    context = _harden(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    context.load_cert_chain(certificate, key, password)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=client_ca)
    return context


def client_ssl_context(
    ca: StrPath | None = None,
    *,
    certificate: StrPath | None = None,
    key: StrPath | None = None,
    password: str | None = None,
) -> ssl.SSLContext:
    """The Charging Station's TLS context: trusts `ca` (the CSMS root; default: the system's),
    checks the host name, and presents `certificate` when given (security profile 3)."""
    context = _harden(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    if ca is None:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
        context.load_verify_locations(cafile=ca)
    if certificate is not None:
        context.load_cert_chain(certificate, key, password)
    return context


def basic_auth_header(identity: str, password: str) -> str:
    """The value of the `Authorization` header for Basic auth (user name = station identity).

    OCPP 2.0.1 sends the password as configured (`BasicAuthPassword`); user name and password
    are joined by ':' and encoded as UTF-8 before base64 (RFC 7617).
    """
    token = base64.b64encode(f"{identity}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def parse_basic_auth(header: str) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic ...` header value, or None if malformed."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    if not colon:
        return None
    return user, password


def check_password(expected: str, given: str) -> bool:
    """Compare passwords in constant time."""
    return hmac.compare_digest(expected.encode(), given.encode())


def certificate_identity(peer_certificate: dict[str, Any] | None) -> str | None:
    """The station identity in a verified client certificate: its subject's commonName.

    OCPP 2.0.1 puts the Charging Station's serial number in the CN of its certificate (Part 2,
    "Certificate Properties"; B01.FR.11 compares it with BootNotification); this runtime checks
    it against the identity in the connection URL. None if there is no certificate or no CN.
    """
    if not peer_certificate:
        return None
    for rdn in peer_certificate.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


# -- the station certificate (security profile 3) ----------------------------------------------

_BASIC_CONSTRAINTS = bytes.fromhex("551d13")  # 2.5.29.19
_EXTENDED_KEY_USAGE = bytes.fromhex("551d25")  # 2.5.29.37
_CLIENT_AUTH = bytes.fromhex("2b06010505070302")  # 1.3.6.1.5.5.7.3.2 (id-kp-clientAuth)


def client_certificate_problem(der: bytes) -> str | None:
    """Why a verified client certificate (DER) may not identify a Charging Station, or None.

    TLS only checks that the certificate chains to a trusted CA. A station certificate must also
    be an end-entity certificate (a CA certificate with the station's CN could sign more of
    them), and its extended key usage, when present, must allow clientAuth (RFC 5280 §4.2.1.12).
    A certificate without the extension is accepted: RFC 5280 reads its absence as "any use",
    OpenSSL's client purpose check does the same, and OCPP 2.0.1 (Part 2, certificate
    properties) does not require the extension.
    """
    try:
        extensions = _certificate_extensions(der)
        if _is_ca(extensions.get(_BASIC_CONSTRAINTS)):
            return "it is a CA certificate (basicConstraints CA:TRUE), not an end-entity one"
        usage = extensions.get(_EXTENDED_KEY_USAGE)
        if usage is not None and not _allows_client_auth(usage):
            return "its extended key usage does not include clientAuth"
    except ValueError:
        return "it cannot be parsed"
    return None


def _der_items(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(tag, content) of each DER element in `data` (definite lengths only, as DER requires)."""
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("truncated DER")
        tag, length = data[at], data[at + 1]
        at += 2
        if length & 0x80:
            size = length & 0x7F
            if not 0 < size <= 4 or at + size > len(data):
                raise ValueError("bad DER length")
            length = int.from_bytes(data[at : at + size], "big")
            at += size
        if at + length > len(data):
            raise ValueError("truncated DER")
        yield tag, data[at : at + length]
        at += length


def _only(data: bytes, tag: int) -> bytes:
    items = list(_der_items(data))
    if not items or items[0][0] != tag:
        raise ValueError(f"expected DER tag {tag:#x}")
    return items[0][1]


def _certificate_extensions(der: bytes) -> dict[bytes, bytes]:
    """extnID (OID content bytes) -> extnValue (the OCTET STRING's content) of a certificate."""
    certificate = _only(der, 0x30)
    tbs = _only(certificate, 0x30)
    extensions: dict[bytes, bytes] = {}
    for tag, content in _der_items(tbs):
        if tag != 0xA3:  # [3] EXPLICIT Extensions
            continue
        for _, extension in _der_items(_only(content, 0x30)):
            parts = list(_der_items(extension))  # extnID, critical (optional), extnValue
            if len(parts) < 2 or parts[0][0] != 0x06 or parts[-1][0] != 0x04:
                raise ValueError("bad extension")
            extensions[parts[0][1]] = parts[-1][1]
    return extensions


def _is_ca(basic_constraints: bytes | None) -> bool:
    if basic_constraints is None:
        return False
    fields = list(_der_items(_only(basic_constraints, 0x30)))
    return bool(fields) and fields[0][0] == 0x01 and fields[0][1] != b"\x00"  # cA DEFAULT FALSE


def _allows_client_auth(extended_key_usage: bytes) -> bool:
    purposes = _der_items(_only(extended_key_usage, 0x30))
    return any(tag == 0x06 and oid == _CLIENT_AUTH for tag, oid in purposes)


# -- limits on failed Basic auth (security profiles 1 and 2) -------------------------------------


@dataclass(frozen=True)
class AuthLimits:
    """How many failed password checks a CSMS tolerates before it stops checking.

    Each identity and each source address (IPv6: its /64) has a bucket of `*_burst` failures
    that refills by one every `*_refill` seconds. With an empty bucket the handshake is refused
    with 429 (and Retry-After) before the password is checked, even a right one: checking it
    would cost the CPU the limit protects, and answer the guess. Each check takes its token
    when it starts (so a burst of parallel attempts gets no more checks than the bucket holds);
    a success gives it back. `concurrent_checks` bounds
    password checks running at once, so a flood of them cannot take every worker thread or
    core. An identity connecting from an address it got in from before has its own lane: it
    waits neither behind that queue nor for its identity's lock (failures from elsewhere would
    otherwise let anyone who knows an identity keep its station out); its address's bucket
    still applies.
    """

    identity_burst: int = 10
    identity_refill: float = 60.0
    address_burst: int = 30
    address_refill: float = 10.0
    concurrent_checks: int = max(1, (os.cpu_count() or 2) // 2)
    """Default: half the cores (one on two); the others stay free for the event loop."""
    queued_checks: int = 32
    """Password checks that may wait for one of the `concurrent_checks` slots; past that, the
    handshake gets 503 with Retry-After instead of waiting (a flood from many addresses and
    identities, which the buckets cannot tell apart, would otherwise queue every handshake
    until it times out)."""
    max_tracked: int = 100_000
    """Buckets kept per kind; when full, the least recently failed one is forgotten."""

    def __post_init__(self) -> None:
        if min(self.identity_burst, self.address_burst, self.concurrent_checks) < 1:
            raise ValueError("bursts and concurrent_checks must be at least 1")
        if self.queued_checks < 0:
            raise ValueError("queued_checks must not be negative")
        if min(self.identity_refill, self.address_refill) <= 0:
            raise ValueError("refill intervals must be positive")


class FailureLimiter:
    """Token buckets of failures, one per key (sans-IO: the clock is a parameter)."""

    def __init__(
        self,
        burst: int,
        refill: float,
        *,
        max_tracked: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.refill = refill
        self._max_tracked = max_tracked
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at), oldest first

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - at) / self.refill)

    def retry_after(self, key: str) -> float:
        """0 if `key` may try now, else the seconds until it may."""
        tokens = self._tokens(key, self._clock())
        if tokens >= self.burst:
            self._buckets.pop(key, None)  # refilled: nothing left to remember
        return 0.0 if tokens >= 1 else (1 - tokens) * self.refill

    def failed(self, key: str) -> bool:
        """Count a failure; True if it emptied the bucket (the key is locked from now)."""
        now = self._clock()
        tokens = max(0.0, self._tokens(key, now) - 1)
        self._buckets.pop(key, None)  # re-insert: the dict stays ordered by last failure
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_tracked:
            del self._buckets[next(iter(self._buckets))]
        return tokens < 1

    def succeeded(self, key: str) -> None:
        """Forget the key's failures (its bucket is full again)."""
        self._buckets.pop(key, None)

    def refund(self, key: str) -> None:
        """Give back the token of an attempt that was counted up front and did not fail."""
        now = self._clock()
        if key in self._buckets:
            self._buckets[key] = (min(float(self.burst), self._tokens(key, now) + 1), now)


def address_text(remote: Any) -> str | None:
    """`host:port` of a peer address tuple (IPv4 or IPv6), None when unknown."""
    if isinstance(remote, tuple) and len(remote) >= 2:
        host = str(remote[0])
        return f"[{host}]:{remote[1]}" if ":" in host else f"{host}:{remote[1]}"
    return None


def address_key(remote_address: Any) -> str:
    """The key an address is limited by: the IPv4 address, or the /64 of an IPv6 one (one
    subscriber usually holds a whole /64)."""
    host = str(remote_address[0] if isinstance(remote_address, tuple) else remote_address)
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


# -- verified credentials (security profiles 1 and 2) -------------------------------------------

CredentialLookup = Callable[[str], Awaitable[str | None]]
"""identity -> its stored credential (e.g. a salted scrypt hash), or None if it has none."""
SlowVerify = Callable[[str | None, str], Awaitable[bool]]
"""`await verify(stored, password)`: the deliberately slow check; with `stored` None it must
take as long and answer False (so the timing does not tell which identities exist)."""
VerifiedHook = Callable[[str, str, str], Awaitable[None]]
"""`await hook(identity, stored, password)` after the slow check accepted `password` against
`stored`: e.g. to store a cheaper verifier in its place (a rehash on login)."""


class VerifiedCredentials:
    """Passwords that verified against a stored credential, as keyed digests, so that the next
    check of the same password against the same stored credential is one HMAC, not a scrypt.

    A reconnect storm otherwise costs one slow hash (about 40 ms of CPU) per station. The entry
    for an identity is HMAC-SHA256(key, identity, stored credential, password), the key random
    per process: memory only, no password and nothing an offline guess can be checked against
    without the key. Binding the stored credential means a password change (a new salted hash)
    or a deleted credential misses by itself, from any writer. A wrong password never gets an
    entry and a miss falls through to the slow check, so guessing gains nothing. Why a fast
    keyed hash is enough here: the slow hash only matters for low-entropy passwords whose hash
    leaked; these digests do not leave the process, and OCPP passwords are machine-generated
    (BasicAuthPassword: up to 40 characters, 16-20 random bytes per the OCA security
    whitepaper), out of reach of guessing even at HMAC speed. Bounded: the least recently
    verified identity is forgotten first.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._key = secrets.token_bytes(32)
        self._max_entries = max_entries
        self._entries: dict[str, bytes] = {}  # identity -> digest, least recently used first
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _digest(self, identity: str, stored: str, password: str) -> bytes:
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for part in (identity, stored, password):  # length-prefixed: no ambiguous joins
            data = part.encode("utf-8", "surrogatepass")
            mac.update(len(data).to_bytes(4, "big"))
            mac.update(data)
        return mac.digest()

    def verified(self, identity: str, stored: str, password: str) -> bool:
        """Whether this password verified against this stored credential before (constant
        time in the password)."""
        digest = self._digest(identity, stored, password)
        entry = self._entries.get(identity)
        if entry is not None and hmac.compare_digest(entry, digest):
            self._entries.pop(identity)
            self._entries[identity] = entry  # most recently used last
            self.hits += 1
            return True
        self.misses += 1
        return False

    def remember(self, identity: str, stored: str, password: str) -> None:
        """Record a password the slow check accepted against `stored` (never a rejected one)."""
        self._entries.pop(identity, None)
        self._entries[identity] = self._digest(identity, stored, password)
        while len(self._entries) > self._max_entries:
            del self._entries[next(iter(self._entries))]

    def forget(self, identity: str) -> None:
        self._entries.pop(identity, None)

    def clear(self) -> None:
        self._entries.clear()


class CachedBasicAuth:
    """A `BasicAuthCheck` (for `CsmsServer(authenticate=...)`) from the app's credential lookup
    and slow verification, with `VerifiedCredentials` in front: a station reconnecting with the
    password that last verified costs a lookup and an HMAC. See `VerifiedCredentials`.
    `on_verified` is awaited after each slow check that accepted a password."""

    def __init__(
        self,
        lookup: CredentialLookup,
        verify: SlowVerify,
        cache: VerifiedCredentials | None = None,
        *,
        on_verified: VerifiedHook | None = None,
    ) -> None:
        self._lookup = lookup
        self._verify = verify
        self._on_verified = on_verified
        self.cache = cache if cache is not None else VerifiedCredentials()

    async def __call__(self, identity: str, password: str) -> bool:
        stored = await self._lookup(identity)
        if stored is not None and self.cache.verified(identity, stored, password):
            return True
        if not await self._verify(stored, password) or stored is None:
            return False
        self.cache.remember(identity, stored, password)
        if self._on_verified is not None:
            await self._on_verified(identity, stored, password)
        return True
