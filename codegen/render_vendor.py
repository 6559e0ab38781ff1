"""The IR's VendorExtension -> `vendor.py` and the verbatim schemas beside it (issue 16 item 2).

`handlers.py` bases its classes on the mixins of `vendor.py` (render_roles passes `vendor`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ocppgen.codegen.ir import EnumRef, Model, Spec, VendorExtension, VendorMessage
from ocppgen.codegen.render import annotation
from ocppgen.codegen.templating import HEADER, environment

_ROLES = {"ChargingStation": "Role.CHARGING_STATION", "CSMS": "Role.CSMS"}
_VIEWS = (
    ("CSMS", "Csms", "CSMS", "Charging Station"),
    ("ChargingStation", "ChargingStation", "Charging Station", "CSMS"),
)


@dataclass(frozen=True)
class _RoleView:
    classes: str
    title: str
    peer_title: str
    receives: tuple[VendorMessage, ...]
    sends: tuple[VendorMessage, ...]


def _role_views(vendor: VendorExtension) -> list[_RoleView]:
    views = []
    for role, classes, title, peer in _VIEWS:
        receives = tuple(m for m in vendor.messages if any(i != role for i in m.initiators))
        sends = tuple(m for m in vendor.messages if role in m.initiators)
        views.append(_RoleView(classes, title, peer, receives, sends))
    return views


def _status_enum(spec: Spec) -> str:
    response = next(m for m in spec.messages if m.name == "DataTransferResponse")
    status = next(f for f in response.fields if f.wire_name == "status")
    assert isinstance(status.type, EnumRef)
    return status.type.name


def _imports(models: tuple[Model, ...], annotations: dict[str, dict[str, str]]) -> list[str]:
    texts = [a for fields in annotations.values() for a in fields.values()]
    runtime = {"AnyJson", "OcppEnum", "OcppModel", "OpenOcppModel", "NoJsonNull"}
    runtime |= {"String", "Integer", "Number", "Boolean", "DateTime"}
    used = {name for name in runtime if any(name in text for text in texts)}
    used |= {"AnyJson", "OcppEnum", "OcppModel"} | {"OpenOcppModel" for m in models if m.open}
    lines = []
    if any("Annotated[" in text for text in texts):
        lines.append("from typing import Annotated")
    if any("Field(" in text for text in texts):
        lines += ["", "from pydantic import Field"]
    return [*lines, "", f"from ocppgen.runtime.model import {', '.join(sorted(used))}"]


def render_vendor(spec: Spec) -> dict[str, str]:
    """`<package>/vendor.py` (unformatted) and `<package>/<folder>/*.json`; {} without one."""
    vendor = spec.vendor
    if vendor is None:
        return {}
    folder = spec.version.folder
    annotations = {m.name: {f.name: annotation(f) for f in m.fields} for m in vendor.models}
    views = _role_views(vendor)
    mixins = [f"{v.classes}Vendor{kind}" for v in views for kind in ("Handlers", "Calls")]
    names = [*(e.name for e in vendor.enums), *(m.name for m in vendor.models)]
    text = (
        environment()
        .get_template("vendor.py.jinja")
        .render(
            header=HEADER.format(key=spec.version.key),
            version=spec.version,
            vendor=vendor,
            imports=_imports(vendor.models, annotations),
            annotations=annotations,
            status_enum=_status_enum(spec),
            roles=_ROLES,
            role_views=views,
            all_names=sorted(["VENDOR", *mixins, *names]),
        )
    )
    files = {f"{folder}/vendor.py": text}
    for name, schema in vendor.schemas:
        files[f"{folder}/{vendor.folder}/{name}"] = schema
    return files
