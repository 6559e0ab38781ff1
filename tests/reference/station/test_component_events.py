"""Events alone (reporting.py): NotifyEvent queued persistently with continuing event ids;
offline only up to MonitoringCtrlr.OfflineQueuingSeverity (N07.FR.04)."""

from __future__ import annotations

from pathlib import Path

from ocppgen.reference.station.reporting import Events
from tests.reference.station.component_link import CoreLink, open_site, queued


def test_offline_severity_and_event_ids(tmp_path: Path) -> None:
    site = open_site(tmp_path, overrides={"MonitoringCtrlr.OfflineQueuingSeverity": "2"})
    link = CoreLink()
    events = Events(site, link)
    events.load()
    events.faulted(1, "overheated")
    link.online = False
    events.fault_cleared(1, "Available")  # severity 4 > 2: dropped offline
    events.lock_failed(1, 1)  # severity 1: queued
    data = [p["eventData"][0] for p in queued(site, "NotifyEvent")]
    assert [(d["eventId"], d["actualValue"]) for d in data] == [(1, "Faulted"), (2, "true")]
    assert data[0]["techInfo"] == "overheated" and data[0]["trigger"] == "Alerting"
    assert data[1]["component"] == {
        "name": "ConnectorPlugRetentionLock",
        "evse": {"id": 1, "connectorId": 1},
    }
    assert all(e.persistent for e in site.outbox.entries())
    again = Events(site, link)
    again.load()
    link.online = True
    again.fault_cleared(1, "Available")
    assert queued(site, "NotifyEvent")[-1]["eventData"][0]["eventId"] == 3
    assert queued(site, "NotifyEvent")[-1]["eventData"][0]["cleared"] is True
