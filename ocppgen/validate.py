"""`ocppgen validate`: a payload, or a whole capture of OCPP-J frames, judged as the runtime would.

    ocppgen validate --version 2.0.1 --action BootNotification [--response] FILE|-
    ocppgen validate --capture FRAMES.jsonl

A payload: every error with its JSON pointer, and the OCPP error code the runtime would answer
with (`runtime/validate.py`). A capture (the runtime's frame log, `runtime/capture.py`):
framing, correlation of ids, one outstanding CALL per direction and every payload
(`runtime/capture_check.py`), then a summary. The checks are the runtime's (its decoder,
validation and error mapping); this module parses the command line and finds the bindings.

Exit status: 0 valid, 1 problems found, 2 the input cannot be checked as asked (an unknown
version or action, an unreadable file, capture lines that are no frame-log records).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from pathlib import Path

from ocppgen.codegen.versions import find_version
from ocppgen.runtime.actions import MessageType, VersionSpec
from ocppgen.runtime.capture_check import check_capture
from ocppgen.runtime.validate import answer, error_lines, judge, not_json, parse_json

__all__ = ["load_version", "register", "run"]


def load_version(name: str) -> VersionSpec:
    """The generated `VERSION` of an OCPP version name ("2.0.1"); raises ValueError."""
    version = find_version(name)
    spec: VersionSpec = importlib.import_module(version.package).VERSION
    return spec


def _version(value: str) -> str:
    try:
        return find_version(value).name
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "validate",
        help="validate a payload, or a capture of OCPP-J frames, as the runtime would",
        description="Validate one payload (FILE, or - for stdin) of an action, printing every "
        "error with its JSON pointer and the error code the runtime would answer with; or, "
        "with --capture, a frame log as the runtime writes it (runtime/capture.py): framing, "
        "correlation of message ids, one outstanding CALL per direction, every payload.",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="the payload (JSON); - for stdin")
    parser.add_argument("--version", type=_version, help="OCPP version: 1.6, 2.0.1 or 2.1")
    parser.add_argument("--action", help="the action, e.g. BootNotification")
    parser.add_argument(
        "--response", action="store_true", help="the payload is the action's response"
    )
    parser.add_argument(
        "--capture",
        type=Path,
        metavar="FRAMES",
        help="a frame log (one JSON record per line) instead of a payload",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.capture is not None:
        if args.file or args.action or args.response or args.version:
            return _usage(
                "--capture takes no FILE, --version, --action or --response "
                "(each record names its version)"
            )
        return check_capture(args.capture, load_version)
    if not (args.file and args.version and args.action):
        return _usage("give FILE (or -), --version and --action; or --capture FRAMES")
    return _one_payload(args.file, args.version, args.action, args.response)


def _usage(message: str) -> int:
    print(f"ocppgen validate: error: {message}", file=sys.stderr)
    return 2


def _read(file: str) -> str | None:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"ocppgen validate: error: cannot read {file}: {reason}", file=sys.stderr)
        return None


def _one_payload(file: str, version_name: str, action: str, response: bool) -> int:
    version = load_version(version_name)
    spec = version.actions.get(action)
    if spec is None:
        close = difflib.get_close_matches(action, list(version.actions), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return _usage(f"OCPP {version.name} has no action {action!r}{hint}")
    cls = spec.response if response else spec.request
    if cls is None:
        return _usage(f"{action} is a one-way SEND in OCPP {version.name}: it has no response")
    text = _read(file)
    if text is None:
        return 2
    try:
        payload = parse_json(text)
    except ValueError as exc:
        verdict = not_json(version.name, f"not JSON: {exc}")
    else:
        verdict = judge(cls, payload, version.name)
    name = f"{cls.__name__} (OCPP {version.name})"
    if verdict.valid:
        print(f"{file}: valid {name}")
        return 0
    one_way = spec.message_type is MessageType.SEND
    print(
        f"{file}: invalid {name}: {len(verdict.errors)} error(s); "
        + answer(verdict, version.name, response, one_way)
    )
    print("\n".join(error_lines(verdict)))
    return 1
