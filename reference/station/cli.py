"""`ocppgen station`: run the reference Charging Station from the command line.

    ocppgen station --url ws://127.0.0.1:9000/ocpp --id CS001
    OCPPGEN_STATION_PASSWORD=secret ocppgen station --url ws://127.0.0.1:9000/ocpp --id CS001
    ocppgen station --url wss://csms.example/ocpp --id CS001 --security-profile 2 \\
        --password-file cs001.secret --ca ca.pem
    ocppgen station --url ... --id CS001 --security-profile 3 --ca ca.pem \\
        --cert cs001.pem --key cs001.key
    ocppgen station --url ... --id CS001 --script \\
        "plug_in evse=1; present_token id_token=AB12; sleep 5; unplug evse=1" --exit-after-script

It prints `control 127.0.0.1:<port>` once the control API (see `control.py`) listens, and runs
until SIGINT/SIGTERM or the control command "stop". `--set Label=value` gives a device-model
variable a vendor default (e.g. `--set SampledDataCtrlr.TxUpdatedInterval=10`). The Basic auth
password comes from `$OCPPGEN_STATION_PASSWORD` or `--password-file` (`--password` too, but the
command line is readable by every local user). Failed connection attempts are logged as warnings,
with the back-off before the next one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sqlite3
import ssl
import sys
from typing import Any

from ocppgen.cli import add_station_password, existing_file
from ocppgen.reference.station.control import ControlServer, execute
from ocppgen.reference.station.device_model import DeviceModel
from ocppgen.reference.station.station import Station
from ocppgen.runtime.security import client_ssl_context

__all__ = ["add_arguments", "main", "parse_script", "register", "run"]


class UsageError(Exception):
    """Options that do not fit together or do not fit the device model (exit status 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="CSMS URL without the identity")
    parser.add_argument("--id", required=True, dest="identity", help="Charging Station identity")
    parser.add_argument("--db", help="state file (SQLite; default: <id>.station.db)")
    parser.add_argument(
        "--evses",
        type=_evses,
        default="1",
        help="connectors per EVSE, comma separated (default: %(default)s)",
    )
    parser.add_argument(
        "--security-profile",
        type=int,
        choices=(0, 1, 2, 3),
        default=None,
        help="0 none, 1 Basic auth, 2 TLS + Basic auth, 3 TLS client certificate "
        "(default: from the other options)",
    )
    add_station_password(parser)
    parser.add_argument(
        "--ca",
        type=existing_file,
        help="CA file that signs the CSMS certificate (profiles 2, 3)",
    )
    parser.add_argument("--cert", type=existing_file, help="client certificate (profile 3)")
    parser.add_argument("--key", type=existing_file, help="client certificate key (profile 3)")
    parser.add_argument(
        "--model", default="Reference", help="BootNotification model (default: %(default)s)"
    )
    parser.add_argument(
        "--vendor", default="ocppgen", help="BootNotification vendor name (default: %(default)s)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="LABEL=VALUE",
        help="device-model vendor default, e.g. OCPPCommCtrlr.HeartbeatInterval=60",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiply every interval and timeout (simulation speed; default 1)",
    )
    parser.add_argument(
        "--control-port", type=int, default=0, help="control API port on 127.0.0.1 (0: any free)"
    )
    parser.add_argument("--script", help="control commands to run after start, ';' separated")
    parser.add_argument(
        "--exit-after-script", action="store_true", help="stop once the --script has run"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log at INFO level (default: warnings)"
    )


def _evses(text: str) -> list[int]:
    try:
        counts = [int(n) for n in text.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected connector counts per EVSE, e.g. 1 or 2,1"
        )
    return counts


