"""MessageStore and the abandoned-transaction rule (issue 17 items 1 and 4) on their own, on
SQLite and PostgreSQL: messages numbered per station and read back exactly, filters, status
history per request, the CSMS's own requests; an open transaction superseded by a newer one on
its EVSE (and only by a newer one), kept across a rebuild from its events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.messages import MessageStore
from ocppgen.reference.csms.store.meters import MeterValueStore
from ocppgen.reference.csms.store.transactions import TransactionStore
from tests.reference.csms.helpers import tx_event
from tests.reference.csms.store_parts import BACKENDS, add_station, database_url, migrated

TOKEN = {"idToken": "T1", "type": "ISO14443"}


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with migrated(database_url(request, tmp_path)) as database:
        add_station(database, "CS1")
        add_station(database, "CS2")
        yield database


def test_messages_numbered_per_station_filtered_and_read_back(db: Database) -> None:
    store = MessageStore(db)
    payload = {"type": "TamperDetectionActivated", "timestamp": "2025-01-01T00:00:00Z"}
    assert store.add_message("CS1", "SecurityEventNotification", payload, {}, critical=True) == 1
    assert store.add_message("CS2", "LogStatusNotification", {"status": "Idle"}, {}) == 1
    seq = store.add_message(
        "CS1",
        "FirmwareStatusNotification",
        {"status": "Downloading", "requestId": 9, "text": "\u00e9\u0000"},
        {},
        request_id=9,
        status="Downloading",
        anomaly="no UpdateFirmware with id 9 was sent to this station",
    )
    assert seq == 2
    store.set_outcome("CS1", seq, {"note": "x"})
    [first, second] = store.messages("CS1")
    assert (first["critical"], first["payload"], first["outcome"]) == (True, payload, None)
    assert second["payload"]["text"] == "\u00e9\u0000" and second["outcome"] == {"note": "x"}
    assert [m["seq"] for m in store.messages("CS1", anomalies=True)] == [2]
    assert [m["seq"] for m in store.messages("CS1", critical=True)] == [1]
    assert [m["station_id"] for m in store.messages(anomalies=True)] == ["CS1"]
    assert store.status_history("CS1", "FirmwareStatusNotification")[0]["request_id"] == 9


def test_csms_requests_remembered_with_the_answer(db: Database) -> None:
    store = MessageStore(db)
    assert store.sent_request("CS1", "GetLog", 1) is None
    store.record_request("CS1", "GetLog", 1, None)
    assert store.sent_request("CS1", "GetLog", 1) == ""
    store.record_request("CS1", "GetLog", 1, "Rejected")
    assert store.sent_request("CS1", "GetLog", 1) == "Rejected"
    assert store.sent_request("CS2", "GetLog", 1) is None


def test_open_transaction_superseded_only_by_a_newer_one_on_its_evse(db: Database) -> None:
    store = TransactionStore(db, MeterValueStore(db))
    store.add_transaction_event(
        "CS1", tx_event("OLD", 0, "Started", idToken=TOKEN, at=-60), "Accepted"
    )
    store.add_transaction_event("CS1", tx_event("OTHER", 0, "Started", evse={"id": 2}, at=-50))
    store.add_transaction_event("CS2", tx_event("ELSEWHERE", 0, "Started", at=-40))
    store.add_transaction_event("CS1", tx_event("OLDER", 0, "Started", offline=True, at=-600))
    assert store.transaction("CS1", "OLD")["abandoned"] is None  # type: ignore[index]
    store.add_transaction_event("CS1", tx_event("NEW", 0, "Started", idToken=TOKEN), "Accepted")
    old = store.transaction("CS1", "OLD")
    assert old is not None and old["state"] == "Abandoned"
    assert old["abandoned"]["superseded_by"] == "NEW"
    assert [t["transaction_id"] for t in store.authorized_transactions("T1", "ISO14443")] == ["NEW"]
    active = {t["transaction_id"] for t in store.transactions(active=True)}
    assert active == {"NEW", "OTHER", "ELSEWHERE"}
    store.rebuild_transaction("CS1", "OLD")
    rebuilt = store.transaction("CS1", "OLD")
    assert rebuilt is not None and rebuilt["state"] == "Abandoned"
    assert store.verify_transaction("CS1", "OLD") == []
