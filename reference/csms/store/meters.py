"""Meter values, in transactions (from TransactionEvents) and outside them (MeterValuesRequest,
J01), one row per sampled value (table `meter_values`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.values import scaled

__all__ = ["MeterValueStore"]

_ENERGY = "measurand = 'Energy.Active.Import.Register' AND phase IS NULL"


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
    ) -> None:
        """Store the samples (wire MeterValueType list) of one message, in the caller's
        database transaction; a sample whose value is not a finite double is left out."""
        for meter_value in meter_values:
            for sample in meter_value["sampledValue"]:
                unit = sample.get("unitOfMeasure", {})
                value = scaled(sample["value"], unit.get("multiplier", 0))
                if value is None:  # not a number a meter can read; kept in the event log only
                    continue
                self.db.execute(
                    "INSERT INTO meter_values (station_id, transaction_id, seq_no, evse_id, "
                    "timestamp, measurand, phase, location, context, value, unit) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        station_id,
                        transaction_id,
                        seq_no,
                        evse_id,
                        meter_value["timestamp"],
                        sample.get("measurand", "Energy.Active.Import.Register"),
                        sample.get("phase"),
                        sample.get("location"),
                        sample.get("context"),
                        value,
                        unit.get("unit", "Wh") if "unitOfMeasure" in sample else None,
                    ),
                )

    def meter_values(self, station_id: str) -> list[dict[str, Any]]:
        """Meter values of a station outside transactions."""
        return self.db.query(
            "SELECT evse_id, timestamp, measurand, phase, location, context, value, unit "
            "FROM meter_values WHERE station_id = ? AND transaction_id IS NULL "
            "ORDER BY timestamp",
            (station_id,),
        )

    def transaction_meter_values(
        self, station_id: str, transaction_id: str
    ) -> list[dict[str, Any]]:
        """A transaction's meter values in time order."""
        return self.db.query(
            "SELECT seq_no, evse_id, timestamp, measurand, phase, location, context, value, unit "
            "FROM meter_values WHERE station_id = ? AND transaction_id = ? "
            "ORDER BY timestamp, seq_no",
            (station_id, transaction_id),
        )

    def max_energy(self, station_id: str, transaction_id: str) -> tuple[float | None, float | None]:
        """The largest Energy.Active.Import.Register reading without phase of a transaction:
        (in Wh or without unit, in kWh), None where there is none."""
        wh = self.db.query(
            f"SELECT MAX(value) AS wh FROM meter_values WHERE station_id = ? AND "
            f"transaction_id = ? AND {_ENERGY} AND (unit IS NULL OR unit = 'Wh')",
            (station_id, transaction_id),
        )[0]["wh"]
        kwh = self.db.query(
            f"SELECT MAX(value) AS kwh FROM meter_values WHERE station_id = ? AND "
            f"transaction_id = ? AND {_ENERGY} AND unit = 'kWh'",
            (station_id, transaction_id),
        )[0]["kwh"]
        return wh, kwh
