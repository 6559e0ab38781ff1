"""`ocppgen conformance csms|station`: the conformance tester's command line."""

from __future__ import annotations

import argparse
import asyncio
import random
import ssl
import sys
from pathlib import Path
from typing import Any

from ocppgen.cli import add_station_password
from ocppgen.conformance.checks import Options
from ocppgen.conformance.report import (
    CheckResult,
    RunReport,
    Status,
    render_console,
    render_html,
    render_junit,
)
from ocppgen.conformance.runner import profile_use_cases, run_against_csms, run_against_station
from ocppgen.conformance.versions import load
from ocppgen.runtime import client_ssl_context, server_ssl_context

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "conformance",
        help="check a Charging Station or CSMS under test against the spec, property-based",
        description="Property-based OCPP conformance checks of someone else's CSMS (we act "
        "as a Charging Station) or Charging Station (we act as the CSMS).",
    )
    sub = parser.add_subparsers(dest="target", required=True, metavar="TARGET")
    csms = sub.add_parser("csms", help="test a CSMS: connect to it as a Charging Station")
    csms.add_argument("--url", required=True, help="the CSMS's OCPP URL, without the identity")
    csms.add_argument("--id", dest="identity", default="CS001", help="station identity")
    add_station_password(csms)
    csms.add_argument("--ca", type=Path, help="CA file to verify the CSMS's TLS certificate")
    csms.add_argument("--cert", type=Path, help="client certificate (profile 3)")
    csms.add_argument("--key", type=Path, help="client certificate's key (profile 3)")
    csms.add_argument("--accepted-token", help="an idToken the CSMS must accept (ISO14443)")
    csms.add_argument("--blocked-token", help="an idToken the CSMS knows as Blocked (ISO14443)")
    csms.add_argument("--pending-id", help="B02: an identity the CSMS keeps Pending")
    csms.add_argument("--rejected-id", help="B03: an identity the CSMS rejects (same --password)")
    # The station-only options, so `options_from` reads every option the same way.
    csms.set_defaults(heartbeat_interval=2, driver=None, evse=1, driver_timeout=30.0)
    station = sub.add_parser("station", help="test a Charging Station: act as its CSMS")
    station.add_argument(
        "--listen",
        type=_listen,
        default="127.0.0.1:9000",
        help="HOST:PORT to listen on (default %(default)s; port 0: any free port)",
    )
    station.add_argument(
        "--wait", type=float, default=120.0, help="seconds to wait for the station to connect"
    )
    station.add_argument("--cert", type=Path, help="server certificate (TLS, wss://)")
    station.add_argument("--key", type=Path, help="server certificate's key")
    station.add_argument(
        "--ca", type=Path, help="require client certificates signed by this CA (profile 3)"
    )
    station.add_argument(
        "--heartbeat-interval",
        type=int,
        default=2,
        help="interval given in the BootNotification answer (s)",
    )
    station.add_argument(
        "--driver",
        metavar="CMD",
        help="runs `CMD plug_in EVSE`, `CMD present_token IDTOKEN EVSE`, `CMD unplug EVSE` for "
        "C01/E02/E03/E09 (exit 0 = done; see conformance/driver.py), or `manual`",
    )
    station.add_argument(
        "--driver-timeout",
        type=float,
        default=30.0,
        help="seconds a --driver step may take before it is killed (default %(default)s)",
    )
    station.add_argument(
        "--evse",
        type=int,
        default=1,
        help="the EVSE the --driver scenarios plug in at (default %(default)s)",
    )
    station.add_argument("--accepted-token", help="a card to present (default: a fresh uid)")
    station.add_argument("--blocked-token", help="a card the tester answers Blocked")
    station.set_defaults(pending_id=None, rejected_id=None)  # the CSMS-only options
    for p in (csms, station):
        p.add_argument(
            "--version",
            dest="ocpp_version",
            default="2.0.1",
            choices=["1.6", "2.0.1", "2.1"],
            help="OCPP version (default %(default)s)",
        )
        p.add_argument(
            "--profile",
            action="append",
            metavar="USE_CASE",
            help="use cases to check: core (default), all, or ids (repeatable); "
            "1.6 has feature profiles instead (Core, SmartCharging, ...)",
        )
        p.add_argument(
            "--only",
            action="append",
            metavar="PREFIX",
            help="run only checks whose id starts with PREFIX (repeatable), "
            "e.g. messages/Authorize, framing, B07",
        )
        p.add_argument(
            "--skip",
            action="append",
            metavar="PREFIX",
            help="leave out checks whose id starts with PREFIX (repeatable)",
        )
        p.add_argument("--seed", type=int, help="Hypothesis seed (default: random, printed)")
        p.add_argument(
            "--max-examples",
            type=int,
            default=25,
            help="valid requests per action (default %(default)s)",
        )
        p.add_argument(
            "--mutation-examples",
            type=int,
            default=1,
            help="examples per mutation row (default %(default)s)",
        )
        p.add_argument(
            "--time-budget",
            type=float,
            default=300.0,
            help="seconds for the whole run (default %(default)s)",
        )
        p.add_argument(
            "--timeout",
            type=float,
            default=5.0,
            help="seconds to wait for an answer (default %(default)s)",
        )
        p.add_argument("--junit", type=Path, help="write JUnit XML here")
        p.add_argument("--html", type=Path, help="write a self-contained HTML report here")
        p.add_argument("--quiet", action="store_true", help="no live progress")
        p.add_argument("--verbose", action="store_true", help="show frames of warnings too")
        p.set_defaults(func=run)


