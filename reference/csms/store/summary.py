"""A transaction's summary row, from its events: the one place that turns TransactionEvents
into what the `transactions` table holds.

`transaction_summary` is a pure function of the transaction's stored events (wire payloads in
seqNo order), the idTokenInfo statuses answered for them and the largest energy readings among
its meter values; `TransactionStore` reads those, calls it and writes the row. A cheaper,
per-event update of the row would change this module (and what the store reads for it) only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from ocppgen.reference.csms.store.values import missing_numbers, scaled

__all__ = [
    "SUMMARY_COLUMNS",
    "answered_status",
    "energy_wh",
    "summarise",
    "transaction_summary",
]

SUMMARY_COLUMNS: Final = (
    "evse_id",
    "connector_id",
    "id_token",
    "token_type",
    "started_at",
    "ended_at",
    "state",
    "charging_state",
    "stopped_reason",
    "energy_wh",
    "events",
    "last_seq_no",
    "missing_seq_nos",
    "offline_events",
    "id_token_status",
)
"""The columns of a `transactions` row besides its key, as `transaction_summary` fills them."""


def transaction_summary(
    events: Sequence[dict[str, Any]],
    statuses: Sequence[str | None],
    max_wh: float | None,
    max_kwh: float | None,
) -> dict[str, Any]:
    """Every SUMMARY_COLUMNS value of a transaction (missing_seq_nos as a list).

    events: its payloads in seqNo order; statuses: the idTokenInfo status answered for each
    (None: no idToken); max_wh / max_kwh: the largest Energy.Active.Import.Register reading
    without phase in Wh (or no unit) and in kWh."""
    summary = summarise(events)
    summary["id_token_status"] = answered_status(events, statuses)
    summary["energy_wh"] = energy_wh(max_wh, max_kwh)
    return summary


def summarise(events: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A transaction's summary from its events (wire payloads) in seqNo order."""
    summary: dict[str, Any] = {
        "evse_id": None,
        "connector_id": None,
        "id_token": None,
        "token_type": None,
        "started_at": None,
        "ended_at": None,
        "state": "Started",
        "charging_state": None,
        "stopped_reason": None,
        "events": len(events),
        "last_seq_no": None,
        "missing_seq_nos": [],
        "offline_events": sum(1 for event in events if event.get("offline")),
    }
    for event in events:
        _apply(summary, event)
    if events:
        seqs = {event["seqNo"] for event in events}
        summary["last_seq_no"] = max(seqs)
        summary["missing_seq_nos"] = missing_numbers(seqs, max(seqs))
    return summary


def _apply(summary: dict[str, Any], event: dict[str, Any]) -> None:
    """What one event (the next in seqNo order) changes in the summary."""
    evse = event.get("evse")
    if evse is not None:
        summary["evse_id"] = evse["id"]
        summary["connector_id"] = evse.get("connectorId", summary["connector_id"])
    token = event.get("idToken")
    stop_token = event["triggerReason"] == "StopAuthorized"  # E07.FR.02: who stopped it
    if token is not None and (not stop_token or summary["id_token"] is None):
        summary["id_token"] = token["idToken"]
        summary["token_type"] = token["type"]
    info = event["transactionInfo"]
    if "chargingState" in info:
        summary["charging_state"] = info["chargingState"]
    if event["eventType"] == "Started" or summary["started_at"] is None:
        summary["started_at"] = event["timestamp"]
    if event["eventType"] == "Ended":
        summary["state"] = "Ended"
        summary["ended_at"] = event["timestamp"]
        summary["stopped_reason"] = info.get("stoppedReason", "Local")


def answered_status(events: Sequence[dict[str, Any]], statuses: Sequence[str | None]) -> str | None:
    """The status answered last for the transaction's own idToken (not a stop token's)."""
    answered = [
        status
        for status, event in zip(statuses, events, strict=True)
        if status is not None and event["triggerReason"] != "StopAuthorized"
    ]
    return answered[-1] if answered else None


def energy_wh(max_wh: float | None, max_kwh: float | None) -> float | None:
    """The energy in Wh: the Wh reading, else the kWh one scaled (None past the largest
    double, never inf, which is not JSON)."""
    if max_wh is None and max_kwh is not None:
        return scaled(max_kwh, 3)
    return max_wh
