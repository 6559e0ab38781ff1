"""`ocppgen station`: run the reference Charging Station from the command line.

    ocppgen station --url ws://127.0.0.1:9000/ocpp --id CS001
    ocppgen station --url wss://csms.example/ocpp --id CS001 --security-profile 2 \\
        --password secret --ca ca.pem
    ocppgen station --url ... --id CS001 --security-profile 3 --ca ca.pem \\
        --cert cs001.pem --key cs001.key
    ocppgen station --url ... --id CS001 --script \\
        "plug_in evse=1; present_token id_token=AB12; sleep 5; unplug evse=1" --exit-after-script

It prints `control 127.0.0.1:<port>` once the control API (see `control.py`) listens, and runs
until SIGINT/SIGTERM or the control command "stop". `--set Label=value` gives a device-model
variable a vendor default (e.g. `--set SampledDataCtrlr.TxUpdatedInterval=10`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from typing import Any

from ocppgen.reference.station.control import ControlServer, execute
from ocppgen.reference.station.station import Station
from ocppgen.runtime.security import client_ssl_context

__all__ = ["add_arguments", "main", "parse_script", "register", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="CSMS URL without the identity")
    parser.add_argument("--id", required=True, dest="identity", help="Charging Station identity")
    parser.add_argument("--db", help="state file (SQLite; default: <id>.station.db)")
    parser.add_argument(
        "--evses", default="1", help="connectors per EVSE, comma separated (default: %(default)s)"
    )
    parser.add_argument(
        "--security-profile",
        type=int,
        choices=(0, 1, 2, 3),
        default=None,
        help="0 none, 1 Basic auth, 2 TLS + Basic auth, 3 TLS client certificate "
        "(default: from the other options)",
    )
    parser.add_argument("--password", help="Basic auth password (profiles 1 and 2)")
    parser.add_argument("--ca", help="CA file that signs the CSMS certificate (profiles 2, 3)")
    parser.add_argument("--cert", help="client certificate (profile 3)")
    parser.add_argument("--key", help="client certificate key (profile 3)")
    parser.add_argument("--model", default="Reference")
    parser.add_argument("--vendor", default="ocppgen")
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
    parser.add_argument("--control-port", type=int, default=0, help="0: any free port")
    parser.add_argument("--script", help="control commands to run after start, ';' separated")
    parser.add_argument("--exit-after-script", action="store_true")


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
    ssl_context = None
    if profile >= 2:
        ssl_context = client_ssl_context(args.ca, certificate=args.cert, key=args.key)
    if profile in (1, 2) and not args.password:
        raise SystemExit("security profiles 1 and 2 need --password")
    if profile == 3 and not (args.cert and args.key):
        raise SystemExit("security profile 3 needs --cert and --key")
    overrides = {}
    for item in args.set:
        label, equals, value = item.partition("=")
        if not equals:
            raise SystemExit(f"--set {item!r}: expected LABEL=VALUE")
        overrides[label] = value
    return Station(
        args.url,
        args.identity,
        db_path=args.db or f"{args.identity}.station.db",
        evses=[int(n) for n in args.evses.split(",")],
        password=args.password if profile in (1, 2) else None,
        ssl_context=ssl_context,
        model=args.model,
        vendor=args.vendor,
        overrides=overrides,
        time_scale=args.time_scale,
    )


async def _main(args: argparse.Namespace) -> int:
    station = _station(args)
    script = parse_script(args.script) if args.script else []
    control = ControlServer(station)
    await station.start()
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
    return asyncio.run(_main(args))


def main(argv: list[str] | None = None) -> int:
    """Run without the `ocppgen` entry point: `python -m ocppgen.reference.station.cli`."""
    parser = argparse.ArgumentParser(prog="ocppgen station", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
