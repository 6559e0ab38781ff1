"""ConcurrentTx end to end: an idToken already in an ongoing, accepted transaction is refused
with ConcurrentTx in the answer to the TransactionEvent Started of another transaction (at
another station or EVSE), and only there: AuthorizationStatusEnumType (Part 2) gives the status
only for that answer, so an Authorize gets the token's own status (C01.FR.07). The CSMS duties
are E01.FR.11 / E05.FR.01 (check the idToken of a TransactionEvent); equality is C01.FR.25.
The reference `Station` plays the driver's side where a whole flow is meant, `MiniStation`
where a test needs an exact message."""

from __future__ import annotations

from ocppgen.generated import v201
from ocppgen.reference.csms.app import Csms
from ocppgen.reference.demo import OperatorClient
from tests.reference.csms.conftest import ReferenceStationFactory, StationFactory
from tests.reference.csms.helpers import eventually, tx_event


async def test_c01_e05_authorize_token_charging_elsewhere_accepted_started_concurrent_tx(
    csms: Csms, reference_station: ReferenceStationFactory, api: OperatorClient
) -> None:
    """The Authorize at B is Accepted (the token's own status); the Started that follows is
    answered ConcurrentTx and the station ends that transaction (E05.FR.10)."""
    csms.store.put_token("DRIVER1", "ISO14443", "Accepted")
    first = await reference_station("CSA")
    second = await reference_station("CSB")
    await first.plug_in(1)
    assert await first.present_token("DRIVER1") == "Accepted"
    [charging] = await eventually(lambda: csms.store.transactions("CSA", active=True))
    assert (charging["id_token"], charging["id_token_status"]) == ("DRIVER1", "Accepted")
    await second.plug_in(1)
    assert await second.present_token("DRIVER1") == "Accepted"
    [refused] = await eventually(lambda: csms.store.transactions("CSB", active=False))
    assert (refused["id_token_status"], refused["stopped_reason"]) == (
        "ConcurrentTx",
        "DeAuthorized",
    )
    status, ongoing = await api.request("GET", "/api/transactions?active=true")
    assert status == 200
    assert [(t["station_id"], t["id_token"]) for t in ongoing] == [("CSA", "DRIVER1")]
    # Once that transaction has ended, the token is free again.
    await first.unplug(1)
    await eventually(lambda: not csms.store.transactions("CSA", active=True))
    await second.unplug(1)
    await second.plug_in(1)
    assert await second.present_token("DRIVER1") == "Accepted"
    [moved] = await eventually(lambda: csms.store.transactions("CSB", active=True))
    assert (moved["id_token"], moved["id_token_status"]) == ("DRIVER1", "Accepted")


async def test_e05_started_with_a_token_in_use_concurrent_tx_and_the_station_ends_it(
    csms: Csms, reference_station: ReferenceStationFactory, api: OperatorClient
) -> None:
    """Station B starts from its authorization cache (LocalPreAuthorize) without asking: the
    TransactionEvent Started is the CSMS's first chance to check the token (E05.FR.01)."""
    csms.store.put_token("DRIVER1", "ISO14443", "Accepted")
    first = await reference_station("CSA")
    second = await reference_station("CSB")
    await second.plug_in(1)  # an earlier session at B leaves DRIVER1 Accepted in B's cache
    assert await second.present_token("DRIVER1") == "Accepted"
    [earlier] = await eventually(lambda: csms.store.transactions("CSB", active=True))
    await second.unplug(1)
    await eventually(lambda: not csms.store.transactions("CSB", active=True))
    await first.plug_in(1)  # now DRIVER1 charges at A
    assert await first.present_token("DRIVER1") == "Accepted"
    await eventually(lambda: csms.store.transactions("CSA", active=True))
    await second.plug_in(1)
    assert await second.present_token("DRIVER1") == "Accepted"  # locally, from the cache

    def refused() -> list[dict[str, object]]:
        return [
            t
            for t in csms.store.transactions("CSB", active=False)
            if t["transaction_id"] != earlier["transaction_id"]
        ]

    [ended] = await eventually(refused)
    # The CSMS answered ConcurrentTx; the station ended the transaction (E05.FR.10).
    assert (ended["id_token_status"], ended["stopped_reason"]) == ("ConcurrentTx", "DeAuthorized")
    status, detail = await api.request("GET", f"/api/transactions/CSB/{ended['transaction_id']}")
    assert status == 200
    started = detail["event_log"][0]
    assert (started["event_type"], started["id_token_status"]) == ("Started", "ConcurrentTx")
    [untouched] = csms.store.transactions("CSA", active=True)
    assert (untouched["id_token"], untouched["id_token_status"]) == ("DRIVER1", "Accepted")


