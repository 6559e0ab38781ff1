"""Spec editions as inputs (issue 16 item 3).

`spec/editions.csv` (`version,edition,default,source`) is the one place that lists each
version's editions and says which one is the default. The default edition of today's inputs,
`base`, is the schema folder every tool already reads (`spec/<key>/schemas/`, hashes in
`spec/SHA256SUMS`, provenance in `spec/PROVENANCE.md`); every other edition lives beside it in
`spec/<key>/editions/<edition>/` with `schemas/`, `SHA256SUMS` and `PROVENANCE.md`, and its
hashes are checked on every run. The tables (`messages.csv`, `usecases.csv`, `profiles.csv`)
are facts of the version and shared by its editions.

Adding an edition (copies the schema files, writes their hashes, a provenance note and the
table row; `--default` also makes it the default):

    python -m ocppgen.codegen.editions --version 2.0.1 --edition ed4 --from DIR \\
        --source "where the files come from" [--default]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.paths import DEFAULT_SPEC_DIR
from ocppgen.codegen.versions import Version, find_version

TABLE = "editions.csv"
COLUMNS = ("version", "edition", "default", "source")
BASE = "base"  # the edition in spec/<key>/schemas/


def _rows(spec_dir: Path, diags: Diagnostics | None) -> list[dict[str, str]]:
    path = spec_dir / TABLE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS and diags is not None:
            diags.error(TABLE, "row 1", f"header must be {','.join(COLUMNS)}")
            return []
        return list(reader)


def editions(spec_dir: Path, version: Version) -> list[str]:
    return [r["edition"] for r in _rows(spec_dir, None) if r["version"] == version.name]


def choose(spec_dir: Path, version: Version, edition: str | None, diags: Diagnostics) -> Version:
    """`version` reading the asked edition (or the default one); unknown names are reported."""
    rows = [r for r in _rows(spec_dir, diags) if r["version"] == version.name]
    if edition is None:
        defaults = [r["edition"] for r in rows if r["default"] == "yes"]
        if len(defaults) > 1:
            diags.error(TABLE, version.name, f"more than one default edition: {defaults}")
        edition = defaults[0] if defaults else BASE
    elif edition not in [r["edition"] for r in rows]:
        known = ", ".join(r["edition"] for r in rows) or "none"
        diags.error("--edition", edition, f"no such edition of {version.name}; known: {known}")
        return version
    return version if edition == BASE else replace(version, edition=edition)


def check_hashes(spec_dir: Path, version: Version, diags: Diagnostics) -> None:
    """Every schema file of a non-base edition must be listed in its SHA256SUMS, and match."""
    if not version.edition:
        return
    folder = spec_dir / version.key / "editions" / version.edition
    sums = folder / "SHA256SUMS"
    shown = sums.relative_to(spec_dir).as_posix()
    if not sums.is_file():
        diags.error(shown, "", "missing: every edition lists the sha256 of its files")
        return
    listed: dict[str, str] = {}
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            diags.error(shown, f"line {number}", "not `<sha256>  <path>`")
            continue
        listed[name] = digest
    on_disk = {p.relative_to(folder).as_posix() for p in (folder / "schemas").glob("*.json")}
    for name in sorted(on_disk | listed.keys()):
        if name not in listed:
            diags.error(shown, name, "a schema file is not listed")
        elif name not in on_disk:
            diags.error(shown, name, "lists a file that is missing")
        elif _sha256(folder / name) != listed[name]:
            diags.error(
                f"{shown[: -len('SHA256SUMS')]}{name}", "", "sha256 differs from SHA256SUMS"
            )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_edition(
    spec_dir: Path, version: Version, edition: str, source_dir: Path, source: str, default: bool
) -> Path:
    """Copy `source_dir/*.json` into a new edition folder with its SHA256SUMS and provenance
    note, and add its row to editions.csv (made the default if asked). Returns the folder."""
    rows = _rows(spec_dir, None) or [_base_row(version)]
    if not edition.replace("-", "").replace(".", "").isalnum() or edition == BASE:
        raise ValueError(f"{edition!r}: an edition name is letters, digits, '-' and '.'")
    if any(r["version"] == version.name and r["edition"] == edition for r in rows):
        raise ValueError(f"{version.name} already has an edition {edition!r}")
    files = sorted(source_dir.glob("*.json"))
    if not files:
        raise ValueError(f"{source_dir}: no *.json schema files")
    folder = spec_dir / version.key / "editions" / edition
    with tempfile.TemporaryDirectory(dir=spec_dir) as scratch:
        staged = Path(scratch) / edition
        (staged / "schemas").mkdir(parents=True)
        for file in files:
            shutil.copyfile(file, staged / "schemas" / file.name)
        sums = "".join(f"{_sha256(f)}  schemas/{f.name}\n" for f in files)
        (staged / "SHA256SUMS").write_text(sums, encoding="utf-8")
        (staged / "PROVENANCE.md").write_text(_provenance(version, edition, source), "utf-8")
        folder.parent.mkdir(parents=True, exist_ok=True)
        staged.rename(folder)
    if default:
        rows = [{**r, "default": "no"} if r["version"] == version.name else r for r in rows]
    rows.append(
        {"version": version.name, "edition": edition, "default": "yes" if default else "no"}
        | {"source": source}
    )
    _write(spec_dir, rows)
    return folder


def _base_row(version: Version) -> dict[str, str]:
    return {
        "version": version.name,
        "edition": BASE,
        "default": "yes",
        "source": "spec/PROVENANCE.md",
    }


def _provenance(version: Version, edition: str, source: str) -> str:
    return (
        f"# OCPP {version.name}, edition `{edition}`\n\n"
        f"Source: {source}\n\n"
        "The schema files in `schemas/` are copied byte for byte (the OCA's, CC BY-ND 4.0: never\n"
        "edit them); `SHA256SUMS` lists their hashes and the generator checks them on every run.\n"
        "Added with `python -m ocppgen.codegen.editions`.\n"
    )


def _write(spec_dir: Path, rows: list[dict[str, str]]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["version"], r["edition"])))
    (spec_dir / TABLE).write_text(text.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="add a spec edition (see the module docstring)")
    parser.add_argument("--version", required=True, help="OCPP version, e.g. 2.0.1")
    parser.add_argument("--edition", required=True, help="the edition's name, e.g. ed4")
    parser.add_argument("--from", dest="source_dir", type=Path, required=True, help="*.json")
    parser.add_argument("--source", required=True, help="where the files come from")
    parser.add_argument("--default", action="store_true", help="make it the default edition")
    parser.add_argument("--spec-dir", type=Path, default=DEFAULT_SPEC_DIR)
    args = parser.parse_args(argv)
    try:
        version = find_version(args.version)
        folder = add_edition(
            args.spec_dir, version, args.edition, args.source_dir, args.source, args.default
        )
    except (ValueError, OSError) as exc:
        print(f"ocppgen editions: {exc}", file=sys.stderr)
        return 2
    print(
        f"added {folder}; generate with: ocppgen generate --version {version.name} "
        f"--edition {args.edition}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
