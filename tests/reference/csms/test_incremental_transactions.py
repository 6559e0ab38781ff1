"""Issue 15 item 1: each TransactionEvent is folded into its transaction in constant work, and
the folded row is exactly what a rebuild from all the stored events gives (the reference
`summary.transaction_summary`), on random event sequences: out of order, repeated seqNos,
offline events, Started/Updated/Ended in any order, idTokens of starts and stops, energy in
Wh/kWh with multipliers, as floats (the runtime's models) or Decimals; SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocppgen.reference.csms.db import Database, Params, Row
from ocppgen.reference.csms.store.meters import MeterValueStore
from ocppgen.reference.csms.store.summary import SUMMARY_COLUMNS
from ocppgen.reference.csms.store.transactions import TransactionStore
from tests.reference.csms.helpers import tx_event
from tests.reference.csms.store_parts import BACKENDS, add_station, database_url, migrated

_NAMES = (f"TX{n}" for n in itertools.count())
"""A fresh transaction id per Hypothesis example: the database is shared by the examples."""


@pytest.fixture(params=BACKENDS)
def transactions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TransactionStore]:
    with migrated(database_url(request, tmp_path)) as db:
        add_station(db, "CS1")
        yield TransactionStore(db, MeterValueStore(db))


_TRIGGERS = ("Authorized", "MeterValuePeriodic", "StopAuthorized", "StopAuthorized", "RemoteStop")
"""StopAuthorized twice: its token rule (E07.FR.02) is the one that most needs exercising."""
_UNITS: tuple[dict[str, Any] | None, ...] = (
    None,
    {},
    {"unit": "Wh"},
    {"unit": "kWh"},
    {"unit": "Wh", "multiplier": 3},
    {"unit": "kWh", "multiplier": -2},
    {"unit": "W"},
)
_EVSES = (None, {"id": 1}, {"id": 2, "connectorId": 1}, {"id": 1, "connectorId": 2})
_VALUES = st.one_of(
    st.integers(-5, 10**6),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.decimals(-(10**6), 10**6, allow_nan=False, allow_infinity=False, places=3),
    st.sampled_from([1500.0, Decimal("1500"), Decimal("1500.0"), Decimal("1.5E+3"), 1e306]),
)


@st.composite
def _sample(draw: st.DrawFn) -> dict[str, Any]:
    sample: dict[str, Any] = {"value": draw(_VALUES)}
    unit = draw(st.sampled_from(_UNITS))
    if unit is not None:
        sample["unitOfMeasure"] = unit
    measurand = draw(st.sampled_from([None, "Energy.Active.Import.Register", "Voltage"]))
    if measurand is not None:
        sample["measurand"] = measurand
    if draw(st.booleans()) and draw(st.booleans()):
        sample["phase"] = "L1"
    return sample


@st.composite
def _event(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    """A TransactionEvent payload (transaction id filled in later) and its answered status."""
    kind = draw(st.sampled_from(["Started", "Updated", "Ended"]))
    extra: dict[str, Any] = {"triggerReason": draw(st.sampled_from(_TRIGGERS))}
    info: dict[str, Any] = {"transactionId": ""}
    if draw(st.booleans()):
        info["chargingState"] = draw(st.sampled_from(["Charging", "SuspendedEV", "Idle"]))
    if kind == "Ended" and draw(st.booleans()):
        info["stoppedReason"] = draw(st.sampled_from(["Local", "Remote", "EVDisconnected"]))
    extra["transactionInfo"] = info
    evse = draw(st.sampled_from(_EVSES))
    if draw(st.integers(0, 2)):
        extra["idToken"] = {"idToken": draw(st.sampled_from("ABC")), "type": "ISO14443"}
    event = tx_event(
        "",
        draw(st.integers(-2, 14)),  # small: repeats and gaps are common
        kind,
        offline=draw(st.booleans()),
        at=draw(st.integers(0, 5)),
        **extra,
    )
    if evse is None:
        del event["evse"]
    else:
        event["evse"] = evse
    if draw(st.booleans()):
        samples = draw(st.lists(_sample(), min_size=1, max_size=3))
        event["meterValue"] = [{"timestamp": event["timestamp"], "sampledValue": samples}]
    status = draw(st.sampled_from([None, "Accepted", "Blocked"])) if "idToken" in extra else None
    return event, status


def _named(event: dict[str, Any], transaction_id: str) -> dict[str, Any]:
    info = {**event["transactionInfo"], "transactionId": transaction_id}
    return {**event, "transactionInfo": info}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(_event(), min_size=1, max_size=14))
def test_the_folded_row_is_the_rebuilt_row(
    transactions: TransactionStore, events: list[tuple[dict[str, Any], str | None]]
) -> None:
    transaction_id = next(_NAMES)
    latest: dict[str, Any] | None = None
    first_seen: set[int] = set()
    for event, status in events:
        answer = transactions.add_transaction_event("CS1", _named(event, transaction_id), status)
        assert (answer is None) == (event["seqNo"] in first_seen)  # a repeat is stored once
        first_seen.add(event["seqNo"])
        latest = answer or latest
    assert transactions.verify_transaction("CS1", transaction_id) == []
    stored = transactions.transactions("CS1")
    row = next(t for t in stored if t["transaction_id"] == transaction_id)
    assert row == latest  # what add_transaction_event returned is what is stored
    assert transactions.rebuild_transaction("CS1", transaction_id) == row


def test_a_late_event_splits_a_gap_and_the_ranges_stay_exact(
    transactions: TransactionStore,
) -> None:
    for seq in (0, 9, 4, 1, 8):
        answer = transactions.add_transaction_event("CS1", tx_event("G", seq))
    assert answer is not None and answer["missing_seq_nos"] == [2, 3, 5, 6, 7]
    ended = transactions.add_transaction_event("CS1", tx_event("G", 10, "Ended"))
    assert ended is not None and not ended["complete"]
    for seq in (2, 3, 5, 6, 7):
        answer = transactions.add_transaction_event("CS1", tx_event("G", seq))
    assert answer is not None and answer["complete"] and answer["missing_seq_nos"] == []
    assert transactions.verify_transaction("CS1", "G") == []


def test_more_gaps_than_listed_show_the_next_ones_as_earlier_ones_fill(
    transactions: TransactionStore,
) -> None:
    transactions.add_transaction_event("CS1", tx_event("L", 2**31 - 1))
    answer = transactions.add_transaction_event("CS1", tx_event("L", 0))
    assert answer is not None and answer["missing_seq_nos"] == list(range(1, 101))
    assert transactions.verify_transaction("CS1", "L") == []


def test_verify_finds_a_damaged_row_and_rebuild_repairs_it(
    transactions: TransactionStore,
) -> None:
    transactions.add_transaction_event("CS1", tx_event("D", 0, "Started", energy=10))
    transactions.add_transaction_event("CS1", tx_event("D", 2, energy=250))
    db = transactions.db
    db.execute("UPDATE transactions SET energy_wh = '1', events = 7 WHERE transaction_id = 'D'")
    db.execute("DELETE FROM transaction_gaps WHERE transaction_id = 'D'")
    assert transactions.verify_transaction("CS1", "D") == ["energy_wh", "events", "gaps"]
    repaired = transactions.rebuild_transaction("CS1", "D")
    assert repaired is not None and repaired["energy_wh"] == 250
    assert repaired["missing_seq_nos"] == [1]
    assert transactions.verify_transaction("CS1", "D") == []


def test_a_row_from_before_the_fold_is_rebuilt_once_at_its_next_event(
    transactions: TransactionStore,
) -> None:
    transactions.add_transaction_event("CS1", tx_event("OLD", 0, "Started", energy=10))
    transactions.add_transaction_event("CS1", tx_event("OLD", 2, energy=250))
    transactions.db.execute("UPDATE transactions SET fold_state = NULL, energy_wh = NULL")
    transactions.db.execute("DELETE FROM transaction_gaps")
    answer = transactions.add_transaction_event("CS1", tx_event("OLD", 3, energy=300))
    assert answer is not None and (answer["energy_wh"], answer["missing_seq_nos"]) == (300, [1])
    assert transactions.verify_transaction("CS1", "OLD") == []
    answer = transactions.add_transaction_event("CS1", tx_event("OLD", 1, "Ended"))
    assert answer is not None and answer["complete"]


class _CountingDatabase:
    """The store's database, counting the statements run and the rows they return."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.dialect = db.dialect
        self.statements = 0
        self.rows = 0

    def execute(self, sql: str, params: Params = ()) -> int:
        self.statements += 1
        return self.db.execute(sql, params)

    def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        self.statements += 1
        self.db.execute_many(sql, rows)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        self.statements += 1
        rows = self.db.query(sql, params)
        self.rows += len(rows)
        return rows

    def transaction(self) -> Any:
        return self.db.transaction()

    def begin(self) -> None:
        self.db.begin()

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    @property
    def deferred_sync(self) -> bool:
        return self.db.deferred_sync

    def sync(self) -> None:
        self.db.sync()

    def close(self) -> None:
        self.db.close()


