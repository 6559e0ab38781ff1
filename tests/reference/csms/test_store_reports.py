"""ReportStore alone (issue 14 item 1): NotifyEvent records and NotifyReport series."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocppgen.reference.csms.store.reports import ReportStore
from tests.reference.csms.store_parts import BACKENDS, add_station, database_url, migrated


@pytest.fixture(params=BACKENDS)
def reports(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReportStore]:
    with migrated(database_url(request, tmp_path)) as db:
        add_station(db, "CS1")
        yield ReportStore(db)


def _event(event_id: int, timestamp: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "timestamp": timestamp,
        "trigger": "Delta",
        "component": {"name": "EVSE"},
        "variable": {"name": "AvailabilityState"},
        "actualValue": "Faulted",
        "eventNotificationType": "HardWiredNotification",
    }


def test_notify_events_in_time_order(reports: ReportStore) -> None:
    late, early = _event(2, "2025-01-01T10:05:00.000Z"), _event(1, "2025-01-01T10:00:00.000Z")
    reports.add_notify_event(
        "CS1", {"seqNo": 0, "generatedAt": "2025-01-01T10:06:00.000Z", "eventData": [late, early]}
    )
    stored = reports.events("CS1")
    assert [(e["event_id"], e["seq_no"], e["actual_value"]) for e in stored] == [
        (1, 0, "Faulted"),
        (2, 0, "Faulted"),
    ]
    assert stored[0]["payload"] == early


def test_a_report_is_complete_once_every_part_is_in(reports: ReportStore) -> None:
    def part(seq_no: int, tbc: bool) -> dict[str, Any]:
        data = [{"component": {"name": f"C{seq_no}"}}]
        return {"requestId": 7, "seqNo": seq_no, "generatedAt": "x", "tbc": tbc, "reportData": data}

    assert reports.report("CS1", 7) is None
    reports.add_report_part("CS1", part(2, False))
    reports.add_report_part("CS1", part(0, True))
    reports.add_report_part("CS1", part(0, True))  # repeated: stored once
    assert reports.reports("CS1") == [
        {"request_id": 7, "parts": 2, "complete": False, "missing_seq_nos": [1]}
    ]
    reports.add_report_part("CS1", part(1, True))
    report = reports.report("CS1", 7)
    assert report is not None and report["complete"] is True
    assert [d["component"]["name"] for d in report["report_data"]] == ["C0", "C1", "C2"]
