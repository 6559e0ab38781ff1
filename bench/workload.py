"""The benchmark workload, as wire payloads shared by every implementation under test.

Per connection: one BootNotification, then a mix of TransactionEvent (Updated, one meterValue
with 5 sampledValues) and Heartbeat, one outstanding call at a time. The mix is 4:1.
"""

from __future__ import annotations

from typing import Any

TIMESTAMP = "2025-01-01T12:00:00Z"

BOOT: dict[str, Any] = {
    "chargingStation": {"model": "Bench", "vendorName": "ocppgen", "firmwareVersion": "1.0"},
    "reason": "PowerUp",
}

TRANSACTION_EVENT: dict[str, Any] = {
    "eventType": "Updated",
    "timestamp": TIMESTAMP,
    "triggerReason": "MeterValuePeriodic",
    "seqNo": 1,
    "transactionInfo": {"transactionId": "b7f0c3a2-1d4e-4a5b-9c8d-0e1f2a3b4c5d"},
    "evse": {"id": 1, "connectorId": 1},
    "meterValue": [
        {
            "timestamp": TIMESTAMP,
            "sampledValue": [
                {
                    "value": 1234.5,
                    "measurand": "Energy.Active.Import.Register",
                    "unitOfMeasure": {"unit": "Wh"},
                },
                {
                    "value": 7200.0,
                    "measurand": "Power.Active.Import",
                    "unitOfMeasure": {"unit": "W"},
                },
                {"value": 16.0, "measurand": "Current.Import", "phase": "L1"},
                {"value": 230.1, "measurand": "Voltage", "phase": "L1-N"},
                {"value": 55.0, "measurand": "SoC", "context": "Sample.Periodic"},
            ],
        }
    ],
}

HEARTBEAT: dict[str, Any] = {}

BOOT_RESPONSE: dict[str, Any] = {"currentTime": TIMESTAMP, "interval": 300, "status": "Accepted"}
TRANSACTION_EVENT_RESPONSE: dict[str, Any] = {}
HEARTBEAT_RESPONSE: dict[str, Any] = {"currentTime": TIMESTAMP}

# The steady-state sequence after BootNotification, repeated: 4 TransactionEvent, 1 Heartbeat.
MIX: tuple[str, ...] = ("TransactionEvent",) * 4 + ("Heartbeat",)

PAYLOADS: dict[str, dict[str, Any]] = {
    "BootNotification": BOOT,
    "TransactionEvent": TRANSACTION_EVENT,
    "Heartbeat": HEARTBEAT,
}
