"""`ocppgen diff OLD NEW`: what changed between two OCPP versions or schema folders, each change
classified as breaking or compatible for a payload's sender and for its receiver
(`diff_rules`), as text, Markdown or JSON, with an exit status for CI (`--fail-on`).

Exit status: 0 no change that `--fail-on` names, 1 at least one, 2 bad input (an argument that
is no version or folder, a schema the generator would refuse: every diagnostic is printed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ocppgen.codegen.diagnostics import Diagnostics, GenerationError
from ocppgen.codegen.diff_compare import compare
from ocppgen.codegen.diff_load import BadSide, load_side, schema_folder
from ocppgen.codegen.diff_render import RENDERERS, Report
from ocppgen.codegen.diff_rules import Change
from ocppgen.codegen.paths import DEFAULT_SPEC_DIR

__all__ = ["Report", "diff", "register", "run"]

_FAIL_ON: dict[str, Callable[[Change], bool]] = {
    "none": lambda c: False,
    "breaking": lambda c: c.breaking,
    "sender": lambda c: c.sender_breaking,
    "receiver": lambda c: c.receiver_breaking,
    "any": lambda c: True,
}


def diff(old: str, new: str, spec_dir: Path = DEFAULT_SPEC_DIR) -> Report:
    """Compare two inputs (versions of `spec_dir` or schema folders). Raises `BadSide` for an
    argument that is neither, `GenerationError` with every diagnostic for unusable schemas."""
    diags = Diagnostics()
    before = load_side(old, spec_dir, diags)
    after = load_side(new, spec_dir, diags)
    diags.raise_if_any()
    changes = compare(before, after)
    return Report(before.label, after.label, len(before.actions), len(after.actions), changes)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "diff",
        help="compare two OCPP versions or schema folders: breaking/compatible changes",
        description="Compare the message schemas of OLD and NEW (an OCPP version of the spec "
        "folder such as 2.0.1, or a folder of *.json schemas) and list added, removed and "
        "renamed actions, fields and enum values and changed constraints, each classified for "
        "the payload's sender (are payloads valid under OLD still valid?) and its receiver "
        "(can a receiver built for OLD take every payload valid under NEW?).",
    )
    # Checked in `run`, where --spec-dir is known.
    parser.add_argument("old", metavar="OLD", help="version or schema folder")
    parser.add_argument("new", metavar="NEW", help="version or schema folder")
    parser.add_argument(
        "--format",
        choices=sorted(RENDERERS),
        default="text",
        help="text (default), markdown (for a review) or json (for tools)",
    )
    parser.add_argument(
        "--fail-on",
        choices=list(_FAIL_ON),
        default="none",
        help="exit 1 if a change is breaking (for either end), breaking for the sender, for "
        "the receiver, or any change at all (default: none)",
    )
    parser.add_argument(
        "--spec-dir",
        type=Path,
        default=DEFAULT_SPEC_DIR,
        help="where versions are looked up (default: %(default)s)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        for side in (args.old, args.new):
            schema_folder(side, args.spec_dir)
        report = diff(args.old, args.new, args.spec_dir)
    except BadSide as exc:
        print(f"ocppgen diff: error: {exc}", file=sys.stderr)
        return 2
    except GenerationError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(f"ocppgen diff: {len(exc.diagnostics)} error(s) in the input", file=sys.stderr)
        return 2
    sys.stdout.write(RENDERERS[args.format](report))
    failing: list[Change] = [c for c in report.changes if _FAIL_ON[args.fail_on](c)]
    if failing:
        print(
            f"ocppgen diff: {len(failing)} change(s) fail --fail-on {args.fail_on}",
            file=sys.stderr,
        )
        return 1
    return 0
