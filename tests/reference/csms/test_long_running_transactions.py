"""Issue 17 item 4, over real sockets: transactions in a CSMS that runs for months. A station
that lost a transaction (no Ended event) cannot leave its EVSE or its driver's token stuck: the
next transaction Started on that EVSE supersedes it (ended as abandoned, with the reason, in
the operator API); seqNo gaps, out-of-order, repeated and offline events are stored and
answered, never with a CALLERROR."""

from __future__ import annotations

from typing import Any

from ocppgen.generated import v201
from ocppgen.reference.csms.app import Csms
from ocppgen.reference.demo import OperatorClient
from tests.reference.csms.conftest import StationFactory
from tests.reference.csms.helpers import tx_event
from tests.reference.csms.ministation import MiniStation

T1 = {"idToken": "T1", "type": "ISO14443"}


async def _send(mini: MiniStation, payload: dict[str, Any]) -> str | None:
    """Send a TransactionEvent; the idTokenInfo status answered (a CALLERROR raises)."""
    answer = await mini.calls.transaction_event(
        v201.TransactionEventRequest.from_json_dict(payload)
    )
    return None if answer.id_token_info is None else str(answer.id_token_info.status)


async def test_e01_started_on_an_evse_with_an_open_transaction_supersedes_it(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    csms.store.put_token("T1", "ISO14443", "Accepted")
    mini = await station("CS1")
    lost, info = await mini.start_transaction(1, "T1")
    assert info == "Accepted"
    # The station lost that transaction (rebooted without its queue) and starts anew on EVSE 1
    # with the same driver: not ConcurrentTx, the old transaction is abandoned.
    new, info = await mini.start_transaction(1, "T1")
    assert info == "Accepted"
    status, old = await api.request("GET", f"/api/transactions/CS1/{lost}")
    assert status == 200
    assert old["state"] == "Abandoned" and old["ended_at"] is None
    assert old["abandoned"]["superseded_by"] == new
    assert new in old["abandoned"]["reason"] and "EVSE 1" in old["abandoned"]["reason"]
    status, ongoing = await api.request("GET", "/api/transactions?active=true")
    assert [t["transaction_id"] for t in ongoing] == [new]
    status, ended = await api.request("GET", "/api/stations/CS1/transactions?active=false")
    assert [(t["transaction_id"], t["state"]) for t in ended] == [(lost, "Abandoned")]
    # The new transaction holds T1: Started elsewhere is ConcurrentTx, Authorize is not.
    other = await station("CS2")
    assert await other.authorize("T1") == "Accepted"
    _, info = await other.start_transaction(1, "T1")
    assert info == "ConcurrentTx"
    # An Ended event arriving late for the abandoned one still ends it as the station says.
    assert await _send(mini, tx_event(lost, 1, "Ended", energy=10.0)) is None
    [late] = [t for t in csms.store.transactions("CS1") if t["transaction_id"] == lost]
    assert late["state"] == "Ended" and late["abandoned"]["superseded_by"] == new
    assert csms.store.verify_transaction("CS1", lost) == []


async def test_e12_late_offline_start_of_an_older_transaction_abandons_nothing(
    csms: Csms, station: StationFactory
) -> None:
    """Offline events of a transaction that ran before the open one (E12) arrive after it
    started: they do not supersede the newer transaction."""
    csms.store.put_token("T1", "ISO14443", "Accepted")
    mini = await station("CS1")
    current, _ = await mini.start_transaction(1, "T1")
    earlier = "EARLIER-TX"
    assert await _send(mini, tx_event(earlier, 0, "Started", offline=True, at=-600)) is None
    assert await _send(mini, tx_event(earlier, 1, "Ended", offline=True, at=-300)) is None
    [open_one] = csms.store.transactions("CS1", active=True)
    assert open_one["transaction_id"] == current and open_one["abandoned"] is None
    row = csms.store.transaction("CS1", earlier)
    assert row is not None and row["state"] == "Ended" and row["abandoned"] is None


async def test_e01_e12_gaps_out_of_order_repeats_and_offline_events_never_callerror(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    csms.store.put_token("T1", "ISO14443", "Accepted")
    mini = await station("CS1")
    tx = "GAPPY-TX"
    # Updated before its Started, a gap (seqNo 1, 4 never sent), offline events, a repeat with
    # other content, an Ended for a transaction the CSMS never saw: all answered.
    assert await _send(mini, tx_event(tx, 3, offline=True, energy=30.0, at=-50)) is None
    assert await _send(mini, tx_event(tx, 0, "Started", idToken=T1, at=-60)) == "Accepted"
    assert await _send(mini, tx_event(tx, 2, energy=20.0, at=-55)) is None
    assert await _send(mini, tx_event(tx, 2, energy=99.0, at=-55)) is None  # stored once
    assert await _send(mini, tx_event(tx, 5, "Ended", energy=40.0)) is None
    assert await _send(mini, tx_event("NEVER-STARTED", 7, "Ended", evse={"id": 2})) is None
    status, detail = await api.request("GET", f"/api/transactions/CS1/{tx}")
    assert status == 200
    assert (detail["state"], detail["missing_seq_nos"], detail["complete"]) == (
        "Ended",
        [1, 4],
        False,
    )
    assert [e["seq_no"] for e in detail["event_log"]] == [0, 2, 3, 5]
    assert (detail["offline_events"], detail["energy_wh"]) == (1, 40.0)
    status, orphan = await api.request("GET", "/api/transactions/CS1/NEVER-STARTED")
    assert (orphan["state"], orphan["missing_seq_nos"]) == ("Ended", list(range(7)))


async def test_e01_many_abandoned_sessions_in_one_process_never_poison_a_token(
    csms: Csms, station: StationFactory
) -> None:
    """One CSMS process, many sessions: a station that keeps losing its transactions on the
    same EVSE never leaves the driver refused, here or elsewhere once superseded."""
    csms.store.put_token("T1", "ISO14443", "Accepted")
    forgetful = await station("CS1")
    other = await station("CS2")
    for _ in range(20):
        _, info = await forgetful.start_transaction(1, "T1")
        assert info == "Accepted"
        assert await other.authorize("T1") == "Accepted"
    assert len(csms.store.transactions("CS1", active=True)) == 1
    assert len([t for t in csms.store.transactions("CS1") if t["abandoned"]]) == 19
    await forgetful.stop_transaction(1, 100.0)
    _, info = await other.start_transaction(1, "T1")
    assert info == "Accepted"
