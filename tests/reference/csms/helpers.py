"""Small helpers of the CSMS tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any


async def eventually(probe: Callable[[], Any], timeout: float = 5.0) -> Any:
    """`probe()`'s first truthy value; the state probed changes in another task of this loop."""
    async with asyncio.timeout(timeout):
        while not (value := probe()):
            await asyncio.sleep(0.01)
    return value


def stamp(offset_s: float = 0.0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=offset_s)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tx_event(
    transaction_id: str,
    seq_no: int,
    event_type: str = "Updated",
    *,
    offline: bool = False,
    energy: float | None = None,
    at: float = 0.0,
    **extra: Any,
) -> dict[str, Any]:
    """A TransactionEvent payload (wire names)."""
    payload: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": stamp(at),
        "triggerReason": {"Started": "Authorized", "Ended": "StopAuthorized"}.get(
            event_type, "MeterValuePeriodic"
        ),
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": transaction_id},
        "evse": {"id": 1, "connectorId": 1},
        **extra,
    }
    if offline:
        payload["offline"] = True
    if energy is not None:
        payload["meterValue"] = [
            {
                "timestamp": stamp(at),
                "sampledValue": [
                    {
                        "value": energy,
                        "measurand": "Energy.Active.Import.Register",
                        "unitOfMeasure": {"unit": "Wh"},
                    }
                ],
            }
        ]
    if event_type == "Ended":
        payload["transactionInfo"]["stoppedReason"] = "EVDisconnected"
    return payload
