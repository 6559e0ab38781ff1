"""Issue 15, bad input: one TransactionEvent or MeterValues with more sampled values than the
CSMS takes from one message is refused with OccurrenceConstraintViolation before anything is
stored, over a real connection; the limit itself is taken, and the connection serves on."""

from __future__ import annotations

from typing import Any

import pytest

from ocppgen.generated import v201
from ocppgen.reference.csms.app import Csms
from ocppgen.reference.csms.handlers import MAX_SAMPLED_VALUES
from ocppgen.runtime.errors import ErrorCode, RemoteCallError
from tests.reference.csms.conftest import StationFactory
from tests.reference.csms.helpers import stamp, tx_event


def _meter_values(count: int) -> list[dict[str, Any]]:
    """`count` sampled values in two meterValue items (the bound is on all of them)."""
    first = count // 2
    return [
        {"timestamp": stamp(), "sampledValue": [{"value": 1}] * size}
        for size in (first, count - first)
    ]


async def test_a_flood_of_sampled_values_is_refused_before_it_is_stored(
    csms: Csms, station: StationFactory
) -> None:
    mini = await station("FLOOD1")
    flood = tx_event("TXF", 0, "Started", meterValue=_meter_values(MAX_SAMPLED_VALUES + 1))
    with pytest.raises(RemoteCallError) as refused:
        await mini.calls.transaction_event(v201.TransactionEventRequest.from_json_dict(flood))
    assert refused.value.code == ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert f"{MAX_SAMPLED_VALUES + 1} sampled values" in refused.value.description
    assert csms.store.transaction("FLOOD1", "TXF") is None
    request = {"evseId": 1, "meterValue": _meter_values(MAX_SAMPLED_VALUES + 1)}
    with pytest.raises(RemoteCallError) as meter_refused:
        await mini.calls.meter_values(v201.MeterValuesRequest.from_json_dict(request))
    assert meter_refused.value.code == ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert csms.store.meter_values("FLOOD1") == []
    # at the limit: stored, on the same connection
    full = tx_event("TXF", 0, "Started", meterValue=_meter_values(MAX_SAMPLED_VALUES))
    await mini.calls.transaction_event(v201.TransactionEventRequest.from_json_dict(full))
    stored = csms.store.transaction("FLOOD1", "TXF")
    assert stored is not None and len(stored["meter_values"]) == MAX_SAMPLED_VALUES
