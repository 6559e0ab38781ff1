"""Availability (G01-G05): the station's, each EVSE's and each connector's operational state.

ChangeAvailability Inoperative with no transaction running takes effect at once, cable or not
(G03, G04); with one it is Scheduled and applied when the transaction ends
(`transaction_ended`). The connector status is derived (`Evse.connector_status`), so a change
only needs a `notify` (the status report). The AvailabilityState / Available variables of the
device model read this state (`bind`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ocppgen.generated import v201
from ocppgen.reference.station.device_model import DeviceModel, VariableKey
from ocppgen.reference.station.evse import Evse
from ocppgen.reference.station.site import Site, StationError

__all__ = ["Availability"]

Status = v201.ConnectorStatusEnumType
Answer = v201.ChangeAvailabilityStatusEnumType


def _flag(value: bool) -> str:
    return "true" if value else "false"


class Availability:
    """See the module docstring. `notify`: report changed connector statuses."""

    def __init__(self, site: Site, notify: Callable[[], None]) -> None:
        self.site = site
        self._notify = notify
        self.operative = True  # the station (G04)
        self._scheduled_station: bool | None = None

    def load(self) -> None:
        self.operative = self.site.outbox.load_state("station_operative") is not False

    # -- state -----------------------------------------------------------------------------------

    def connector_status(self, evse_id: int, connector_id: int) -> Status:
        evse = self.site.evse(evse_id)
        connector = evse.connector(connector_id)
        if connector is None:
            raise StationError(f"no connector {connector_id} on EVSE {evse_id}")
        return evse.connector_status(connector, self.operative)

    def evse_state(self, evse_id: int) -> Status:
        """The worst connector status: Faulted, Occupied, Unavailable, else Available."""
        evse = self.site.evses[evse_id]
        statuses = {evse.connector_status(c, self.operative) for c in evse.connectors}
        for state in (Status.Faulted, Status.Occupied, Status.Unavailable):
            if state in statuses:
                return state
        return Status.Available

    def station_state(self) -> str:
        if not self.operative:
            return Status.Unavailable.value
        states = {self.evse_state(e) for e in self.site.evses}
        return (Status.Occupied if Status.Occupied in states else Status.Available).value

    def may_start(self, evse: Evse) -> bool:
        """An Unavailable connector takes no new transaction."""
        return evse.may_start_transaction(self.operative)

    def bind(self, dm: DeviceModel) -> None:
        """The device-model variables that read this state."""
        dm.bind(VariableKey("ChargingStation", "AvailabilityState"), self.station_state)
        dm.bind(VariableKey("ChargingStation", "Available"), lambda: _flag(self.operative))
        for evse_id, connectors in enumerate(self.site.layout, start=1):
            dm.bind(
                VariableKey("EVSE", "AvailabilityState", evse=evse_id),
                functools.partial(self._evse_state, evse_id),
            )
            dm.bind(
                VariableKey("EVSE", "Available", evse=evse_id),
                functools.partial(self._evse_available, evse_id),
            )
            for c in range(1, connectors + 1):
                dm.bind(
                    VariableKey("Connector", "AvailabilityState", evse=evse_id, connector=c),
                    functools.partial(self._connector_state, evse_id, c),
                )
                dm.bind(
                    VariableKey("Connector", "Available", evse=evse_id, connector=c),
                    functools.partial(self._connector_available, evse_id, c),
                )

    def _evse_state(self, evse_id: int) -> str:
        return self.evse_state(evse_id).value

    def _evse_available(self, evse_id: int) -> str:
        return _flag(self.site.evses[evse_id].operative)

    def _connector_state(self, evse_id: int, connector_id: int) -> str:
        return self.connector_status(evse_id, connector_id).value

    def _connector_available(self, evse_id: int, connector_id: int) -> str:
        return _flag(self.connector_status(evse_id, connector_id) is not Status.Unavailable)

    # -- changes ---------------------------------------------------------------------------------

    def change(self, request: v201.ChangeAvailabilityRequest) -> v201.ChangeAvailabilityResponse:
        """ChangeAvailability (G03 one EVSE or connector, G04 the station)."""
        operative = request.operational_status is v201.OperationalStatusEnumType.Operative
        if request.evse is None or request.evse.id == 0:
            return v201.ChangeAvailabilityResponse(status=self._change_station(operative))
        evse = self.site.evses.get(request.evse.id)
        connector_id = request.evse.connector_id
        if evse is None or (connector_id is not None and evse.connector(connector_id) is None):
            return v201.ChangeAvailabilityResponse(status=Answer.Rejected)
        if not operative and evse.transaction is not None:
            evse.scheduled_operative = False
            evse.scheduled_connector = connector_id
            self.site.save_evse(evse)
            return v201.ChangeAvailabilityResponse(status=Answer.Scheduled)
        if evse.scheduled_connector == connector_id:  # the latest request for it wins
            evse.scheduled_operative = evse.scheduled_connector = None
        self._apply(evse, connector_id, operative)
        self._notify()
        return v201.ChangeAvailabilityResponse(status=Answer.Accepted)

    def _change_station(self, operative: bool) -> Answer:
        if not operative and self.site.running():
            self._scheduled_station = False
            return Answer.Scheduled
        self._scheduled_station = None
        self._set_station(operative)
        self._notify()
        return Answer.Accepted

    def _set_station(self, operative: bool) -> None:
        self.operative = operative
        self.site.outbox.save_state("station_operative", operative)

    def _apply(self, evse: Evse, connector_id: int | None, operative: bool) -> None:
        if connector_id is None:
            evse.operative = operative
        else:
            connector = evse.connector(connector_id)
            if connector is not None:
                connector.operative = operative
        self.site.save_evse(evse)

    def transaction_ended(self, evse: Evse) -> None:
        """Apply what was Scheduled for this EVSE, and for the station once none is left."""
        if evse.scheduled_operative is not None:
            self._apply(evse, evse.scheduled_connector, evse.scheduled_operative)
            evse.scheduled_operative = evse.scheduled_connector = None
        if self._scheduled_station is not None and not self.site.running():
            self._set_station(self._scheduled_station)
            self._scheduled_station = None
