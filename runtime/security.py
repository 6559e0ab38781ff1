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
import hmac
import ssl
from collections.abc import Awaitable, Callable
from enum import IntEnum
from os import PathLike
from typing import Any

__all__ = [
    "OCPP_TLS12_CIPHERS",
    "BasicAuthCheck",
    "SecurityProfile",
    "basic_auth_header",
    "certificate_identity",
    "check_password",
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
