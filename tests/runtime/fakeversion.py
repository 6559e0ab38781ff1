"""A small hand-made OCPP version for the core's tests, shaped like the generated code.

The classes follow the official 2.0.1 schemas of the actions they are named after (cut down
to the properties the tests need), so the wire vectors read like real OCPP traffic.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocppgen.runtime.actions import ActionSpec, MessageType, Role, VersionSpec
from ocppgen.runtime.model import DateTime, Integer, Number, OcppModel

CS = Role.CHARGING_STATION
CSMS = Role.CSMS


class BootReason(StrEnum):
    POWER_UP = "PowerUp"
    WATCHDOG = "Watchdog"


class RegistrationStatus(StrEnum):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class ResetType(StrEnum):
    IMMEDIATE = "Immediate"
    ON_IDLE = "OnIdle"


class ResetStatus(StrEnum):
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"


class ChargingStation(OcppModel):
    model: Annotated[str, Field(max_length=20)]
    vendor_name: Annotated[str, Field(alias="vendorName", max_length=50)]


class BootNotificationRequest(OcppModel):
    reason: BootReason
    charging_station: Annotated[ChargingStation, Field(alias="chargingStation")]


class BootNotificationResponse(OcppModel):
    current_time: Annotated[DateTime, Field(alias="currentTime")]
    interval: Integer
    status: RegistrationStatus


class HeartbeatRequest(OcppModel):
    pass


class HeartbeatResponse(OcppModel):
    current_time: Annotated[DateTime, Field(alias="currentTime")]


class ResetRequest(OcppModel):
    type: ResetType
    evse_id: Annotated[Integer | None, Field(alias="evseId", ge=0)] = None


class ResetResponse(OcppModel):
    status: ResetStatus


class SampledValue(OcppModel):
    value: Number


class MeterValue(OcppModel):
    timestamp: DateTime
    sampled_value: Annotated[list[SampledValue], Field(alias="sampledValue", min_length=1)]


class MeterValuesRequest(OcppModel):
    evse_id: Annotated[Integer, Field(alias="evseId", ge=0)]
    meter_value: Annotated[list[MeterValue], Field(alias="meterValue", min_length=1)]


class MeterValuesResponse(OcppModel):
    pass


class DataTransferRequest(OcppModel):
    vendor_id: Annotated[str, Field(alias="vendorId", max_length=255)]
    message_id: Annotated[str | None, Field(alias="messageId", max_length=50)] = None


class DataTransferResponse(OcppModel):
    status: Annotated[str, Field(max_length=20)]


class StreamDataElement(OcppModel):
    t: Number
    v: Annotated[str, Field(max_length=2500)]


class NotifyPeriodicEventStream(OcppModel):
    id: Annotated[Integer, Field(ge=0)]
    pending: Annotated[Integer, Field(ge=0)]
    data: Annotated[list[StreamDataElement], Field(min_length=1)]


def _call(
    action: str,
    request: type[OcppModel],
    response: type[OcppModel],
    initiators: frozenset[Role],
) -> ActionSpec:
    return ActionSpec(action, request, response, initiators, MessageType.CALL, "Test", ())


ACTIONS = {
    "BootNotification": _call(
        "BootNotification", BootNotificationRequest, BootNotificationResponse, frozenset({CS})
    ),
    "Heartbeat": _call("Heartbeat", HeartbeatRequest, HeartbeatResponse, frozenset({CS})),
    "MeterValues": _call("MeterValues", MeterValuesRequest, MeterValuesResponse, frozenset({CS})),
    "Reset": _call("Reset", ResetRequest, ResetResponse, frozenset({CSMS})),
    "DataTransfer": _call(
        "DataTransfer", DataTransferRequest, DataTransferResponse, frozenset({CS, CSMS})
    ),
}

SEND_ACTIONS = {
    "NotifyPeriodicEventStream": ActionSpec(
        "NotifyPeriodicEventStream",
        NotifyPeriodicEventStream,
        None,
        frozenset({CS}),
        MessageType.SEND,
        "Test",
        (),
    ),
}

V16 = VersionSpec("1.6", "ocpp1.6", ACTIONS)
V201 = VersionSpec("2.0.1", "ocpp2.0.1", ACTIONS)
V21 = VersionSpec("2.1", "ocpp2.1", {**ACTIONS, **SEND_ACTIONS})
VERSIONS = {"1.6": V16, "2.0.1": V201, "2.1": V21}

BOOT = BootNotificationRequest(
    reason=BootReason.POWER_UP,
    charging_station=ChargingStation(model="M1", vendor_name="V"),
)
BOOT_JSON = '{"reason":"PowerUp","chargingStation":{"model":"M1","vendorName":"V"}}'
BOOT_RESPONSE_JSON = '{"currentTime":"2024-05-01T12:00:00Z","interval":300,"status":"Accepted"}'


def counter_ids(prefix: str = "m") -> Callable[[], str]:
    """A deterministic id factory: m1, m2, ..."""
    count = 0

    def new_id() -> str:
        nonlocal count
        count += 1
        return f"{prefix}{count}"

    return new_id
