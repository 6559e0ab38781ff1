"""Wiring of the reference CSMS: store + OCPP endpoint (`CsmsServer`) + operator API.

    async with Csms(CsmsConfig(database="csms.sqlite3")) as csms:
        ...  # csms.ocpp_url, csms.api_url, csms.store, csms.server.stations

Handshake policy: a station must be registered in the store. With security profile 1 or 2 its
Basic auth password is checked against the stored hash; an unregistered identity (or one without
a password) is checked against a dummy hash, so it gets the same 401 as a wrong password, after
the same scrypt time: the handshake does not tell which identities are registered. A password
that verified is remembered as a keyed digest bound to the stored hash (`VerifiedCredentials`),
so a station reconnecting with it, as a whole fleet does after a network blip, costs no scrypt;
a changed or deleted password misses by itself. A password the CSMS generated is stored with a
fast verifier (see `store.passwords`), so even the first check after a restart costs no scrypt;
a wrong password against such a verifier still costs the dummy scrypt, so its refusal takes as
long as an unknown identity's. A generated password that matched an older scrypt hash has that
hash replaced by the fast kind. Failed password checks are limited per identity
and address (`CsmsConfig.auth_limits`, see `AuthLimits`). With profiles 0 and 3 an unregistered
identity is refused with 404; with profile 3 the client certificate is checked by the runtime. A
station whose own security profile is higher than the server's is disconnected right after the
handshake.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ocppgen.generated import v201
from ocppgen.reference.csms.api import make_api
from ocppgen.reference.csms.ca import CertificateAuthority
from ocppgen.reference.csms.handlers import (
    INTERVAL_SPREAD,
    CsmsBehaviour,
    DataTransferHook,
    Listener,
)
from ocppgen.reference.csms.store import (
    Store,
    is_fast,
    scrypt_hash,
    upgraded,
    verify_password,
)
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.security import (
    AuthLimits,
    CachedBasicAuth,
    SecurityProfile,
    VerifiedCredentials,
    address_text,
)
from ocppgen.runtime.server import DEFAULT_AUTH_LIMITS, CsmsServer

__all__ = ["Csms", "CsmsConfig"]

logger = logging.getLogger("ocppgen.reference.csms")


@dataclass
class CsmsConfig:
    """How to run the reference CSMS."""

    database: str = "csms-data/csms.sqlite3"
    """SQLite file path (or `sqlite:///path`), or a `postgresql://` URL."""
    host: str = "127.0.0.1"
    ocpp_port: int = 9000
    api_host: str = "127.0.0.1"
    api_port: int = 9080
    security_profile: int = 1
    ssl_context: ssl.SSLContext | None = None
    auth_limits: AuthLimits | None = DEFAULT_AUTH_LIMITS
    """Limits on failed Basic auth per identity and address (None: no limits)."""
    operator_user: str = "operator"
    operator_password: str = ""
    api_allowed_origins: tuple[str, ...] = ()
    """Web origins besides the API's own whose pages may call the operator API."""
    boot_retry_interval: int = 30
    interval_spread: float = INTERVAL_SPREAD
    """Part of each boot answer's interval drawn at random, so a fleet that booted together
    does not heartbeat together (see `reference.csms.handlers`; 0: as configured)."""
    open_timeout: float = 30.0
    """Seconds a WebSocket handshake may take. Longer than websockets' 10 s: when a fleet
    reconnects at once, handshakes wait for the event loop, and one aborted at 10 s is work
    thrown away and a station sent back into its back-off (10,000 stations: 33 s, no errors,
    against 42 s and 3,464 aborts)."""
    call_timeout: float = 30.0
    ping_interval: float | None = 60.0
    data_transfer: dict[str, DataTransferHook] = field(default_factory=dict)
    listener: Listener | None = None
    ca_certificate: str | None = None
    """PEM file of the CA that signs stations' CSRs (SignCertificate); with `ca_key`."""
    ca_key: str | None = None
    """PEM file of that CA's private key (unencrypted). Without a CA, SignCertificate is
    Rejected. Under security profile 3 the listener (`ssl_context`) trusts the CA too, so a
    certificate it signed authenticates its station."""
    ca_validity_days: int = 365
    ocsp_timeout: float = 5.0
    """Seconds to wait for the OCSP responder a GetCertificateStatus names."""


