"""Handlers and helpers for the adapter tests, on the generated OCPP 2.0.1 bindings.

The handlers implement the runtime's `Handler` protocol directly (no generated handler base) so
that the adapter tests depend on nothing but `VersionSpec`, messages and the protocol.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ocppgen.generated import v201
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.errors import OcppError
from ocppgen.runtime.model import OcppModel

__all__ = [
    "NOW",
    "CsmsHandler",
    "StationHandler",
    "boot_request",
    "heartbeat_request",
    "transaction_event_request",
]

NOW = "2025-01-01T12:00:00Z"


def boot_request(model: str = "Test", vendor: str = "ocppgen") -> v201.BootNotificationRequest:
    return v201.BootNotificationRequest.from_json_dict(
        {"chargingStation": {"model": model, "vendorName": vendor}, "reason": "PowerUp"}
    )


def heartbeat_request() -> v201.HeartbeatRequest:
    return v201.HeartbeatRequest()


def transaction_event_request(payload: dict[str, Any]) -> v201.TransactionEventRequest:
    return v201.TransactionEventRequest.from_json_dict(payload)


@dataclass
class CsmsHandler:
    """A CSMS that accepts every boot. Behaviour for tests:

    - `fail_with`: action -> OcppError to raise instead of answering;
    - `delay`: action -> seconds to sleep before answering (a slow handler);
    - `received`: (station id, action, request) of every CALL handled, in order.
    """

    fail_with: dict[str, OcppError] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)
    received: list[tuple[str, str, OcppModel]] = field(default_factory=list)
    boot_status: str = "Accepted"

    async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
        self.received.append((context.station_id, action, request))
        if action in self.delay:
            await asyncio.sleep(self.delay[action])
        if action in self.fail_with:
            raise self.fail_with[action]
        if action == "BootNotification":
            return v201.BootNotificationResponse.from_json_dict(
                {"currentTime": NOW, "interval": 300, "status": self.boot_status}
            )
        if action == "Heartbeat":
            return v201.HeartbeatResponse.from_json_dict({"currentTime": NOW})
        if action == "TransactionEvent":
            return v201.TransactionEventResponse()
        if action == "StatusNotification":
            return v201.StatusNotificationResponse()
        raise OcppError("NotSupported", f"{action} is not handled by this test CSMS")


@dataclass
class StationHandler:
    """A station that accepts Reset and answers GetVariables with "300" for everything."""

    received: list[tuple[str, OcppModel]] = field(default_factory=list)
    delay: dict[str, float] = field(default_factory=dict)

    async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
        self.received.append((action, request))
        if action in self.delay:
            await asyncio.sleep(self.delay[action])
        if action == "Reset":
            return v201.ResetResponse.from_json_dict({"status": "Accepted"})
        if action == "GetVariables":
            assert isinstance(request, v201.GetVariablesRequest)
            return v201.GetVariablesResponse.from_json_dict(
                {
                    "getVariableResult": [
                        {
                            "attributeStatus": "Accepted",
                            "attributeValue": "300",
                            "component": item.component.to_json_dict(),
                            "variable": item.variable.to_json_dict(),
                        }
                        for item in request.get_variable_data
                    ]
                }
            )
        raise OcppError("NotSupported", f"{action} is not handled by this test station")
