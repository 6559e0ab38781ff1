"""One payload judged as the runtime judges it: the verdict and code come from the runtime's own
validation (`core._validate`, the function a `Connection` calls for every received payload) and
its error mapping (`errors.fault_code`); the list of every error, each with its JSON pointer and
the code it alone would get, from the same pydantic errors the runtime classifies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ocppgen.runtime.core import _validate
from ocppgen.runtime.errors import (
    V21,
    Fault,
    ValidationFailure,
    _classify,
    _pointer,
    fault_code,
    without_lone_surrogates,
)
from ocppgen.runtime.model import OcppModel


@dataclass(frozen=True)
class Error:
    pointer: str  # "" is the payload itself
    message: str
    type: str
    code: str | None


@dataclass(frozen=True)
class Verdict:
    """`fault` None: valid. `code`: what the runtime answers (None: nothing is sent)."""

    fault: Fault | None
    code: str | None
    errors: tuple[Error, ...]

    @property
    def valid(self) -> bool:
        return self.fault is None


VALID = Verdict(None, None, ())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """JSON as the runtime's frame decoder reads it (NaN and Infinity are not JSON); raises
    ValueError."""
    return json.loads(text, parse_constant=_reject_constant)


def not_json(version: str, reason: str) -> Verdict:
    """A payload that is not JSON: the frame holding it is not JSON either."""
    code = fault_code(version, Fault.NOT_JSON)
    return Verdict(Fault.NOT_JSON, code, (Error("", reason, "not_json", code),))


def judge(cls: type[OcppModel], payload: Any, version: str) -> Verdict:
    verdict = _validate(cls, payload)
    if isinstance(verdict, OcppModel):
        return VALID
    assert isinstance(verdict, ValidationFailure)
    return Verdict(
        verdict.fault, fault_code(version, verdict.fault), _errors(cls, payload, verdict, version)
    )


def _errors(
    cls: type[OcppModel], payload: Any, failure: ValidationFailure, version: str
) -> tuple[Error, ...]:
    if failure.fault is Fault.TOO_DEEP:
        return (Error("", failure.description, "too_deep", fault_code(version, failure.fault)),)
    try:
        cls.from_json_dict(without_lone_surrogates(payload))
    except ValidationError as exc:
        found = [
            Error(
                _pointer(e["loc"]),
                e["msg"],
                e["type"],
                fault_code(version, _classify(e)),
            )
            for e in exc.errors(include_url=False, include_context=False)
        ]
    else:
        found = []
    # Lone surrogates: the runtime's own list (they make pydantic refuse the whole text).
    for detail in failure.details.get("errors", []):
        if detail.get("type") == "lone_surrogate":
            code = fault_code(version, Fault.BAD_VALUE)
            found.append(Error(detail["path"], detail["message"], "lone_surrogate", code))
    return tuple(found)


def answer(verdict: Verdict, version: str, response: bool, one_way: bool = False) -> str:
    """What the runtime sends back, in words."""
    if one_way:
        return (
            f"the runtime answers nothing (a SEND is never answered); the fault is {verdict.code}"
        )
    if not response:
        return f"the runtime answers CALLERROR {verdict.code}"
    if version == V21:
        return f"the runtime answers CALLRESULTERROR {verdict.code}"
    return (
        f"the runtime answers nothing (OCPP {version} has no CALLRESULTERROR); "
        f"its caller gets InvalidResultError {verdict.code}"
    )


def error_lines(verdict: Verdict, indent: str = "  ") -> list[str]:
    return [
        f"{indent}{e.pointer or '(payload)'}: {e.message} [{e.type}] -> {e.code or 'not answered'}"
        for e in verdict.errors
    ]