def _work(store: TransactionStore, counting: _CountingDatabase, seq: int) -> tuple[int, int]:
    counting.statements = counting.rows = 0
    assert store.add_transaction_event("CS1", tx_event("LONG", seq, energy=seq * 10))
    return counting.statements, counting.rows


def test_an_event_costs_the_same_work_at_any_length_of_its_transaction(
    transactions: TransactionStore,
) -> None:
    counting = _CountingDatabase(transactions.db)
    store = TransactionStore(counting, MeterValueStore(counting))
    # insert event and samples, read row, find the EVSE's open transactions (a new transaction
    # supersedes them, `store.abandoned`), write row
    assert _work(store, counting, 0) == (5, 0)
    early = _work(store, counting, 1)
    for seq in range(2, 400):
        _work(store, counting, seq)
    # the row's fold state is cached: no read at all, at any length
    assert _work(store, counting, 400) == early == (3, 0)
    store.forget_cached()
    assert _work(store, counting, 401) == (4, 1)  # without the cache: one row read


def _with(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**event, **changes}


def _token(name: str) -> dict[str, str]:
    return {"idToken": name, "type": "ISO14443"}


_STOP = "StopAuthorized"
_SUMMARY = (*SUMMARY_COLUMNS, "complete")
_ORDERS: dict[str, list[tuple[dict[str, Any], str | None]]] = {
    "tokens": [  # first stop token, last other token, statuses of stops ignored
        (_with(tx_event("", 0, triggerReason=_STOP), idToken=_token("S1")), "Accepted"),
        (_with(tx_event("", 1, triggerReason=_STOP), idToken=_token("S2")), "Blocked"),
        (_with(tx_event("", 2, "Started"), idToken=_token("A")), "Accepted"),
        (_with(tx_event("", 3), idToken=_token("B")), "Invalid"),
        (_with(tx_event("", 5, "Ended", triggerReason=_STOP), idToken=_token("S3")), "Blocked"),
    ],
    "times": [  # last Started else first event; last Ended; connector only where sent
        (_with(tx_event("", 0, at=1), evse={"id": 2}), None),
        (tx_event("", 1, "Started", at=2), None),
        (_with(tx_event("", 2, "Started", at=3), evse={"id": 3}), None),
        (tx_event("", 4, "Ended", at=4), None),
        (_with(tx_event("", 6, "Ended", at=5), evse={"id": 4}), None),
    ],
    "energy": [  # equal readings written differently; Wh wins over kWh
        (tx_event("", 0, energy=1500), None),
        (tx_event("", 1, energy=Decimal("1500.0")), None),  # type: ignore[arg-type]
        (tx_event("", 2, energy=Decimal("1.5E+3")), None),  # type: ignore[arg-type]
        (tx_event("", 3, energy=1500.0), None),
        (tx_event("", 7, energy=Decimal("-0")), None),  # type: ignore[arg-type]
    ],
}


@pytest.mark.parametrize("case", sorted(_ORDERS))
def test_every_arrival_order_gives_the_rebuilt_row(
    transactions: TransactionStore, case: str
) -> None:
    rows = []
    for number, order in enumerate(itertools.permutations(_ORDERS[case])):
        transaction_id = f"{case}{number}"
        for event, status in order:
            transactions.add_transaction_event("CS1", _named(event, transaction_id), status)
        assert transactions.verify_transaction("CS1", transaction_id) == [], order
        row = transactions.transaction("CS1", transaction_id)
        assert row is not None
        rows.append({k: v for k, v in row.items() if k in _SUMMARY})
    assert all(row == rows[0] for row in rows)
