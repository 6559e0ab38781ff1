"""`ocppgen csms`: run the reference CSMS until interrupted.

Defaults: SQLite file `csms-data/csms.sqlite3`, OCPP on 127.0.0.1:9000 with security profile 1
(Basic auth), operator API on 127.0.0.1:9080. Secrets stay off the command line (every local user
can read it in /proc/PID/cmdline): the operator password comes from `$OCPPGEN_OPERATOR_PASSWORD`
or `--operator-password-file` (without either, one is generated and printed), station passwords
from `--stations-file` (`ID:PASSWORD` lines). `--station ID[:PASSWORD]` registers (or re-keys) a
station at start-up too, `--boot-policy ID=Pending` sets its boot policy, `--token
IDTOKEN[=STATUS]` puts a token in the token store (ISO14443, Accepted by default): enough to point
`ocppgen conformance csms` at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import secrets
import signal
import sqlite3
import ssl
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from ocppgen.cli import existing_file, secret_file
from ocppgen.reference.csms.api import identifier_problem
from ocppgen.reference.csms.app import Csms, CsmsConfig
from ocppgen.reference.csms.ca import CertificateAuthority
from ocppgen.reference.csms.store import BOOT_POLICIES, TOKEN_STATUSES, Store
from ocppgen.runtime.security import AuthLimits, server_ssl_context
from ocppgen.runtime.server import DEFAULT_AUTH_LIMITS

__all__ = ["register", "run"]


class StartupError(Exception):
    """The CSMS cannot start as configured (one line for the user, no traceback)."""


def register(subparsers: Any) -> None:
    """Add the `csms` subcommand."""
    parser = subparsers.add_parser(
        "csms",
        help="run the reference CSMS (OCPP 2.0.1 endpoint + operator HTTP API)",
        description="Run the reference CSMS: an OCPP 2.0.1 endpoint for Charging Stations and "
        "an operator HTTP JSON API (OpenAPI document at /openapi.json), on an SQLite file or "
        "a PostgreSQL database.",
    )
    parser.add_argument(
        "--database",
        type=_database,
        default=os.environ.get("OCPPGEN_CSMS_DATABASE", "csms-data/csms.sqlite3"),
        help="SQLite file or postgresql:// URL (default: $OCPPGEN_CSMS_DATABASE, else "
        "csms-data/csms.sqlite3; a URL with a password belongs in the variable)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="OCPP listen address")
    parser.add_argument("--port", type=int, default=9000, help="OCPP port (default: 9000)")
    parser.add_argument("--api-host", default="127.0.0.1", help="operator API listen address")
    parser.add_argument("--api-port", type=int, default=9080, help="operator API port")
    parser.add_argument(
        "--security-profile",
        type=int,
        choices=(0, 1, 2, 3),
        default=1,
        help="0 none (labs only), 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS (default: 1)",
    )
    parser.add_argument(
        "--tls-cert", type=existing_file, help="server certificate chain (PEM), profiles 2 and 3"
    )
    parser.add_argument("--tls-key", type=existing_file, help="server private key (PEM)")
    parser.add_argument(
        "--tls-client-ca", type=existing_file, help="CA of station certificates (profile 3)"
    )
    parser.add_argument(
        "--ca-cert",
        type=existing_file,
        help="CA certificate (PEM) that signs stations' CSRs (SignCertificate); with --ca-key",
    )
    parser.add_argument("--ca-key", type=existing_file, help="that CA's private key (PEM)")
    parser.add_argument(
        "--operator-user", default="operator", help="operator API user name (default: operator)"
    )
    password = parser.add_mutually_exclusive_group()
    password.add_argument(
        "--operator-password",
        default=os.environ.get("OCPPGEN_OPERATOR_PASSWORD"),
        metavar="PASSWORD",
        help="operator API password on the command line, readable by every local user in the "
        "process list: prefer the file or the variable",
    )
    password.add_argument(
        "--operator-password-file",
        dest="operator_password",
        type=secret_file,
        metavar="PATH",
        default=argparse.SUPPRESS,  # the variable, via --operator-password
        help="operator API password: the file's first line (or $OCPPGEN_OPERATOR_PASSWORD; "
        "neither: one is generated and printed)",
    )
    parser.add_argument(
        "--stations-file",
        type=_stations_file,
        default=[],
        metavar="PATH",
        help="register the stations of a file at start-up: one ID:PASSWORD (or ID, no "
        "password) per line; blank lines and # comments are skipped",
    )
    parser.add_argument(
        "--station",
        action="append",
        default=[],
        metavar="ID[:PASSWORD]",
        help="register a station at start-up (repeatable; a password here is readable in the "
        "process list: prefer --stations-file)",
    )
    parser.add_argument(
        "--boot-policy",
        action="append",
        default=[],
        type=_boot_policy,
        metavar="ID=POLICY",
        help="boot policy of a --station: Accepted, Pending or Rejected (repeatable)",
    )
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        type=_token,
        metavar="IDTOKEN[=STATUS]",
        help=f"put an ISO14443 token in the store ({', '.join(TOKEN_STATUSES)}; "
        "default Accepted; repeatable)",
    )
    parser.add_argument(
        "--heartbeat-interval",
        type=_interval,
        metavar="SECONDS",
        help="heartbeat interval of the --station/--stations-file stations, new or already "
        "stored (1-86400; default: 300 for new stations, stored ones keep theirs)",
    )
    parser.add_argument(
        "--boot-retry-interval",
        type=int,
        default=30,
        metavar="SECONDS",
        help="retry interval in Pending and Rejected boot answers (default: %(default)s)",
    )
    parser.add_argument(
        "--api-allowed-origin",
        action="append",
        default=[],
        metavar="URL",
        help="a web origin (scheme://host[:port]) besides the API's own whose pages may call the "
        "operator API (repeatable; other Origins get 403)",
    )
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument(
        "--max-failed-logins",
        type=_positive,
        default=DEFAULT_AUTH_LIMITS.identity_burst,
        metavar="N",
        help="failed passwords per station identity or operator user before further attempts "
        f"get 429 (one more every {DEFAULT_AUTH_LIMITS.identity_refill:g} s; "
        f"default: {DEFAULT_AUTH_LIMITS.identity_burst})",
    )
    limits.add_argument(
        "--no-login-limits",
        action="store_true",
        help="no limit on failed passwords (e.g. behind a proxy that limits them)",
    )
    parser.add_argument(
        "--max-failed-logins-per-address",
        type=_positive,
        default=DEFAULT_AUTH_LIMITS.address_burst,
        metavar="N",
        help="failed passwords per source address (IPv6: per /64) before further attempts get "
        f"429 (one more every {DEFAULT_AUTH_LIMITS.address_refill:g} s; default: "
        f"{DEFAULT_AUTH_LIMITS.address_burst}); behind a reverse proxy every station shares "
        "the proxy's address: raise it",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every connection")
    parser.set_defaults(func=run)


def _database(text: str) -> str:
    if "://" in text and not text.startswith(("postgresql://", "postgres://", "sqlite:")):
        raise argparse.ArgumentTypeError(
            f"{_redacted(text)!r}: expected an SQLite file path or a postgresql:// URL"
        )
    return text


def _redacted(database: str) -> str:
    """The database URL with its password hidden, for messages and the start-up banner."""
    parts = urlsplit(database)
    if parts.password is None:
        return database
    return database.replace(f":{parts.password}@", ":***@", 1)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 1")
    return int(text)


def _interval(text: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r}: expected 1..86400 seconds")
    return seconds


def _stations_file(path: str) -> list[str]:
    """`ID[:PASSWORD]` specs from a file, as `--station` takes them."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise argparse.ArgumentTypeError(f"cannot read {path}: {reason}") from None
    specs = []
    for number, line in enumerate(lines, 1):
        spec = line.strip()
        if not spec or spec.startswith("#"):
            continue
        if not spec.partition(":")[0]:
            raise argparse.ArgumentTypeError(f"{path}:{number}: expected ID:PASSWORD or ID")
        specs.append(spec)
    return specs