def register(subparsers: Any) -> None:
    """Add the `station` subcommand to the `ocppgen` command line."""
    parser = subparsers.add_parser(
        "station",
        help="run the reference OCPP 2.0.1 Charging Station",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def parse_script(text: str) -> list[dict[str, Any]]:
    """`"plug_in evse=1; sleep 2; present_token id_token=AB"` -> control requests."""
    requests: list[dict[str, Any]] = []
    for part in text.split(";"):
        words = part.split()
        if not words:
            continue
        request: dict[str, Any] = {"cmd": words[0]}
        for word in words[1:]:
            key, equals, value = word.partition("=")
            if not equals:
                if words[0] == "sleep":
                    request["seconds"] = float(word)
                    continue
                raise ValueError(f"expected key=value, got {word!r}")
            request[key] = value
        requests.append(request)
    return requests


def _station(args: argparse.Namespace) -> Station:
    profile = args.security_profile
    if profile is None:
        profile = 3 if args.cert else (2 if args.ca else (1 if args.password else 0))
    ssl_context = _ssl_context(args) if profile >= 2 else None
    if profile in (1, 2) and not args.password:
        raise UsageError(
            "security profiles 1 and 2 need a password "
            "($OCPPGEN_STATION_PASSWORD or --password-file)"
        )
    if profile == 3 and not (args.cert and args.key):
        raise UsageError("security profile 3 needs --cert and --key")
    return Station(
        args.url,
        args.identity,
        db_path=args.db or f"{args.identity}.station.db",
        evses=args.evses,
        password=args.password if profile in (1, 2) else None,
        ssl_context=ssl_context,
        model=args.model,
        vendor=args.vendor,
        overrides=_overrides(args),
        time_scale=args.time_scale,
    )


def _ssl_context(args: argparse.Namespace) -> ssl.SSLContext:
    try:
        return client_ssl_context(args.ca, certificate=args.cert, key=args.key)
    except (OSError, ssl.SSLError) as exc:
        files = ", ".join(
            f"--{name} {path}"
            for name, path in (("ca", args.ca), ("cert", args.cert), ("key", args.key))
            if path
        )
        raise SystemExit(f"ocppgen station: cannot load the TLS files ({files}): {exc}") from None


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    """The --set values, checked against the device model before anything starts."""
    overrides = {}
    for item in args.set:
        label, equals, value = item.partition("=")
        if not equals:
            raise UsageError(f"--set {item!r}: expected LABEL=VALUE")
        overrides[label] = value
    try:
        DeviceModel(args.evses, overrides=overrides)
    except KeyError as exc:
        raise UsageError(f"--set: {exc.args[0]}") from None
    except ValueError as exc:
        raise UsageError(f"--set {exc}") from None
    return overrides


async def _main(args: argparse.Namespace) -> int:
    try:
        station = _station(args)
    except UsageError as exc:
        print(f"ocppgen station: {exc}", file=sys.stderr)
        return 2
    script = parse_script(args.script) if args.script else []
    control = ControlServer(station)
    try:
        await station.start()
    except (OSError, sqlite3.Error) as exc:
        print(
            f"ocppgen station: cannot open the state file {station.db_path}: {exc}", file=sys.stderr
        )
        return 1
    port = await control.start(args.control_port)
    print(f"control 127.0.0.1:{port}", flush=True)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, control.stopped.set)
    status = 0
    try:
        for request in script:
            if request["cmd"] == "sleep":
                await asyncio.sleep(float(request.get("seconds", 1)))
                continue
            answer = await execute(station, request)
            print(json.dumps({"script": request, **answer}), flush=True)
            if not answer["ok"]:
                status = 1
        if not (args.exit_after_script and script):
            await control.stopped.wait()
    finally:
        await control.close()
        await station.stop()
    return status


def run(args: argparse.Namespace) -> int:
    # Warnings by default: every failed connection attempt, with the back-off before the next.
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(_main(args))


def main(argv: list[str] | None = None) -> int:
    """Run without the `ocppgen` entry point: `python -m ocppgen.reference.station.cli`."""
    parser = argparse.ArgumentParser(prog="ocppgen station", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
