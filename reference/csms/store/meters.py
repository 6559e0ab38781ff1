"""Meter values, in transactions (from TransactionEvents) and outside them (MeterValuesRequest,
J01), one row per sampled value (table `meter_values`). Values are exact decimals (decimal
text in the table, `Decimal` when read; see `values`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.values import decimal_text, scaled, sortable_time

__all__ = ["ENERGY_MEASURAND", "MeterValueStore", "Sample", "samples"]

_INSERT = (
    "INSERT INTO meter_values (station_id, transaction_id, seq_no, evse_id, timestamp, measurand, "
    "phase, location, context, value, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

ENERGY_MEASURAND = "Energy.Active.Import.Register"
"""What a transaction's energy is read from (and a sample without measurand measures)."""


class Sample(NamedTuple):
    """One sampled value as stored: the multiplier applied, the unit None when not sent."""

    timestamp: str
    measurand: str
    phase: str | None
    location: str | None
    context: str | None
    value: Decimal
    unit: str | None


def samples(meter_values: Iterable[Mapping[str, Any]]) -> Iterator[Sample]:
    """The samples of a wire MeterValueType list; one whose value is not a finite double's
    magnitude is left out (not a number a meter can read; kept in the event log only)."""
    for meter_value in meter_values:
        timestamp = sortable_time(meter_value["timestamp"])
        for sample in meter_value["sampledValue"]:
            unit = sample.get("unitOfMeasure")
            value = scaled(sample["value"], unit.get("multiplier", 0) if unit else 0)
            if value is None:
                continue
            yield Sample(
                timestamp,
                sample.get("measurand", ENERGY_MEASURAND),
                sample.get("phase"),
                sample.get("location"),
                sample.get("context"),
                value,
                unit.get("unit", "Wh") if unit is not None else None,
            )


class MeterValueStore:
    """Sampled values on one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_meter_values(
        self, station_id: str, evse_id: int, meter_values: Iterable[Mapping[str, Any]]
    ) -> None:
        """Meter values outside a transaction (MeterValuesRequest, J01)."""
        with self.db.transaction():
            self.add(station_id, evse_id, meter_values, None, None)

    def add(
        self,
        station_id: str,
        evse_id: int,
        meter_values: Iterable[Mapping[str, Any]],
        transaction_id: str | None,
        seq_no: int | None,
    ) -> list[Sample]:
        """Store the samples (wire MeterValueType list) of one message, in the caller's
        database transaction; return them as stored."""
        stored = list(samples(meter_values))
        self.insert(station_id, evse_id, stored, transaction_id, seq_no)
        return stored

    def insert(
        self,
        station_id: str,
        evse_id: int,
        found: Sequence[Sample],
        transaction_id: str | None,
        seq_no: int | None,
    ) -> None:
        """Store samples already read from a message (`samples`), in one statement call."""
        if not found:
            return
        self.db.execute_many(
            _INSERT,
            [
                (
                    station_id,
                    transaction_id,
                    seq_no,
                    evse_id,
                    *sample[:5],
                    decimal_text(sample.value),
                    sample.unit,
                )
                for sample in found
            ],
        )

    def meter_values(self, station_id: str) -> list[dict[str, Any]]:
        """Meter values of a station outside transactions."""
        return _exact(
            self.db.query(
                "SELECT evse_id, timestamp, measurand, phase, location, context, value, unit "
                "FROM meter_values WHERE station_id = ? AND transaction_id IS NULL "
                "ORDER BY timestamp",
                (station_id,),
            )
        )

    def transaction_meter_values(
        self, station_id: str, transaction_id: str
    ) -> list[dict[str, Any]]:
        """A transaction's meter values in time order."""
        return _exact(
            self.db.query(
                "SELECT seq_no, evse_id, timestamp, measurand, phase, location, context, value, "
                "unit FROM meter_values WHERE station_id = ? AND transaction_id = ? "
                "ORDER BY timestamp, seq_no",
                (station_id, transaction_id),
            )
        )


def _exact(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["value"] = Decimal(row["value"])
    return rows