def _boot_policy(text: str) -> tuple[str, str]:
    identity, _, policy = text.partition("=")
    if not identity or policy not in BOOT_POLICIES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected ID=POLICY with POLICY one of {', '.join(BOOT_POLICIES)}"
        )
    return identity, policy


def _token(text: str) -> tuple[str, str]:
    id_token, _, status = text.partition("=")
    status = status or "Accepted"
    if not id_token or status not in TOKEN_STATUSES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected IDTOKEN[=STATUS] with STATUS one of {', '.join(TOKEN_STATUSES)}"
        )
    return id_token, status


def _config(args: argparse.Namespace) -> CsmsConfig:
    ssl_context = None
    if args.security_profile >= 2:
        if not (args.tls_cert and args.tls_key):
            raise SystemExit("security profiles 2 and 3 need --tls-cert and --tls-key")
        if args.security_profile == 3 and not args.tls_client_ca:
            raise SystemExit("security profile 3 needs --tls-client-ca")
        ssl_context = _ssl_context(args)
    if bool(args.ca_cert) != bool(args.ca_key):
        raise SystemExit("--ca-cert and --ca-key go together")
    if args.ca_cert:
        try:
            CertificateAuthority.from_files(args.ca_cert, args.ca_key)
        except (OSError, ValueError) as exc:
            raise SystemExit(f"--ca-cert {args.ca_cert}, --ca-key {args.ca_key}: {exc}") from None
    return CsmsConfig(
        database=args.database,
        host=args.host,
        ocpp_port=args.port,
        api_host=args.api_host,
        api_port=args.api_port,
        security_profile=args.security_profile,
        ssl_context=ssl_context,
        operator_user=args.operator_user,
        operator_password=args.operator_password or "",
        api_allowed_origins=tuple(args.api_allowed_origin),
        auth_limits=None if args.no_login_limits else _limits(args),
        boot_retry_interval=args.boot_retry_interval,
        ca_certificate=str(args.ca_cert) if args.ca_cert else None,
        ca_key=str(args.ca_key) if args.ca_key else None,
    )


