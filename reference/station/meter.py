"""A simulated energy meter, one per EVSE: the register grows while the EVSE delivers power.

Time is passed in (seconds, monotonic) so the meter is deterministic to test; the register is
persisted by the station with the rest of the EVSE state, so it never runs backwards across a
restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ocppgen.generated import v201

__all__ = ["Meter"]

VOLTAGE = 230.0


@dataclass
class Meter:
    energy_wh: float = 0.0
    max_power_w: float = 11000.0
    power_w: float = 0.0
    phases: int = 3
    _last: float | None = field(default=None, repr=False)

    def advance(self, now: float) -> None:
        """Integrate the power since the last call."""
        if self._last is not None and now > self._last:
            self.energy_wh += self.power_w * (now - self._last) / 3600.0
        self._last = now

    def set_charging(self, charging: bool, now: float) -> None:
        self.advance(now)
        self.power_w = self.max_power_w if charging else 0.0

    def reading(self, measurand: str) -> tuple[float, str]:
        """(value, unit) of one measurand."""
        M = v201.MeasurandEnumType
        kind = M(measurand)
        if kind is M.Energy_Active_Import_Register:
            return round(self.energy_wh, 3), "Wh"
        if kind is M.Power_Active_Import:
            return round(self.power_w, 1), "W"
        if kind is M.Current_Import:
            return round(self.power_w / (VOLTAGE * self.phases), 2), "A"
        if kind is M.Voltage:
            return VOLTAGE, "V"
        raise ValueError(f"this meter does not measure {measurand}")

    def sample(
        self,
        measurands: Iterable[str],
        context: v201.ReadingContextEnumType,
        timestamp: datetime,
        now: float,
    ) -> v201.MeterValueType | None:
        """One MeterValue with the given measurands (None if there are none)."""
        self.advance(now)
        values = []
        for measurand in measurands:
            value, unit = self.reading(measurand)
            values.append(
                v201.SampledValueType(
                    value=value,
                    context=context,
                    measurand=v201.MeasurandEnumType(measurand),
                    unit_of_measure=v201.UnitOfMeasureType(unit=unit),
                )
            )
        if not values:
            return None
        return v201.MeterValueType(sampled_value=values, timestamp=timestamp)
