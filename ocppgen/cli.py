"""The `ocppgen` command line: one entry point, one subcommand per job."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from ocppgen import __version__
from ocppgen.codegen.diagnostics import GenerationError
from ocppgen.codegen.ir import Spec  # (ir, diagnostics, paths, versions: no jinja2 or black)
from ocppgen.codegen.paths import DEFAULT_OUT_DIR, DEFAULT_SPEC_DIR, in_checkout
from ocppgen.codegen.versions import VERSIONS, Version, find_version

# The extras the commands need beyond the models and the runtime (pyproject.toml).
_CODEGEN_EXTRA = "codegen"
_APPS_EXTRA = "apps"


class MissingExtra(Exception):
    """A command's module needs a package of an extra that is not installed."""

    def __init__(self, command: str, extra: str, module: str) -> None:
        super().__init__(
            f"ocppgen {command}: needs the '{extra}' extra (no module named '{module}'); "
            f"install it with: pip install 'ocppgen[{extra}]'"
        )


@contextmanager
def _extra(command: str, extra: str) -> Iterator[None]:
    """Around the import of a command's modules: a third-party package missing -> MissingExtra.
    A missing ocppgen module is a packaging bug, not the user's: it keeps its traceback."""
    try:
        yield
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if not missing or missing.split(".")[0] == "ocppgen":
            raise
        raise MissingExtra(command, extra, missing) from exc


def _versions(names: Sequence[str] | None) -> tuple[Version, ...]:
    if not names or "all" in names:
        return VERSIONS
    chosen: list[Version] = []
    for name in names:
        version = find_version(name)  # ValueError -> argparse reports it
        if version not in chosen:
            chosen.append(version)
    return tuple(sorted(chosen, key=VERSIONS.index))


def _version_arg(value: str) -> str:
    if value != "all":
        try:
            find_version(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _existing_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is not a folder")
    return path


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (what is wrong, where the help is) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def existing_file(value: str) -> str:
    """argparse type: a file that exists (named in the usage error if not)."""
    if not Path(value).is_file():
        raise argparse.ArgumentTypeError(f"{value}: no such file")
    return value


def secret_file(value: str) -> str:
    """argparse type: the first line of a file holding a secret (kept off the command line,
    which every local user can read in /proc/PID/cmdline)."""
    try:
        lines = Path(value).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"cannot read {value}: {_reason(exc)}") from None
    if not lines or not lines[0]:
        raise argparse.ArgumentTypeError(f"{value}: the first line is empty")
    return lines[0]


def add_station_password(parser: argparse.ArgumentParser) -> None:
    """`--password` / `--password-file` (or `$OCPPGEN_STATION_PASSWORD`): a station's Basic auth
    password for security profiles 1 and 2, best kept off the command line."""
    password = parser.add_mutually_exclusive_group()
    password.add_argument(
        "--password",
        default=os.environ.get("OCPPGEN_STATION_PASSWORD") or None,
        help="Basic auth password on the command line, readable by every local user in the "
        "process list: prefer the file or the variable",
    )
    password.add_argument(
        "--password-file",
        dest="password",
        type=secret_file,
        metavar="PATH",
        default=argparse.SUPPRESS,  # the variable, via --password
        help="Basic auth password (security profiles 1 and 2): the file's first line "
        "(or $OCPPGEN_STATION_PASSWORD)",
    )


