"""`ocppgen csms`: run the reference CSMS until interrupted.

Defaults: SQLite file `csms-data/csms.sqlite3`, OCPP on 127.0.0.1:9000 with security profile 1
(Basic auth), operator API on 127.0.0.1:9080. The operator password comes from
`--operator-password` or `$OCPPGEN_OPERATOR_PASSWORD`; without either, one is generated and
printed. `--station ID[:PASSWORD]` registers (or re-keys) a station at start-up,
`--boot-policy ID=Pending` sets its boot policy, `--token IDTOKEN[=STATUS]` puts a token in the
token store (ISO14443, Accepted by default): enough to point `ocppgen conformance csms` at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
from typing import Any

from ocppgen.reference.csms.app import Csms, CsmsConfig
from ocppgen.reference.csms.store import BOOT_POLICIES, TOKEN_STATUSES, Store
from ocppgen.runtime.security import server_ssl_context

__all__ = ["register", "run"]


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
        default=os.environ.get("OCPPGEN_CSMS_DATABASE", "csms-data/csms.sqlite3"),
        help="SQLite file or postgresql:// URL (default: %(default)s; $OCPPGEN_CSMS_DATABASE)",
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
    parser.add_argument("--tls-cert", help="server certificate chain (PEM), profiles 2 and 3")
    parser.add_argument("--tls-key", help="server private key (PEM)")
    parser.add_argument("--tls-client-ca", help="CA of station certificates (profile 3)")
    parser.add_argument("--operator-user", default="operator")
    parser.add_argument("--operator-password", default=os.environ.get("OCPPGEN_OPERATOR_PASSWORD"))
    parser.add_argument(
        "--station",
        action="append",
        default=[],
        metavar="ID[:PASSWORD]",
        help="register a station at start-up (repeatable)",
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
    parser.add_argument("--heartbeat-interval", type=int, default=300)
    parser.add_argument("--boot-retry-interval", type=int, default=30)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every connection")
    parser.set_defaults(func=run)


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
        ssl_context = server_ssl_context(
            args.tls_cert,
            args.tls_key,
            client_ca=args.tls_client_ca if args.security_profile == 3 else None,
        )
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
        boot_retry_interval=args.boot_retry_interval,
    )


async def _serve(config: CsmsConfig, args: argparse.Namespace) -> None:
    # Provision before the server listens: a station connecting at start-up must find itself
    # in the store, not get a 404 and back off.
    store = Store.open(config.database)
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
    print(f"database        {config.database}")
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
    stations = [spec.partition(":")[0] for spec in args.station]
    for identity, _ in args.boot_policy:
        if identity not in stations and store.station(identity) is None:
            raise SystemExit(
                f"--boot-policy {identity}: no such station (add --station {identity})"
            )
    for spec in args.station:
        identity, _, password = spec.partition(":")
        if store.station(identity) is None:
            store.add_station(
                identity,
                password=password or None,
                security_profile=config.security_profile,
                heartbeat_interval=args.heartbeat_interval,
            )
        elif password:
            store.update_station(identity, password=password)
    for identity, policy in args.boot_policy:
        store.update_station(identity, boot_policy=policy)
    for id_token, status in args.token:
        store.put_token(id_token, "ISO14443", status)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = _config(args)
    if not config.operator_password:
        config.operator_password = secrets.token_urlsafe(16)
        print(f"operator login  {config.operator_user} / {config.operator_password} (generated)")
    try:
        asyncio.run(_serve(config, args))
    except OSError as exc:
        print(f"ocppgen csms: {exc}", file=sys.stderr)
        return 1
    return 0
