"""A vendor extension folder -> the IR's VendorExtension (issue 16 item 2).

The folder holds `vendor.json` (vendorId, DataTransfer messages, customData extensions) and the
JSON schemas it names (see examples/vendor/acme/README.md). The schemas are built like the
official ones (same schema subset, same naming), in a namespace of their own: a class or enum
name that the version already uses is an error, as is anything vendor.json gets wrong. Every
problem is one diagnostic naming the file and where in it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from ocppgen.codegen import naming
from ocppgen.codegen.build import _Builder, _dependency_order
from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.ir import Spec, VendorCustomData, VendorExtension, VendorMessage
from ocppgen.codegen.load import Inputs
from ocppgen.codegen.schema import parse_document

MANIFEST = "vendor.json"
SHIPPED = "vendor_schemas"  # the schemas' folder inside the generated package (verbatim)
_ROLES = {
    "ChargingStation": ("ChargingStation",),
    "CSMS": ("CSMS",),
    "Both": ("CSMS", "ChargingStation"),
}


class _Reader:
    def __init__(self, folder: Path, spec: Spec, diags: Diagnostics) -> None:
        self.folder, self.spec, self.diags = folder, spec, diags
        self.manifest = f"{folder.name}/{MANIFEST}"
        self.builder = _Builder(Inputs(spec.version, (), None, None), diags, {})
        self.schemas: dict[str, str] = {}  # file name -> text
        self.roots: dict[str, str] = {}  # class name -> file name

    def error(self, where: str, message: str, file: str | None = None) -> None:
        self.diags.error(file or self.manifest, where, message)

    def schema(self, where: str, name: Any) -> str | None:
        """Build the schema file `name` (a class named after its stem); its class name."""
        if not isinstance(name, str) or Path(name).name != name or not name.endswith(".json"):
            self.error(where, "must name a .json file in the extension folder")
            return None
        shown, stem = f"{self.folder.name}/{name}", name[: -len(".json")]
        if stem in self.roots:
            return stem
        try:
            text = (self.folder / name).read_text(encoding="utf-8-sig")
            raw = json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.error(where, f"cannot read {shown}: {exc}")
            return None
        if not stem.isidentifier() or not stem[:1].isupper():
            self.error("", "the file name must be a class name (e.g. SetLedColor.json)", shown)
            return None
        doc = parse_document(shown, stem, raw, self.diags)
        if doc is None:
            return None
        if doc.root.type != "object":
            self.error("", "a vendor schema must be an object", shown)
            return None
        self.builder.document(doc, stem, "datatype", None)
        self.schemas[name], self.roots[stem] = text, name
        return stem

    def message(self, index: int, entry: Any) -> VendorMessage | None:
        where = f"/dataTransfer/{index}"
        if not isinstance(entry, dict):
            self.error(where, "must be an object")
            return None
        message_id = entry.get("messageId")
        if not isinstance(message_id, str) or not 0 < len(message_id) <= 50:
            self.error(f"{where}/messageId", "must be a string of 1 to 50 characters")
            return None
        initiators = _ROLES.get(entry.get("initiator", ""))
        if initiators is None:
            self.error(f"{where}/initiator", f"must be one of {', '.join(_ROLES)}")
        request = self.schema(f"{where}/request", entry.get("request"))
        response = entry.get("response")
        if response is not None:
            response = self.schema(f"{where}/response", response)
            if response is None:
                return None
        if request is None or initiators is None:
            return None
        snake = naming.field_name(message_id).rstrip("_")
        return VendorMessage(message_id, request, response, initiators, snake)

    def custom_data(self, index: int, entry: Any) -> VendorCustomData | None:
        where = f"/customData/{index}"
        if not isinstance(entry, dict):
            self.error(where, "must be an object")
            return None
        message = entry.get("message")
        model = next((m for m in self.spec.messages if m.name == message), None)
        if model is None or not any(f.wire_name == "customData" for f in model.fields):
            self.error(f"{where}/message", f"{message!r} is not a message of this package")
            return None
        name = self.schema(f"{where}/schema", entry.get("schema"))
        if name is None:
            return None
        fields = {f.wire_name: f for f in self.builder.models[name].fields}
        if "vendorId" not in fields or not fields["vendorId"].required:
            self.error("/required", "customData must require vendorId", self.roots[name])
            return None
        return VendorCustomData(model.name, name)


def read_extension(folder: Path, spec: Spec, package: str, diags: Diagnostics) -> Spec:
    """`spec` with the extension in `folder` (reported, and `spec` unchanged, on errors)."""
    reader = _Reader(folder, spec, diags)
    manifest = _manifest(reader)
    if manifest is None:
        return spec
    before = len(diags.items)
    if "DataTransfer" not in {a.name for a in spec.actions} or spec.version.key == "v16":
        reader.error("", f"needs OCPP 2.x with DataTransfer (not {spec.version.name})")
        return spec
    messages = [reader.message(i, e) for i, e in enumerate(_list(reader, manifest, "dataTransfer"))]
    custom = [reader.custom_data(i, e) for i, e in enumerate(_list(reader, manifest, "customData"))]
    kept = [m for m in messages if m is not None]
    _check_unique(reader, kept)
    _check_names(reader, spec)
    if len(diags.items) > before:
        return spec
    prefix = f"{package}:{SHIPPED}/"
    models = [
        replace(m, source=prefix + m.source.split("/", 1)[1])
        for m in _dependency_order(list(reader.builder.models.values()))
    ]
    extension = VendorExtension(
        vendor_id=manifest["vendorId"],
        folder=SHIPPED,
        messages=tuple(sorted(kept, key=lambda m: m.message_id)),
        custom_data=tuple(c for c in custom if c is not None),
        models=tuple(models),
        enums=tuple(sorted(reader.builder.enums.values(), key=lambda e: e.name)),
        schemas=tuple(sorted(reader.schemas.items())),
    )
    return replace(spec, vendor=extension)


def _manifest(reader: _Reader) -> dict[str, Any] | None:
    try:
        raw = json.loads((reader.folder / MANIFEST).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reader.error("", f"cannot read the manifest: {exc}")
        return None
    if not isinstance(raw, dict):
        reader.error("", "must be a JSON object")
        return None
    vendor_id = raw.get("vendorId")
    if not isinstance(vendor_id, str) or not 0 < len(vendor_id) <= 255:
        reader.error("/vendorId", "must be a string of 1 to 255 characters")
        return None
    unknown = sorted(set(raw) - {"vendorId", "dataTransfer", "customData", "description"})
    if unknown:
        reader.error(f"/{unknown[0]}", "unknown key")
        return None
    return raw


def _list(reader: _Reader, manifest: dict[str, Any], key: str) -> list[Any]:
    value = manifest.get(key, [])
    if not isinstance(value, list):
        reader.error(f"/{key}", "must be a list")
        return []
    return value


def _check_unique(reader: _Reader, messages: list[VendorMessage]) -> None:
    seen: dict[str, str] = {}
    for message in messages:
        for key in (message.message_id, message.snake):
            if key in seen and seen[key] != message.message_id:
                reader.error("/dataTransfer", f"{message.message_id!r} and {seen[key]!r} clash")
            seen.setdefault(key, message.message_id)
    ids = [m.message_id for m in messages]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        reader.error("/dataTransfer", f"messageId {duplicate!r} is listed twice")


def _check_names(reader: _Reader, spec: Spec) -> None:
    """A vendor class or enum may not take a name of the version's own types."""
    taken = {m.name for m in (*spec.messages, *spec.datatypes)} | {e.name for e in spec.enums}
    for name, named in sorted(reader.builder.named.items()):
        if name in taken:
            file, _, pointer = named.where.partition("#")
            reader.error(pointer, f"{name!r} collides with a standard OCPP name", file)
