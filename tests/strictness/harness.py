"""Feed the same JSON text to a generated model and to the official schema, and compare.

The schema side is `jsonschema` with the schema's own draft (Draft4Validator for `draft-04`
files, Draft6Validator for `draft-06`) and that draft's format checker, so `date-time` is
checked (rfc3339-validator). The model side is `Cls.from_json(text)`, the wire entry point.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

import jsonschema
from pydantic import ValidationError

from ocppgen.runtime.actions import VersionSpec
from ocppgen.runtime.model import OcppModel

__all__ = [
    "SPEC",
    "VERSIONS",
    "Message",
    "Verdict",
    "draft_of",
    "iter_messages",
    "load_schema",
    "message",
    "messages",
    "model_verdict",
    "schema_verdict",
    "strict_json",
]

SPEC = Path(__file__).resolve().parents[2] / "spec"
VERSIONS = ("v16", "v201", "v21")

Verdict = Literal["accept", "reject"]


@dataclass(frozen=True)
class Message:
    """One generated message class and the official schema file it was generated from."""

    version: str
    name: str
    cls: type[OcppModel]
    schema_file: str

    @property
    def id(self) -> str:
        return f"{self.version}-{self.name}"


def _schema_file(version: str, class_name: str) -> str:
    # OCPP 1.6 names a request's schema after the action (BootNotification.json); 2.x keeps
    # the Request suffix. 2.1's one-way SEND (NotifyPeriodicEventStream) has no suffix at all.
    if version == "v16" and class_name.endswith("Request"):
        return class_name.removesuffix("Request") + ".json"
    return class_name + ".json"


@cache
def messages(version: str) -> tuple[Message, ...]:
    """Every request and response class of a version, in action order."""
    spec: VersionSpec = import_module(f"ocppgen.generated.{version}").VERSION
    found: list[Message] = []
    for action in spec.actions.values():
        for cls in (action.request, action.response):
            if cls is not None:
                found.append(
                    Message(version, cls.__name__, cls, _schema_file(version, cls.__name__))
                )
    return tuple(found)


def message(version: str, name: str) -> Message:
    for candidate in messages(version):
        if candidate.name == name:
            return candidate
    raise LookupError(f"{version} has no message class {name}")


@cache
def load_schema(version: str, schema_file: str) -> dict[str, Any]:
    path = SPEC / version / "schemas" / schema_file
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return schema


@cache
def _validator(version: str, schema_file: str) -> Any:
    schema = load_schema(version, schema_file)
    draft = schema["$schema"]
    if "draft-04" in draft:
        cls: Any = jsonschema.Draft4Validator
    elif "draft-06" in draft:
        cls = jsonschema.Draft6Validator
    else:  # pragma: no cover - the pinned schemas use only these two
        raise ValueError(f"{version}/{schema_file}: unexpected $schema {draft}")
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def draft_of(version: str, schema_file: str) -> str:
    return "draft-04" if "draft-04" in load_schema(version, schema_file)["$schema"] else "draft-06"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """Decode JSON text as RFC 8259 has it: NaN, Infinity and -Infinity are not JSON."""
    return json.loads(text, parse_constant=_no_constant)


def schema_verdict(msg: Message, text: str) -> tuple[Verdict, str]:
    """The official schema's verdict on JSON text, and the reason for a rejection."""
    try:
        instance = strict_json(text)
    except ValueError as exc:
        return "reject", f"not JSON: {exc}"
    error = jsonschema.exceptions.best_match(
        _validator(msg.version, msg.schema_file).iter_errors(instance)
    )
    if error is None:
        return "accept", ""
    return "reject", f"{error.json_path}: {error.message}"


def model_verdict(msg: Message, text: str) -> tuple[Verdict, str]:
    """The generated model's verdict on JSON text (`from_json`), and the error if rejected."""
    try:
        msg.cls.from_json(text)
    except ValidationError as exc:
        return "reject", str(exc)
    return "accept", ""


def iter_messages() -> Iterator[Message]:
    for version in VERSIONS:
        yield from messages(version)
