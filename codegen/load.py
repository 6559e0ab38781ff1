"""Stage 1: read the inputs from disk, without interpreting them.

Schemas are read as `utf-8-sig` (some official files start with a byte-order mark); tables are
CSV. A file that cannot be read or parsed becomes a diagnostic, not an exception.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.versions import Version


@dataclass(frozen=True)
class SchemaFile:
    path: str  # as shown in diagnostics, relative to the spec folder: "v201/schemas/X.json"
    stem: str  # file name without ".json"
    document: Any


@dataclass(frozen=True)
class Table:
    path: str
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]  # row numbers in diagnostics count the header as row 1


@dataclass(frozen=True)
class Inputs:
    version: Version
    schemas: tuple[SchemaFile, ...]
    messages: Table | None
    usecases: Table | None
    unreadable: tuple[str, ...] = ()  # stems of schema files that could not be read (reported)


def load_inputs(spec_dir: Path, version: Version, diags: Diagnostics) -> Inputs:
    base = spec_dir / version.key
    schema_dir = spec_dir / version.schema_folder
    schemas: list[SchemaFile] = []
    unreadable: list[str] = []
    if not schema_dir.is_dir():
        diags.error(_show(spec_dir, schema_dir), "", "schema folder is missing")
    else:
        for path in sorted(schema_dir.glob("*.json")):
            loaded = _load_json(spec_dir, path, diags)
            if loaded is not None:
                schemas.append(loaded)
            else:
                unreadable.append(path.stem)
    return Inputs(
        version=version,
        schemas=tuple(schemas),
        messages=_load_table(spec_dir, base / "messages.csv", diags),
        usecases=_load_table(spec_dir, base / "usecases.csv", diags),
        unreadable=tuple(unreadable),
    )


def _show(spec_dir: Path, path: Path) -> str:
    try:
        return str(path.relative_to(spec_dir))
    except ValueError:
        return str(path)


def _load_json(spec_dir: Path, path: Path, diags: Diagnostics) -> SchemaFile | None:
    shown = _show(spec_dir, path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        diags.error(shown, "", f"cannot read the file: {exc}")
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        diags.error(shown, f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}")
        return None
    return SchemaFile(path=shown, stem=path.stem, document=document)


def load_table(
    spec_dir: Path, path: Path, diags: Diagnostics, optional: bool = False
) -> Table | None:
    """A CSV table; None (reported unless `optional`) if it is missing or unreadable."""
    if optional and not path.exists():
        return None
    return _load_table(spec_dir, path, diags)


def _load_table(spec_dir: Path, path: Path, diags: Diagnostics) -> Table | None:
    shown = _show(spec_dir, path)
    if not path.is_file():
        diags.error(shown, "", "table is missing")
        return None
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            rows = tuple(dict(row) for row in reader)
            header = tuple(reader.fieldnames or ())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        diags.error(shown, "", f"cannot read the table: {exc}")
        return None
    return Table(path=shown, header=header, rows=rows)


def read_renames(
    spec_dir: Path, version: Version, diags: Diagnostics
) -> dict[tuple[str, str], str]:
    """Explicit names for inline types (spec/<version>/names.csv: file,pointer,name); optional."""
    path = spec_dir / version.key / "names.csv"
    if not path.is_file():
        return {}
    table = _load_table(spec_dir, path, diags)
    if table is None:
        return {}
    if table.header != ("file", "pointer", "name"):
        diags.error(table.path, "row 1", "header must be file,pointer,name")
        return {}
    renames: dict[tuple[str, str], str] = {}
    for number, row in enumerate(table.rows, start=2):
        file = f"{version.schema_folder}/{row['file'].strip()}"
        if not (spec_dir / file).is_file():
            diags.error(table.path, f"row {number}", f"no schema file {row['file']!r}")
            continue
        name = row["name"].strip()
        if not name.isidentifier() or not name[:1].isupper():
            diags.error(table.path, f"row {number}", f"{name!r} is not a class name")
            continue
        renames[(file, row["pointer"].strip())] = name
    return renames