class Csms:
    """A running reference CSMS (see the module docstring)."""

    def __init__(self, config: CsmsConfig, store: Store | None = None) -> None:
        if not config.operator_password:
            raise ValueError("the operator API needs a password (operator_password)")
        self.config = config
        self.store = store if store is not None else Store.open(config.database)
        self._owns_store = store is None
        self.behaviour = CsmsBehaviour(
            self.store,
            connection_of=lambda identity: self.server.stations.get(identity),
            boot_retry_interval=config.boot_retry_interval,
            interval_spread=config.interval_spread,
            data_transfer=config.data_transfer,
            listener=config.listener,
        )
        self.behaviour.certificate_authority = _certificate_authority(config)
        self.behaviour.ocsp_timeout = config.ocsp_timeout
        profile = SecurityProfile(config.security_profile)
        basic = profile in (SecurityProfile.BASIC_AUTH, SecurityProfile.TLS_BASIC_AUTH)
        self.verified = VerifiedCredentials()
        """Passwords that verified (keyed digests, memory only; see `VerifiedCredentials`)."""
        self.server = CsmsServer(
            [(v201.VERSION, self.behaviour)],
            security_profile=profile,
            ssl_context=config.ssl_context,
            authenticate=CachedBasicAuth(
                self._password_hash, self._verify, self.verified, on_verified=self._upgrade
            )
            if basic
            else None,
            # With passwords, only a registered station has a hash to match: no second lookup.
            accept_identity=None if basic else self._known,
            auth_limits=config.auth_limits,
            call_timeout=config.call_timeout,
            open_timeout=config.open_timeout,
            ping_interval=config.ping_interval,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
        )
        self.api = make_api(
            self.store,
            lambda: self.server.stations,
            user=config.operator_user,
            password=config.operator_password,
            allowed_origins=config.api_allowed_origins,
            login_limits=config.auth_limits or DEFAULT_AUTH_LIMITS,
        )
        self._dummy_hash: asyncio.Future[str] | None = None  # for identities without a hash
        # scrypt's 16 MiB work buffer can stay in the malloc arena of each thread that ran
        # one: a pool of its own, as small as the checks allowed at once, bounds that memory
        # (asyncio's default pool has up to cores + 4 threads).
        limits = config.auth_limits or DEFAULT_AUTH_LIMITS
        self._checks = ThreadPoolExecutor(limits.concurrent_checks, "ocppgen-password")
        self.slow_checks = 0
        """scrypt checks run at handshakes (a storm of generated passwords runs none)."""
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.api_port = 0

    async def _known(self, identity: str) -> bool:
        return self.store.station(identity) is not None

    async def _password_hash(self, identity: str) -> str | None:
        return self.store.password_hash(identity)

    async def _verify(self, stored: str | None, password: str) -> bool:
        if is_fast(stored):
            if verify_password(stored, password):
                return True  # microseconds: no thread needed
            stored = None  # refused after the dummy scrypt, as an unknown identity is
        dummy = await self._dummy()
        # scrypt takes tens of milliseconds on purpose: keep it off the event loop. Without a
        # stored hash, spend the same time on the dummy one, so timing does not tell either.
        self.slow_checks += 1
        loop = asyncio.get_running_loop()
        matches = await loop.run_in_executor(
            self._checks, verify_password, stored or dummy, password
        )
        return matches and stored is not None

    async def _upgrade(self, identity: str, stored: str, password: str) -> None:
        """After a scrypt check: a generated password gets the fast verifier from now on."""
        new = upgraded(stored, password)
        if new is not None and self.store.replace_password_hash(identity, stored, new):
            logger.info("%s: password verifier upgraded to %s", identity, new.partition("$")[0])

    def _dummy(self) -> asyncio.Future[str]:
        if self._dummy_hash is None:
            loop = asyncio.get_running_loop()
            self._dummy_hash = loop.run_in_executor(self._checks, _dummy_hash)
        return self._dummy_hash

    async def _on_connect(self, conn: OcppConnection) -> None:
        station = self.store.station(conn.identity)
        profile = int(conn.extra["security_profile"])
        if station is None:
            logger.warning("%s: unknown station; disconnected", conn.identity)
            await conn.close(1008, "Unknown Charging Station")
        elif profile < station["security_profile"]:
            logger.warning(
                "%s: connected with security profile %d, needs %d; disconnected",
                conn.identity,
                profile,
                station["security_profile"],
            )
            await conn.close(1008, "Security profile too low")
        else:
            logger.info(
                "%s: connected from %s (%s, security profile %d)",
                conn.identity,
                address_text(conn.extra.get("remote_address")) or "?",
                conn.subprotocol,
                profile,
            )

    async def _on_disconnect(self, conn: OcppConnection) -> None:
        logger.info("%s: disconnected", conn.identity)

    @property
    def ocpp_port(self) -> int:
        return self.server.port

    @property
    def ocpp_url(self) -> str:
        """Base URL stations connect to (append the identity)."""
        return self.server.url("")

    @property
    def api_url(self) -> str:
        return f"http://{self.config.api_host}:{self.api_port}"

    async def start(self) -> None:
        if self.server.security_profile in (
            SecurityProfile.BASIC_AUTH,
            SecurityProfile.TLS_BASIC_AUTH,
        ):
            self._dummy()  # made while the server starts, ready for the first unknown identity
        await self.server.start(self.config.host, self.config.ocpp_port)
        self._runner = web.AppRunner(self.api, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.config.api_host, self.config.api_port)
        await self._site.start()
        server = self._site._server
        assert server is not None
        sockets: Any = getattr(server, "sockets", ())
        self.api_port = int(sockets[0].getsockname()[1])

    async def settle(self) -> None:
        """Wait for the work `start` leaves running (the dummy password hash for unknown
        identities, under Basic auth): e.g. before reading a memory baseline."""
        if self._dummy_hash is not None:
            await self._dummy_hash

    async def close(self) -> None:
        await self.server.close(grace=2.0)
        if self._dummy_hash is not None:
            await self._dummy_hash  # its thread cannot be cancelled; do not leave it pending
        self._checks.shutdown(wait=False)
        await self.behaviour.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._owns_store:
            self.store.close()

    async def __aenter__(self) -> Csms:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def _certificate_authority(config: CsmsConfig) -> CertificateAuthority | None:
    """The configured CA; under profile 3 the listener trusts it too, so a certificate the CSMS
    signed (SignCertificate) authenticates its station."""
    if not (config.ca_certificate and config.ca_key):
        return None
    authority = CertificateAuthority.from_files(
        config.ca_certificate, config.ca_key, validity_days=config.ca_validity_days
    )
    profile = SecurityProfile(config.security_profile)
    if config.ssl_context is not None and profile is SecurityProfile.TLS_CLIENT_CERTIFICATE:
        config.ssl_context.load_verify_locations(cafile=config.ca_certificate)
    return authority


def _dummy_hash() -> str:
    """A scrypt hash no password matches, with the cost parameters of real ones."""
    return scrypt_hash(secrets.token_urlsafe(24))
