"""Availability alone (availability.py): ChangeAvailability at once or Scheduled until the
transaction ends, for an EVSE, a connector or the station; the device-model variables."""

from __future__ import annotations

from pathlib import Path

from ocppgen.generated import v201
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.device_model import DeviceModel
from ocppgen.reference.station.evse import Transaction
from tests.reference.station.component_link import open_site

Status = v201.ConnectorStatusEnumType
Answer = v201.ChangeAvailabilityStatusEnumType
Op = v201.OperationalStatusEnumType


def _change(
    availability: Availability, status: Op, evse: int | None, connector: int | None = None
) -> Answer:
    target = None if evse is None else v201.EVSEType(id=evse, connector_id=connector)
    request = v201.ChangeAvailabilityRequest(operational_status=status, evse=target)
    return availability.change(request).status


def _variable(
    dm: DeviceModel, component: str, variable: str, evse: int, connector: int | None = None
) -> str | None:
    data = v201.GetVariableDataType(
        component=v201.ComponentType(
            name=component, evse=v201.EVSEType(id=evse, connector_id=connector)
        ),
        variable=v201.VariableType(name=variable),
    )
    return dm.get_variable(data).attribute_value


def test_evse_and_connector_changes(tmp_path: Path) -> None:
    site = open_site(tmp_path, evses=(2,))
    notified: list[None] = []
    availability = Availability(site, lambda: notified.append(None))
    availability.bind(site.dm)
    assert _change(availability, Op.Inoperative, 1, 2) is Answer.Accepted
    assert availability.connector_status(1, 1) is Status.Available
    assert availability.connector_status(1, 2) is Status.Unavailable
    assert availability.evse_state(1) is Status.Unavailable
    assert _variable(site.dm, "Connector", "AvailabilityState", 1, 2) == "Unavailable"
    assert _variable(site.dm, "EVSE", "AvailabilityState", 1) == "Unavailable"
    assert _change(availability, Op.Inoperative, 7) is Answer.Rejected
    assert _change(availability, Op.Inoperative, 1, 9) is Answer.Rejected
    assert len(notified) == 1
    assert site.outbox.load_state("evse:1")["connectors"] == {"1": True, "2": False}


def test_scheduled_until_the_transaction_ends(tmp_path: Path) -> None:
    site = open_site(tmp_path, evses=(1, 1))
    availability = Availability(site, lambda: None)
    availability.load()
    evse = site.evses[1]
    evse.transaction = Transaction(id="tx", started_at="2026-01-01T00:00:00Z")
    assert _change(availability, Op.Inoperative, 1) is Answer.Scheduled
    assert _change(availability, Op.Inoperative, None) is Answer.Scheduled
    assert availability.operative and evse.operative
    evse.transaction = None
    availability.transaction_ended(evse)
    assert not evse.operative and not availability.operative
    assert availability.station_state() == "Unavailable"
    assert site.outbox.load_state("station_operative") is False
    again = Availability(site, lambda: None)
    again.load()  # the station's availability survives a restart
    assert not again.operative