async def test_e05_concurrent_tx_same_station_other_evse_group_and_repeats(
    csms: Csms, station: StationFactory
) -> None:
    mini = await station("CS1")
    store = csms.store
    store.put_token("T1", "ISO14443", "Accepted", group_id="FLEET")
    store.put_token("T2", "ISO14443", "Accepted", group_id="FLEET")
    first, info = await mini.start_transaction(1, "T1")
    assert info == "Accepted"
    second, info = await mini.start_transaction(2, "T1")  # same token, another EVSE
    assert info == "ConcurrentTx"
    assert store.transaction("CS1", second)["id_token_status"] == "ConcurrentTx"  # type: ignore[index]
    # A token of the same group is another token (C01.FR.25): it may charge meanwhile.
    sibling, info = await mini.start_transaction(3, "T2")
    assert info == "Accepted"
    # Authorize is answered with the token's own status, never ConcurrentTx (Part 2).
    assert await mini.authorize("T1") == "Accepted"
    assert await mini.authorize("T2") == "Accepted"
    response = await mini.calls.authorize(
        v201.AuthorizeRequest.from_json_dict({"idToken": {"idToken": "T1", "type": "ISO14443"}})
    )
    assert response.id_token_info.to_json_dict()["groupIdToken"] == {
        "idToken": "FLEET",
        "type": "Central",
    }
    # The Ended event of the accepted transaction carries its token and is not refused.
    ended = await mini.calls.transaction_event(
        v201.TransactionEventRequest.from_json_dict(
            tx_event(first, 1, "Ended", idToken={"idToken": "T1", "type": "ISO14443"})
        )
    )
    assert ended.id_token_info is not None and ended.id_token_info.status == "Accepted"
    # The refused transaction does not hold the token: T1 is free once `first` has ended ...
    assert await mini.authorize("T1") == "Accepted"
    # ... but a re-sent event gets the answer it got the first time.
    again = await mini.calls.transaction_event(
        v201.TransactionEventRequest.from_json_dict(
            tx_event(second, 0, "Started", idToken={"idToken": "T1", "type": "ISO14443"})
        )
    )
    assert again.id_token_info is not None and again.id_token_info.status == "ConcurrentTx"
    assert len(store.transaction("CS1", second)["event_log"]) == 1  # type: ignore[index]
    # Start buttons (NoAuthorization) never conflict.
    for evse in (4, 5):
        _, info = await mini.start_transaction(evse, "", "NoAuthorization")
        assert info == "Accepted"
    assert {t["transaction_id"] for t in store.transactions("CS1", active=True)} >= {sibling}


async def test_e07_a_stop_token_does_not_hold_the_transaction(
    csms: Csms, station: StationFactory
) -> None:
    """E07.FR.02: the driver stops with another token of the group (StopAuthorized Updated while
    TxStopPoint keeps the transaction until unplug). That idToken stopped the transaction, it
    did not take it: it is not ConcurrentTx elsewhere, the transaction keeps the token it
    started with, and that token is free again (its authorization has ended)."""
    store = csms.store
    store.put_token("T1", "ISO14443", "Accepted", group_id="FLEET")
    store.put_token("T2", "ISO14443", "Accepted", group_id="FLEET")
    mini = await station("CS1")
    first, info = await mini.start_transaction(1, "T1")
    assert info == "Accepted"
    stop = await mini.calls.transaction_event(
        v201.TransactionEventRequest.from_json_dict(
            tx_event(
                first,
                1,
                "Updated",
                triggerReason="StopAuthorized",
                idToken={"idToken": "T2", "type": "ISO14443"},
            )
        )
    )
    assert stop.id_token_info is not None and stop.id_token_info.status == "Accepted"
    held = store.transaction("CS1", first)
    assert held is not None and (held["state"], held["id_token"]) == ("Started", "T1")
    assert await mini.authorize("T2") == "Accepted"
    assert await mini.authorize("T1") == "Accepted"
    _, info = await mini.start_transaction(2, "T2")
    assert info == "Accepted"


async def test_e07_stopping_with_a_token_that_charges_elsewhere_is_accepted(
    csms: Csms, station: StationFactory
) -> None:
    """T2 charges on EVSE 2; the driver presents it at EVSE 1 to stop T1's transaction (same
    group, E07.FR.01). The stop event's idToken ends a transaction, it does not start one: it
    is answered Accepted, not ConcurrentTx, and T2's own transaction still holds T2."""
    store = csms.store
    store.put_token("T1", "ISO14443", "Accepted", group_id="FLEET")
    store.put_token("T2", "ISO14443", "Accepted", group_id="FLEET")
    mini = await station("CS1")
    first, _ = await mini.start_transaction(1, "T1")
    second, info = await mini.start_transaction(2, "T2")
    assert info == "Accepted"
    for seq_no, event_type in ((1, "Updated"), (2, "Ended")):
        answer = await mini.calls.transaction_event(
            v201.TransactionEventRequest.from_json_dict(
                tx_event(
                    first,
                    seq_no,
                    event_type,
                    triggerReason="StopAuthorized",
                    idToken={"idToken": "T2", "type": "ISO14443"},
                )
            )
        )
        assert answer.id_token_info is not None and answer.id_token_info.status == "Accepted"
    assert [t["transaction_id"] for t in store.authorized_transactions("T2", "ISO14443")] == [
        second
    ]
    assert await mini.authorize("T2") == "Accepted"
    _, info = await mini.start_transaction(3, "T2")
    assert info == "ConcurrentTx"
