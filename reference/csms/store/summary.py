"""A transaction's summary row, from its events: the one place that turns TransactionEvents
into what the `transactions` table holds, in two ways that must agree.

- `transaction_summary` (the reference, for rebuilding and verifying): a pure function of all
  the transaction's stored events (wire payloads in seqNo order) and the idTokenInfo statuses
  answered for them. Its cost grows with the transaction.
- `fold` (what each TransactionEvent does): folds one new event, in whatever order it arrives,
  into a small `FoldState` kept with the row, which records for each field the seqNo that set it
  and the largest energy readings so far; `folded_summary` reads the columns off it. Constant
  work per event. The seqNo gaps are the store's (a range table); both take them as given.

The reference applies events in seqNo order, each later event overriding; the fold gets the
same result in any arrival order by keeping, per field, the event that wins in seqNo order
(see `_TOKEN` and `_START` for the two fields whose rule is not simply "the highest seqNo").
Energy readings are exact decimals (`values`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from ocppgen.reference.csms.store.meters import ENERGY_MEASURAND, Sample, samples
from ocppgen.reference.csms.store.values import (
    larger,
    missing_numbers,
    scaled,
    sortable_time,
)

__all__ = [
    "SUMMARY_COLUMNS",
    "FoldState",
    "answered_status",
    "energy_readings",
    "energy_wh",
    "fold",
    "folded_summary",
    "new_fold_state",
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
"""The columns of a `transactions` row besides its key and fold state, as
`transaction_summary` and `folded_summary` fill them (energy_wh a Decimal or None)."""

FoldState = dict[str, Any]
"""JSON-compatible: per field, [seqNo that set it, ...what it set] or None; `wh` / `kwh` the
largest energy readings as decimal text; `events`, `offline`, `last` (highest seqNo)."""


def transaction_summary(
    events: Sequence[dict[str, Any]], statuses: Sequence[str | None]
) -> dict[str, Any]:
    """Every SUMMARY_COLUMNS value of a transaction (missing_seq_nos as a list), from all its
    events (payloads in seqNo order) and the idTokenInfo status answered for each (None: no
    idToken)."""
    summary = summarise(events)
    summary["id_token_status"] = answered_status(events, statuses)
    wh, kwh = energy_readings(
        sample for event in events for sample in samples(event.get("meterValue", ()))
    )
    summary["energy_wh"] = energy_wh(wh, kwh)
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
        summary["started_at"] = sortable_time(event["timestamp"])
    if event["eventType"] == "Ended":
        summary["state"] = "Ended"
        summary["ended_at"] = sortable_time(event["timestamp"])
        summary["stopped_reason"] = info.get("stoppedReason", "Local")


def answered_status(events: Sequence[dict[str, Any]], statuses: Sequence[str | None]) -> str | None:
    """The status answered last for the transaction's own idToken (not a stop token's)."""
    answered = [
        status
        for status, event in zip(statuses, events, strict=True)
        if status is not None and event["triggerReason"] != "StopAuthorized"
    ]
    return answered[-1] if answered else None


def energy_readings(found: Iterable[Sample]) -> tuple[Decimal | None, Decimal | None]:
    """The largest Energy.Active.Import.Register reading without phase among the samples: (in
    Wh or without unit, in kWh), None where there is none."""
    wh: Decimal | None = None
    kwh: Decimal | None = None
    for sample in found:
        if sample.measurand != ENERGY_MEASURAND or sample.phase is not None:
            continue
        if sample.unit in (None, "Wh"):
            wh = larger(wh, sample.value)
        elif sample.unit == "kWh":
            kwh = larger(kwh, sample.value)
    return wh, kwh


def energy_wh(max_wh: Decimal | None, max_kwh: Decimal | None) -> Decimal | None:
    """The energy in Wh: the Wh reading, else the kWh one with the point moved (None past the
    largest double's magnitude, as for a sample)."""
    if max_wh is None and max_kwh is not None:
        return scaled(max_kwh, 3)
    return max_wh


# -- the per-event fold ---------------------------------------------------------------------


def new_fold_state() -> FoldState:
    """The state of a transaction without events."""
    return {
        "evse": None,
        "connector": None,
        "token": None,
        "charging": None,
        "start": None,
        "end": None,
        "status": None,
        "wh": None,
        "kwh": None,
        "events": 0,
        "offline": 0,
        "last": None,
    }


def _token_rank(stop: bool, seq: int) -> tuple[bool, int]:
    """_TOKEN: a token not of a stop (E07.FR.02) wins over a stop token, the last of them in
    seqNo order; among stop tokens only (the transaction had no other), the first."""
    return (not stop, -seq if stop else seq)


def _start_rank(started: bool, seq: int) -> tuple[bool, int]:
    """_START: started_at is the last Started event's time, else the first event's."""
    return (started, seq if started else -seq)


def _later(current: list[Any] | None, seq: int) -> bool:
    return current is None or seq > current[0]


def fold(
    state: FoldState, event: Mapping[str, Any], status: str | None, found: Iterable[Sample]
) -> None:
    """Fold one new event (a seqNo not folded before), the status answered for its idToken
    and its stored samples into `state`."""
    seq: int = event["seqNo"]
    evse = event.get("evse")
    if evse is not None:
        if _later(state["evse"], seq):
            state["evse"] = [seq, evse["id"]]
        if "connectorId" in evse and _later(state["connector"], seq):
            state["connector"] = [seq, evse["connectorId"]]
    stop = event["triggerReason"] == "StopAuthorized"
    token = event.get("idToken")
    if token is not None:
        held = state["token"]
        if held is None or _token_rank(stop, seq) > _token_rank(held[1], held[0]):
            state["token"] = [seq, stop, token["idToken"], token["type"]]
    info = event["transactionInfo"]
    if "chargingState" in info and _later(state["charging"], seq):
        state["charging"] = [seq, info["chargingState"]]
    started = event["eventType"] == "Started"
    start = state["start"]
    if start is None or _start_rank(started, seq) > _start_rank(start[1], start[0]):
        state["start"] = [seq, started, sortable_time(event["timestamp"])]
    if event["eventType"] == "Ended" and _later(state["end"], seq):
        state["end"] = [seq, sortable_time(event["timestamp"]), info.get("stoppedReason", "Local")]
    if status is not None and not stop and _later(state["status"], seq):
        state["status"] = [seq, status]
    _fold_energy(state, found)
    state["events"] += 1
    state["offline"] += 1 if event.get("offline") else 0
    state["last"] = seq if state["last"] is None else max(state["last"], seq)


def _fold_energy(state: FoldState, found: Iterable[Sample]) -> None:
    wh, kwh = energy_readings(found)
    for key, reading in (("wh", wh), ("kwh", kwh)):
        if reading is not None:
            held = state[key]
            state[key] = str(larger(None if held is None else Decimal(held), reading))


def _value(held: list[Any] | None, index: int) -> Any:
    return None if held is None else held[index]


def folded_summary(state: FoldState, missing_seq_nos: list[int]) -> dict[str, Any]:
    """Every SUMMARY_COLUMNS value from a fold state and the listed seqNo gaps."""
    end = state["end"]
    wh, kwh = (None if state[k] is None else Decimal(state[k]) for k in ("wh", "kwh"))
    return {
        "evse_id": _value(state["evse"], 1),
        "connector_id": _value(state["connector"], 1),
        "id_token": _value(state["token"], 2),
        "token_type": _value(state["token"], 3),
        "started_at": _value(state["start"], 2),
        "ended_at": _value(end, 1),
        "state": "Started" if end is None else "Ended",
        "charging_state": _value(state["charging"], 1),
        "stopped_reason": _value(end, 2),
        "energy_wh": energy_wh(wh, kwh),
        "events": state["events"],
        "last_seq_no": state["last"],
        "missing_seq_nos": missing_seq_nos,
        "offline_events": state["offline"],
        "id_token_status": _value(state["status"], 1),
    }