def _limits(args: argparse.Namespace) -> AuthLimits:
    return dataclasses.replace(
        DEFAULT_AUTH_LIMITS,
        identity_burst=args.max_failed_logins,
        address_burst=args.max_failed_logins_per_address,
    )


def _ssl_context(args: argparse.Namespace) -> ssl.SSLContext:
    client_ca = args.tls_client_ca if args.security_profile == 3 else None
    try:
        return server_ssl_context(args.tls_cert, args.tls_key, client_ca=client_ca)
    except (OSError, ssl.SSLError) as exc:
        files = f"--tls-cert {args.tls_cert}, --tls-key {args.tls_key}"
        if client_ca:
            files += f", --tls-client-ca {client_ca}"
        raise SystemExit(f"ocppgen csms: cannot load the TLS files ({files}): {exc}") from None


def _open_store(database: str) -> Store:
    try:
        return Store.open(database)
    except (OSError, sqlite3.Error, psycopg.Error) as exc:
        reason = " ".join(str(exc).split())
        raise StartupError(f"cannot open the database {_redacted(database)}: {reason}") from None


async def _serve(config: CsmsConfig, args: argparse.Namespace) -> None:
    # Provision before the server listens: a station connecting at start-up must find itself
    # in the store, not get a 404 and back off.
    store = _open_store(config.database)
    try:
        _provision(store, config, args)
        async with Csms(config, store) as csms:
            await _run_until_signal(csms, config)
    finally:
        store.close()


async def _run_until_signal(csms: Csms, config: CsmsConfig) -> None:
    """Print where the CSMS listens, then serve until SIGINT/SIGTERM."""
    print(f"OCPP endpoint   {csms.ocpp_url}<station identity>", flush=True)
    print(f"operator API    {csms.api_url}/api  (OpenAPI: {csms.api_url}/openapi.json)")
    print(f"database        {_redacted(config.database)}")
    print("press Ctrl+C to stop", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("stopping...", flush=True)


def _provision(store: Store, config: CsmsConfig, args: argparse.Namespace) -> None:
    """The command line's stations, boot policies and tokens, into the store."""
    specs = [*args.stations_file, *args.station]
    stations = [spec.partition(":")[0] for spec in specs]
    for identity, _ in args.boot_policy:
        if identity not in stations and store.station(identity) is None:
            raise StartupError(
                f"--boot-policy {identity}: no such station (add --station {identity})"
            )
    for spec in specs:
        identity, _, password = spec.partition(":")
        problem = identifier_problem(identity, max_length=48, colon=False)
        if problem is not None:  # the operator API's rule, so the API can address it later
            raise StartupError(f"station id {identity!r} {problem}")
        if store.station(identity) is None:
            store.add_station(
                identity,
                password=password or None,
                security_profile=config.security_profile,
                heartbeat_interval=args.heartbeat_interval or 300,
            )
        elif password or args.heartbeat_interval:  # a stored station keeps what is not given
            store.update_station(
                identity, password=password or None, heartbeat_interval=args.heartbeat_interval
            )
    for identity, policy in args.boot_policy:
        store.update_station(identity, boot_policy=policy)
    for id_token, status in args.token:
        store.put_token(id_token, "ISO14443", status)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.heartbeat_interval and not (args.station or args.stations_file):
        print(
            "ocppgen csms: --heartbeat-interval sets the interval of the --station or "
            "--stations-file stations: name at least one",
            file=sys.stderr,
        )
        return 2
    config = _config(args)
    if not config.operator_password:
        config.operator_password = secrets.token_urlsafe(16)
        print(f"operator login  {config.operator_user} / {config.operator_password} (generated)")
    try:
        asyncio.run(_serve(config, args))
    except (StartupError, OSError) as exc:
        print(f"ocppgen csms: {exc}", file=sys.stderr)
        return 1
    return 0
