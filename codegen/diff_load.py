"""The inputs of `ocppgen diff`: an OCPP version of spec/ or a folder of schema files.

Schemas are read and checked by the generator's own stages 1 and 2 (`load`, `schema`), so a
file the generator would refuse is refused here with the same diagnostic.
"""

from __future__ import annotations

from pathlib import Path

from ocppgen.codegen import naming
from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.diff_compare import Side
from ocppgen.codegen.load import _load_json
from ocppgen.codegen.schema import Document, parse_document
from ocppgen.codegen.versions import find_version


class BadSide(ValueError):
    """An argument that is neither a known version nor a folder (a usage error)."""


def schema_folder(spec: str, spec_dir: Path) -> tuple[str, Path, Path]:
    """(label, folder of *.json files, base the diagnostics show paths from) for an argument:
    a version ("2.0.1", "v201") of `spec_dir`, a folder holding schemas/, or a schema folder."""
    try:
        version = find_version(spec)
    except ValueError:
        path = Path(spec)
        if not path.is_dir():
            raise BadSide(
                f"{spec!r} is neither an OCPP version (1.6, 2.0.1, 2.1) nor a folder"
            ) from None
        folder = path / "schemas" if (path / "schemas").is_dir() else path
        return spec, folder, folder.parent
    return version.name, spec_dir / version.key / "schemas", spec_dir


def load_side(spec: str, spec_dir: Path, diags: Diagnostics) -> Side:
    label, folder, base = schema_folder(spec, spec_dir)
    actions: dict[str, dict[str, Document]] = {}
    files = sorted(folder.glob("*.json"))
    if not files:
        diags.error(str(folder), "", "no schema files (*.json) in this folder")
    for path in files:
        loaded = _load_json(base, path, diags)
        if loaded is None:
            continue
        doc = parse_document(loaded.path, loaded.stem, loaded.document, diags)
        if doc is None:
            continue
        name, kind = naming.action_of(loaded.stem)
        if kind in actions.setdefault(name, {}):
            diags.error(loaded.path, "", f"second {kind} schema for action {name!r}")
            continue
        actions[name][kind] = doc
    for name, docs in sorted(actions.items()):
        if "request" not in docs:
            diags.error(docs["response"].file, "", f"a response schema without a request: {name}")
    return Side(label, actions)
