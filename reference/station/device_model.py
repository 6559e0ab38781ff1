"""The station's device model: components and variables with type, mutability, unit and limits.

The variables come from `device_model.csv` (next to this module), which lists every Core
variable that OCPP 2.0.1 Part 2 marks required (see `spec/facts/device-model-2.0.1.csv`)
and the optional ones this station uses. Only the `Actual` attribute is supported.

- `get_variable` / `set_variable` answer B06 GetVariables and B05 SetVariables per variable:
  UnknownComponent, UnknownVariable, NotSupportedAttributeType, Rejected (read-only, write-only,
  a value of the wrong type or outside its limits or list) or Accepted.
- Values set by the CSMS are persisted in the `variables` table of the station's SQLite file;
  vendor overrides (constructor) replace the factory default but not what the CSMS set.
- Values a station computes (AvailabilityState, ClockCtrlr.DateTime, ...) are bound to getters.
- `report(base)` gives the ReportDataType entries of a B07 GetBaseReport.
"""

from __future__ import annotations

import csv
import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocppgen.generated import v201

__all__ = ["DATA_FILE", "DeviceModel", "VariableDef", "VariableKey", "check_value"]

DATA_FILE = Path(__file__).with_name("device_model.csv")

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True, slots=True)
class VariableKey:
    """Where a variable lives: component (name, instance, EVSE, connector) and variable."""

    component: str
    variable: str
    component_instance: str | None = None
    evse: int | None = None
    connector: int | None = None
    variable_instance: str | None = None

    def label(self) -> str:
        where = self.component
        if self.component_instance:
            where += f"[{self.component_instance}]"
        if self.evse is not None:
            where += f"@{self.evse}" + (f".{self.connector}" if self.connector is not None else "")
        name = self.variable + (f"[{self.variable_instance}]" if self.variable_instance else "")
        return f"{where}.{name}"


@dataclass(frozen=True, slots=True)
class VariableDef:
    key: VariableKey
    data_type: v201.DataEnumType
    mutability: v201.MutabilityEnumType
    unit: str | None
    min_limit: float | None
    max_limit: float | None
    values_list: tuple[str, ...]
    default: str


def check_value(definition: VariableDef, value: str) -> str | None:
    """Why `value` is not valid for `definition` (None if it is)."""
    kind = definition.data_type
    D = v201.DataEnumType
    if kind is D.boolean:
        return None if value in ("true", "false") else "boolean must be 'true' or 'false'"
    if kind in (D.integer, D.decimal):
        if kind is D.integer and not _INTEGER.fullmatch(value.strip()):
            return "not an integer"
        try:
            number = float(value)
        except ValueError:
            return "not a decimal"
        if not math.isfinite(number):
            return "not a finite number"
        if definition.min_limit is not None and number < definition.min_limit:
            return f"below the minimum {definition.min_limit:g}"
        if definition.max_limit is not None and number > definition.max_limit:
            return f"above the maximum {definition.max_limit:g}"
        return None
    if kind is D.dateTime:
        return None if _RFC3339.fullmatch(value) else "not an RFC 3339 date-time"
    if kind is D.OptionList:
        return None if value in definition.values_list else "not one of the listed options"
    if kind in (D.MemberList, D.SequenceList):
        members = [item.strip() for item in value.split(",")] if value else []
        if kind is D.SequenceList and not members:
            return "a sequence needs at least one member"
        if len(set(members)) != len(members):
            return "a member is repeated"
        if definition.values_list:
            unknown = [m for m in members if m not in definition.values_list]
            if unknown:
                return f"unknown member(s): {', '.join(unknown)}"
        return None
    return None  # string: any text (its length is checked against ConfigurationValueSize)


def _opt(text: str) -> str | None:
    return text or None


def _load_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


