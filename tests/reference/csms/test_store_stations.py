"""StationStore alone (issue 14 item 1): stations, credentials, boot policy and boots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.stations import StationStore
from tests.reference.csms.store_parts import BACKENDS, database_url, migrated


@pytest.fixture(params=BACKENDS)
def stations(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StationStore]:
    with migrated(database_url(request, tmp_path)) as db:
        yield StationStore(db)


def _count(db: Database, table: str) -> int:
    n: int = db.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]
    return n


def test_add_read_and_refuse_duplicates_or_bad_values(stations: StationStore) -> None:
    added = stations.add_station("CS1", password="secret-0123", security_profile=2)
    assert added == stations.station("CS1")
    assert (added["security_profile"], added["has_password"], added["provisioned"]) == (
        2,
        True,
        False,
    )
    assert "password_hash" not in added  # never leaves the store through a station view
    with pytest.raises(KeyError):
        stations.add_station("CS1")
    with pytest.raises(ValueError, match="boot_policy"):
        stations.add_station("CS2", boot_policy="Maybe")
    with pytest.raises(ValueError, match="heartbeat_interval"):
        stations.add_station("CS2", heartbeat_interval=0)
    with pytest.raises(ValueError, match="security_profile"):
        stations.add_station("CS2", security_profile=4)
    assert [s["id"] for s in stations.stations()] == ["CS1"]


def test_passwords_are_hashed_and_checked(stations: StationStore) -> None:
    stations.add_station("CS1", password="secret-0123")
    stored = stations.password_hash("CS1")
    assert stored is not None and stored.startswith("scrypt$") and "secret" not in stored
    assert stations.check_password("CS1", "secret-0123")
    assert not stations.check_password("CS1", "wrong")
    assert not stations.check_password("NOBODY", "secret-0123")
    stations.add_station("OPEN")  # no password: no Basic auth login
    assert not stations.check_password("OPEN", "")
    stations.update_station("CS1", password="changed-0123")
    assert stations.check_password("CS1", "changed-0123")
    assert not stations.check_password("CS1", "secret-0123")


def test_a_new_pending_policy_or_variables_provision_again(stations: StationStore) -> None:
    stations.add_station("CS1")
    stations.set_provisioned("CS1")
    assert stations.update_station("CS1", heartbeat_interval=60)["provisioned"] is True
    variables = [{"component": "C", "variable": "V", "value": "1"}]
    updated = stations.update_station("CS1", pending_variables=variables)
    assert (updated["provisioned"], updated["pending_variables"]) == (False, variables)
    stations.set_provisioned("CS1")
    assert stations.update_station("CS1", boot_policy="Pending")["provisioned"] is False
    with pytest.raises(ValueError):
        stations.update_station("CS1", heartbeat_interval=86401)
    with pytest.raises(KeyError):
        stations.update_station("NOBODY", boot_policy="Accepted")


def test_boots_heartbeats_and_deletion(stations: StationStore) -> None:
    stations.add_station("CS1")
    boot = {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}}
    stations.record_boot("CS1", boot, "Pending")
    stations.record_boot("CS1", {**boot, "reason": "RemoteReset"}, "Accepted")
    station = stations.station("CS1")
    assert station is not None
    assert (station["registration_status"], station["boot_reason"], station["model"]) == (
        "Accepted",
        "RemoteReset",
        "M",
    )
    assert station["last_seen_at"] == station["last_boot_at"]
    assert station["last_heartbeat_at"] is None
    assert [(b["reason"], b["status"]) for b in stations.boots("CS1")] == [
        ("PowerUp", "Pending"),
        ("RemoteReset", "Accepted"),
    ]
    stations.touch("CS1", heartbeat=True)
    assert stations.station("CS1")["last_heartbeat_at"] is not None  # type: ignore[index]
    assert stations.delete_station("CS1")
    assert not stations.delete_station("CS1")
    assert stations.station("CS1") is None
    assert _count(stations.db, "boot_notifications") == 0
