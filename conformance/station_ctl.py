"""A `--driver` for the reference Charging Station: one driver step -> one control command.

The reference station (`ocppgen station`) serves a JSON-lines control API on 127.0.0.1 and
prints `control 127.0.0.1:<port>` when it listens (`--control-port` fixes the port). This
program turns the conformance tester's driver steps into its commands:

    plug_in EVSE               -> {"cmd": "plug_in", "evse": EVSE}
    present_token TOKEN [EVSE] -> {"cmd": "present_token", "id_token": TOKEN,
                                   "type": "ISO14443", "evse": EVSE}
    unplug EVSE                -> {"cmd": "unplug", "evse": EVSE}

and exits 0 when the station answered `{"ok": true, ...}` (the answer is printed), 1 when it
refused (its error is printed), 2 when the control port cannot be reached. Usage:

    ocppgen station --url ws://127.0.0.1:9000 --id CS001 --control-port 9100 &
    ocppgen conformance station --listen 127.0.0.1:9000 \\
        --driver "python -m ocppgen.conformance.station_ctl --control 127.0.0.1:9100"

Use it by its module, as above: it imports only the standard library, so a step takes
0.02-0.03 s. The same program as `ocppgen station-ctl` first loads the whole ocppgen command line
(pydantic, websockets, ...): about 0.12-0.15 s a step.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "register", "request_for", "run"]


def request_for(step: str, args: Sequence[str]) -> dict[str, Any]:
    """The control request for one driver step (ValueError for anything else)."""
    if step in ("plug_in", "unplug") and len(args) == 1 and args[0].isdigit():
        return {"cmd": step, "evse": int(args[0])}
    token = {"cmd": step, "id_token": args[0] if args else "", "type": "ISO14443"}
    if step == "present_token" and len(args) == 1:
        return token
    if step == "present_token" and len(args) == 2 and args[1].isdigit():
        return {**token, "evse": int(args[1])}
    raise ValueError(
        f"expected plug_in EVSE, present_token IDTOKEN [EVSE] or unplug EVSE, got {step!r}"
    )


def _send(address: str, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    host, _, port = address.rpartition(":")
    with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout) as sock:
        sock.sendall(json.dumps(request).encode() + b"\n")
        with sock.makefile("rb") as stream:
            line = stream.readline()
    if not line:
        raise ConnectionError("the station closed the control connection without an answer")
    answer = json.loads(line)
    if not isinstance(answer, dict):
        raise ConnectionError(f"unexpected answer {line!r}")
    return answer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--control", required=True, metavar="HOST:PORT", help="the station's control address"
    )
    parser.add_argument(
        "--timeout", type=float, default=25.0, help="seconds to wait for the station's answer"
    )
    parser.add_argument(
        "step",
        choices=["plug_in", "present_token", "unplug"],
        help="the driver step: plug_in EVSE, present_token IDTOKEN [EVSE] or unplug EVSE",
    )
    parser.add_argument(
        "arguments", nargs="+", help="the evseId (plug_in, unplug); the idToken [and evseId]"
    )


def run(args: argparse.Namespace) -> int:
    try:
        request = request_for(args.step, args.arguments)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        answer = _send(args.control, request, args.timeout)
    except (OSError, ValueError) as exc:
        print(f"control {args.control}: {exc}", file=sys.stderr)
        return 2
    if answer.get("ok") is True:
        print(json.dumps(answer.get("result")))
        return 0
    print(f"the station refused {request}: {answer.get('error')}", file=sys.stderr)
    return 1


def register(subparsers: Any) -> None:
    """`ocppgen station-ctl`: the same program as a subcommand."""
    parser = subparsers.add_parser(
        "station-ctl",
        help="drive a running reference station (plug_in, present_token, unplug); as a "
        "--driver, `python -m ocppgen.conformance.station_ctl` is faster (0.02-0.03 s a step)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ocppgen.conformance.station_ctl",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