class DeviceModel:
    """The variables of one station. See the module docstring."""

    def __init__(
        self,
        evses: Sequence[int],
        *,
        db: sqlite3.Connection | None = None,
        overrides: Mapping[str, str] | None = None,
        data_file: Path = DATA_FILE,
    ) -> None:
        """`evses[i]` is the number of connectors of EVSE i+1. `overrides` maps
        `VariableKey.label()` (e.g. "OCPPCommCtrlr.HeartbeatInterval",
        "DeviceDataCtrlr.ItemsPerMessage[GetReport]") to a vendor default."""
        self._defs: dict[VariableKey, VariableDef] = {}
        for row in _load_rows(data_file):
            for key in self._expand(row, evses):
                self._defs[key] = VariableDef(
                    key=key,
                    data_type=v201.DataEnumType(row["data_type"]),
                    mutability=v201.MutabilityEnumType(row["mutability"]),
                    unit=_opt(row["unit"]),
                    min_limit=float(row["min"]) if row["min"] else None,
                    max_limit=float(row["max"]) if row["max"] else None,
                    values_list=tuple(row["values_list"].split(",")) if row["values_list"] else (),
                    default=row["value"],
                )
        self._values: dict[VariableKey, str] = {k: d.default for k, d in self._defs.items()}
        self._getters: dict[VariableKey, Callable[[], str]] = {}
        self._listeners: list[Callable[[VariableKey, str], None]] = []
        by_label = {key.label(): key for key in self._defs}
        for label, value in (overrides or {}).items():
            if label not in by_label:
                raise KeyError(f"no variable {label} in the device model")
            problem = check_value(self._defs[by_label[label]], value)
            if problem:
                raise ValueError(f"{label}={value!r}: {problem}")
            self._values[by_label[label]] = value
        self._db = db
        if db is not None:
            db.execute(
                "CREATE TABLE IF NOT EXISTS variables (label TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            for label, value in db.execute("SELECT label, value FROM variables"):
                if label in by_label:
                    self._values[by_label[label]] = value
            db.commit()

    @staticmethod
    def _expand(row: Mapping[str, str], evses: Sequence[int]) -> Iterable[VariableKey]:
        common = {
            "component": row["component"],
            "variable": row["variable"],
            "component_instance": _opt(row["component_instance"]),
            "variable_instance": _opt(row["variable_instance"]),
        }
        if row["evse"] != "*":
            yield VariableKey(**common)  # type: ignore[arg-type]
            return
        for evse_id, connectors in enumerate(evses, start=1):
            if row["connector"] == "*":
                for connector_id in range(1, connectors + 1):
                    yield VariableKey(**common, evse=evse_id, connector=connector_id)  # type: ignore[arg-type]
            else:
                yield VariableKey(**common, evse=evse_id)  # type: ignore[arg-type]

    # -- reading and writing in Python --------------------------------------------------------

    def definitions(self) -> list[VariableDef]:
        return list(self._defs.values())

    def bind(self, key: VariableKey, getter: Callable[[], str]) -> None:
        """Compute the value of `key` on every read (e.g. AvailabilityState)."""
        if key not in self._defs:
            raise KeyError(key.label())
        self._getters[key] = getter

    def on_change(self, listener: Callable[[VariableKey, str], None]) -> None:
        """Call `listener(key, value)` after every accepted SetVariables change."""
        self._listeners.append(listener)

    def value(self, component: str, variable: str, instance: str | None = None) -> str:
        """The Actual value of a station-wide variable (`instance` = the variable's instance)."""
        key = VariableKey(component, variable, variable_instance=instance)
        getter = self._getters.get(key)
        return getter() if getter is not None else self._values[key]

    def get_int(self, component: str, variable: str, instance: str | None = None) -> int:
        return int(self.value(component, variable, instance))

    def get_bool(self, component: str, variable: str, instance: str | None = None) -> bool:
        return self.value(component, variable, instance) == "true"

    def get_members(self, component: str, variable: str, instance: str | None = None) -> list[str]:
        text = self.value(component, variable, instance)
        return [item.strip() for item in text.split(",") if item.strip()]

    def put(self, key: VariableKey, value: str, *, persist: bool = True) -> None:
        """Set a value from inside the station (no mutability check; validated)."""
        problem = check_value(self._defs[key], value)
        if problem:
            raise ValueError(f"{key.label()}={value!r}: {problem}")
        self._values[key] = value
        if persist and self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO variables (label, value) VALUES (?, ?)",
                (key.label(), value),
            )
            self._db.commit()
        for listener in self._listeners:
            listener(key, value)

    # -- the OCPP side --------------------------------------------------------------------------

    def _find(
        self, component: v201.ComponentType, variable: v201.VariableType
    ) -> tuple[VariableDef | None, bool]:
        """(the definition, whether the component exists)."""
        evse = component.evse
        key = VariableKey(
            component=component.name,
            variable=variable.name,
            component_instance=component.instance,
            evse=evse.id if evse is not None else None,
            connector=evse.connector_id if evse is not None else None,
            variable_instance=variable.instance,
        )
        definition = self._defs.get(key)
        if definition is not None:
            return definition, True
        component_known = any(
            (k.component, k.component_instance, k.evse, k.connector)
            == (key.component, key.component_instance, key.evse, key.connector)
            for k in self._defs
        )
        return None, component_known

    def get_variable(self, data: v201.GetVariableDataType) -> v201.GetVariableResultType:
        status = v201.GetVariableStatusEnumType
        definition, component_known = self._find(data.component, data.variable)
        value: str | None = None
        reason: str | None = None
        if definition is None:
            result = status.UnknownVariable if component_known else status.UnknownComponent
        elif data.attribute_type not in (None, v201.AttributeEnumType.Actual):
            result = status.NotSupportedAttributeType
        elif definition.mutability is v201.MutabilityEnumType.WriteOnly:
            result, reason = status.Rejected, "WriteOnly"
        else:
            result = status.Accepted
            getter = self._getters.get(definition.key)
            value = getter() if getter is not None else self._values[definition.key]
            limit = self.get_int("DeviceDataCtrlr", "ReportingValueSize")
            value = value[:limit]
        return v201.GetVariableResultType(
            attribute_status=result,
            attribute_status_info=v201.StatusInfoType(reason_code=reason) if reason else None,
            attribute_type=data.attribute_type,
            attribute_value=value,
            component=data.component,
            variable=data.variable,
        )

    def set_variable(self, data: v201.SetVariableDataType) -> v201.SetVariableResultType:
        status = v201.SetVariableStatusEnumType
        definition, component_known = self._find(data.component, data.variable)
        reason: str | None = None
        additional: str | None = None
        if definition is None:
            result = status.UnknownVariable if component_known else status.UnknownComponent
        elif data.attribute_type not in (None, v201.AttributeEnumType.Actual):
            result = status.NotSupportedAttributeType
        elif definition.mutability is v201.MutabilityEnumType.ReadOnly:
            result, reason = status.Rejected, "ReadOnly"
        elif len(data.attribute_value) > self.get_int("DeviceDataCtrlr", "ConfigurationValueSize"):
            result, reason = status.Rejected, "ValueTooLarge"
        elif (problem := check_value(definition, data.attribute_value)) is not None:
            result, reason, additional = status.Rejected, "InvalidValue", problem
        else:
            result = status.Accepted
            self.put(definition.key, data.attribute_value)
        return v201.SetVariableResultType(
            attribute_status=result,
            attribute_status_info=(
                v201.StatusInfoType(reason_code=reason, additional_info=additional)
                if reason
                else None
            ),
            attribute_type=data.attribute_type,
            component=data.component,
            variable=data.variable,
        )

    def report(self, base: v201.ReportBaseEnumType) -> list[v201.ReportDataType]:
        """ReportDataType entries for GetBaseReport(`base`).

        ConfigurationInventory: the variables the CSMS can set (ReadWrite, WriteOnly);
        FullInventory: every variable; SummaryInventory: the availability and problem state of
        every component that has one (AvailabilityState, Available, Problem)."""
        B = v201.ReportBaseEnumType
        writable = (v201.MutabilityEnumType.ReadWrite, v201.MutabilityEnumType.WriteOnly)
        entries: list[v201.ReportDataType] = []
        for key, definition in self._defs.items():
            if base is B.ConfigurationInventory and definition.mutability not in writable:
                continue
            if base is B.SummaryInventory and key.variable not in (
                "AvailabilityState",
                "Available",
                "Problem",
            ):
                continue
            entries.append(self._report_entry(definition))
        return entries

    def _report_entry(self, definition: VariableDef) -> v201.ReportDataType:
        key = definition.key
        value: str | None = None
        if definition.mutability is not v201.MutabilityEnumType.WriteOnly:
            getter = self._getters.get(key)
            value = getter() if getter is not None else self._values[key]
            value = value[: self.get_int("DeviceDataCtrlr", "ReportingValueSize")]
        evse = (
            v201.EVSEType(id=key.evse, connector_id=key.connector) if key.evse is not None else None
        )
        return v201.ReportDataType(
            component=v201.ComponentType(
                name=key.component, instance=key.component_instance, evse=evse
            ),
            variable=v201.VariableType(name=key.variable, instance=key.variable_instance),
            variable_attribute=[
                v201.VariableAttributeType(
                    type=v201.AttributeEnumType.Actual,
                    value=value,
                    mutability=definition.mutability,
                    persistent=True,
                    constant=definition.mutability is v201.MutabilityEnumType.ReadOnly,
                )
            ],
            variable_characteristics=v201.VariableCharacteristicsType(
                unit=definition.unit,
                data_type=definition.data_type,
                min_limit=definition.min_limit,
                max_limit=definition.max_limit,
                values_list=",".join(definition.values_list) or None,
                supports_monitoring=False,
            ),
        )