def _listen(text: str) -> str:
    _, colon, port = text.rpartition(":")
    if not (colon and port.isdigit() and int(port) <= 65535):
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT, e.g. 127.0.0.1:9000")
    return text


def _check_profile(args: argparse.Namespace, options: Options) -> None:
    """Unknown --profile ids, before anything listens or connects."""
    _, use_cases = load(args.ocpp_version)
    try:
        profile_use_cases(use_cases, options.use_cases)
    except ValueError as exc:
        raise SetupError(
            f"--profile: {exc} for OCPP {args.ocpp_version} (core, all, or ids such as "
            f"{', '.join(list(use_cases)[:3])})"
        ) from None


def options_from(args: argparse.Namespace) -> Options:
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    return Options(
        max_examples=args.max_examples,
        mutation_examples=args.mutation_examples,
        seed=seed,
        time_budget=args.time_budget,
        call_timeout=args.timeout,
        use_cases=args.profile or ["core"],
        only=args.only or [],
        skip=args.skip or [],
        accepted_token=args.accepted_token,
        blocked_token=args.blocked_token,
        heartbeat_interval=args.heartbeat_interval,
        driver=args.driver,
        evse=args.evse,
        driver_timeout=args.driver_timeout,
        pending_id=args.pending_id,
        rejected_id=args.rejected_id,
    )


def _progress(quiet: bool) -> Any:
    def show(result: CheckResult) -> None:
        if quiet:
            return
        mark = {Status.PASS: ".", Status.WARN: "w", Status.FAIL: "F", Status.SKIP: "s"}
        print(
            f"  {mark[result.status]} {result.id} ({result.examples} ex, {result.seconds:.1f} s)",
            file=sys.stderr,
            flush=True,
        )

    return show


class SetupError(Exception):
    """A command line the tester cannot start with (e.g. an unreadable certificate)."""


def _ssl_client(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.url.startswith("wss://"):
        if args.ca or args.cert:
            raise SetupError("--ca and --cert need a wss:// --url")
        return None
    try:
        return client_ssl_context(args.ca, certificate=args.cert, key=args.key)
    except (OSError, ssl.SSLError) as exc:
        raise SetupError(f"cannot load the TLS files (--ca, --cert, --key): {exc}") from exc


def _ssl_server(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.cert:
        if args.ca:
            raise SetupError("--ca (client certificates) needs --cert and --key")
        return None
    try:
        return server_ssl_context(args.cert, args.key or args.cert, client_ca=args.ca)
    except (OSError, ssl.SSLError) as exc:
        raise SetupError(f"cannot load the TLS files (--cert, --key, --ca): {exc}") from exc


async def _run(args: argparse.Namespace, options: Options) -> RunReport:
    progress = _progress(args.quiet)
    if args.target == "csms":
        return await run_against_csms(
            args.url,
            args.identity,
            options,
            version_name=args.ocpp_version,
            password=args.password,
            ssl_context=_ssl_client(args),
            progress=progress,
        )
    host, _, port = args.listen.rpartition(":")

    def listening(bound: int) -> None:
        if not args.quiet:
            scheme = "wss" if args.cert else "ws"
            print(
                f"waiting for the station at {scheme}://{host}:{bound}/<identity>",
                file=sys.stderr,
                flush=True,
            )

    return await run_against_station(
        host or "127.0.0.1",
        int(port),
        options,
        version_name=args.ocpp_version,
        wait=args.wait,
        ssl_context=_ssl_server(args),
        on_listening=listening,
        progress=progress,
    )


def run(args: argparse.Namespace) -> int:
    """Exit status: 0 all passed (warnings allowed), 1 a check failed, 2 cannot start."""
    options = options_from(args)
    try:
        _check_profile(args, options)
        if not args.quiet:
            print(f"seed {options.seed} (reproduce with --seed {options.seed})", file=sys.stderr)
        report = asyncio.run(_run(args, options))
    except SetupError as exc:
        print(f"ocppgen conformance: {exc}", file=sys.stderr)
        return 2
    render_console(report, sys.stdout, verbose=args.verbose)
    if args.junit:
        args.junit.write_text(render_junit(report), encoding="utf-8")
    if args.html:
        args.html.write_text(render_html(report), encoding="utf-8")
    return 1 if report.failed else 0