def _reason(exc: BaseException) -> str:
    """An exception as one line: OSError's strerror (its file is named by the caller)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _parser(application: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ocppgen",
        description="Generate strict, typed OCPP bindings from the official JSON schemas.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="print the version"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="generate the bindings into generated/ (or check them with --check)",
        description="Read spec/<version>/ (official schemas + our tables) and write "
        "generated/<version>/. All problems are reported together; on any error nothing "
        "is written.",
    )
    _common(gen)
    gen.add_argument(
        "--out",
        type=Path,
        help=f"output folder (default in a source checkout: {DEFAULT_OUT_DIR}; "
        "required for an installed ocppgen, whose own bindings are not to be overwritten)",
    )
    gen.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name the files that would change",
    )
    gen.add_argument(
        "--edition",
        metavar="NAME",
        help="the spec edition to read (one --version; default: the default of spec/editions.csv)",
    )
    _vendor_options(gen)

    show = sub.add_parser("show", help="summarise what the bindings contain, per version")
    _common(show)
    gen.set_defaults(func=_cmd_generate)
    show.set_defaults(func=_cmd_show)
    for name, (module, summary) in _APPLICATIONS.items():
        if name == application:
            with _extra(name, _APPS_EXTRA):
                loaded = importlib.import_module(module)
            loaded.register(sub)
        else:  # a placeholder for the overview; the real parser is loaded when it is used
            sub.add_parser(name, help=summary, add_help=False)
    return parser


# Subcommands of the applications built on the library. Each module's `register(subparsers)`
# adds its parser with `set_defaults(func=run)`, `run(args) -> int` giving the exit status. They
# are imported only when used, so `ocppgen generate` does not pay for loading them.
_APPLICATIONS: dict[str, tuple[str, str]] = {
    "csms": (
        "ocppgen.reference.csms.cli",
        "run the reference CSMS (OCPP 2.0.1) with its operator API",
    ),
    "station": ("ocppgen.reference.station.cli", "run the reference Charging Station (OCPP 2.0.1)"),
    "conformance": (
        "ocppgen.conformance.cli",
        "check a Charging Station or CSMS under test against the spec, property-based",
    ),
    "station-ctl": (
        "ocppgen.conformance.station_ctl",
        "drive a running reference station (plug_in, present_token, unplug): the tester's --driver",
    ),
    "demo": (
        "ocppgen.reference.demo",
        "start a CSMS and stations on loopback and run the basic use cases",
    ),
    # The generator's tools for maintainers (issue 16 items 4-5): no extra needed.
    "diff": (
        "ocppgen.codegen.diff",
        "compare two OCPP versions or schema folders: breaking and compatible changes",
    ),
    "validate": (
        "ocppgen.validate",
        "validate a payload, or a capture of OCPP-J frames, as the runtime would",
    ),
}


def _names(value: str) -> list[str]:
    """argparse type: a comma-separated list (`core,smart-charging`)."""
    return [name.strip() for name in value.split(",") if name.strip()]


def _vendor_options(gen: argparse.ArgumentParser) -> None:
    vendor = gen.add_argument_group(
        "vendor package",
        "write one version's bindings as your own package (needs --out and one --version)",
    )
    vendor.add_argument(
        "--package", metavar="NAME", help="the package's import name, e.g. acme_ocpp"
    )
    vendor.add_argument(
        "--distribution", action="store_true", help="also write a pyproject.toml beside it"
    )
    vendor.add_argument(
        "--extension",
        type=_existing_dir,
        metavar="DIR",
        help="a vendor extension: vendor.json and the JSON schemas of your DataTransfer "
        "messages and customData (see examples/vendor/acme)",
    )
    for option, what in (
        ("--profile", "certification profiles (2.0.1 Part 5), e.g. core,smart-charging"),
        ("--block", "functional blocks, by letter or name, e.g. K"),
        ("--action", "actions, e.g. Heartbeat,DataTransfer"),
    ):
        vendor.add_argument(
            option,
            dest=option[2:] + "s",
            action="extend",
            type=_names,
            default=[],
            metavar="A,B",
            help=f"keep only these {what}, and the types they use (may be repeated)",
        )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--version",
        dest="versions",
        action="append",
        type=_version_arg,
        metavar="VERSION",
        help="OCPP version: 1.6, 2.0.1, 2.1 or all (default: all; may be repeated)",
    )
    parser.add_argument(
        "--spec-dir",
        type=_existing_dir,
        default=DEFAULT_SPEC_DIR,
        help="input folder (default: %(default)s)",
    )


def _out_dir(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Path:
    if args.out is not None:
        return Path(args.out)
    if not (args.check or in_checkout()):  # checking the installed bindings writes nothing
        parser.error("generate: --out is required outside a source checkout")
    return DEFAULT_OUT_DIR


def _check_edition_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    versions = args.versions or []
    if args.edition is not None and ("all" in versions or len(set(versions)) != 1):
        parser.error("generate: --edition needs exactly one --version (e.g. --version 2.0.1)")


def _check_vendor_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    subset = args.profiles or args.blocks or args.actions or args.distribution or args.extension
    if args.package is None:
        if subset:
            parser.error(
                "generate: --profile, --block, --action, --distribution and --extension "
                "need --package"
            )
        return
    if args.out is None:
        parser.error("generate: --package needs --out (the folder that will hold the package)")
    versions = args.versions or []
    if "all" in versions or len({find_version(v) for v in versions}) != 1:
        parser.error("generate: --package needs exactly one --version (e.g. --version 2.0.1)")


def _cmd_generate(args: argparse.Namespace) -> int:
    if args.package is not None:
        return _cmd_generate_vendor(args)
    versions = _versions(args.versions)
    started = time.perf_counter()
    with _extra("generate", _CODEGEN_EXTRA):
        from ocppgen.codegen.pipeline import generate
    try:
        result = generate(args.spec_dir, args.out, versions, args.check, args.edition)
    except OSError as exc:
        where = exc.filename or args.out
        print(f"ocppgen generate: cannot write {where}: {_reason(exc)}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    names = ", ".join(v.name for v in versions)
    if args.check:
        if result.drift:
            print(f"generated code is out of date ({names}); run `ocppgen generate`:")
            for line in result.drift:
                print(f"  {line}")
            return 1
        print(f"generated code is up to date ({names}; {len(result.files)} files, {elapsed:.1f} s)")
        return 0
    print(
        f"generated {len(result.files)} files for OCPP {names} into {args.out} in {elapsed:.1f} s"
    )
    for spec in result.specs:
        print("  " + _summary(spec))
    return 0


def _cmd_generate_vendor(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    with _extra("generate", _CODEGEN_EXTRA):
        from ocppgen.codegen.pipeline import generate_vendor
        from ocppgen.codegen.subset import Selection
        from ocppgen.codegen.vendor import VendorRequest
    selection = Selection(tuple(args.profiles), tuple(args.blocks), tuple(args.actions))
    request = VendorRequest(args.package, selection, args.distribution, args.extension)
    version = find_version(args.versions[0])
    try:
        result = generate_vendor(
            args.spec_dir, args.out, version, request, args.check, args.edition
        )
    except OSError as exc:
        where = exc.filename or args.out
        print(f"ocppgen generate: cannot write {where}: {_reason(exc)}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    if args.check:
        for line in result.drift:
            print(f"  {line}")
        state = "out of date" if result.drift else "up to date"
        print(f"{args.out / args.package} is {state} ({len(result.files)} files, {elapsed:.1f} s)")
        return 1 if result.drift else 0
    print(
        f"generated package {args.package} ({len(result.files)} files) into {args.out} "
        f"in {elapsed:.1f} s"
    )
    print("  " + _summary(result.specs[0]))
    return 0


def _summary(spec: Spec) -> str:
    by_role = {"ChargingStation": 0, "CSMS": 0}
    for action in spec.actions:
        for role in action.initiators:
            by_role[role] += 1
    return (
        f"{spec.version.key}: {len(spec.actions)} actions "
        f"({by_role['ChargingStation']} sent by the Charging Station, "
        f"{by_role['CSMS']} by the CSMS), "
        f"{len(spec.messages)} message classes, {len(spec.datatypes)} datatypes, "
        f"{len(spec.enums)} enums, {len(spec.use_cases)} use cases"
    )


def _cmd_show(args: argparse.Namespace) -> int:
    with _extra("show", _CODEGEN_EXTRA):
        from ocppgen.codegen.pipeline import build
    for spec in build(args.spec_dir, _versions(args.versions)):
        print(
            f"OCPP {spec.version.name} (subprotocol {spec.version.subprotocol}, "
            f"package {spec.version.package})"
        )
        print("  " + _summary(spec))
        width = max(len(a.name) for a in spec.actions)
        for action in spec.actions:
            sender = " + ".join(action.initiators)
            kind = "SEND" if action.message_type == "SEND" else f"-> {action.response}"
            cases = f"  [{', '.join(action.use_cases)}]" if action.use_cases else ""
            block = action.functional_block
            print(f"  {action.name:<{width}}  {sender:<23} {block:<30} {kind}{cases}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # as a program: a closed pipe (`ocppgen show | head`) ends output quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        argv = sys.argv[1:]
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    try:
        parser = _parser(command if command in _APPLICATIONS else None)
        args = parser.parse_args(argv)
        if args.command == "generate":
            _check_edition_args(args, parser)
            _check_vendor_args(args, parser)
            args.out = _out_dir(args, parser)
        status: int = args.func(args)
        return status
    except MissingExtra as exc:  # one line, no traceback: what to install
        print(exc, file=sys.stderr)
        return 1
    except GenerationError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(f"ocppgen: {len(exc.diagnostics)} error(s); nothing was written", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl+C before a command installed its own handler
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
