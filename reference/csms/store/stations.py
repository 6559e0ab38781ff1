"""The stations the CSMS knows: credentials, boot policy and provisioning, what each station said
in its BootNotifications (tables `stations` and `boot_notifications`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.passwords import hash_password, verify_password
from ocppgen.reference.csms.store.values import now, to_json

__all__ = ["BOOT_POLICIES", "StationStore"]

BOOT_POLICIES: Final = ("Accepted", "Pending", "Rejected")
"""RegistrationStatusEnumType values: what BootNotification answers for a station."""

_STATION_PUBLIC = (
    "id, security_profile, boot_policy, heartbeat_interval, pending_variables, provisioned, "
    "registration_status, vendor_name, model, serial_number, firmware_version, boot_reason, "
    "last_boot_at, last_heartbeat_at, last_seen_at, created_at, "
    "password_hash IS NOT NULL AS has_password"
)


class StationStore:
    """Stations and their boots on one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_station(
        self,
        station_id: str,
        *,
        password: str | None = None,
        security_profile: int = 1,
        boot_policy: str = "Accepted",
        heartbeat_interval: int = 300,
        pending_variables: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Register a station. Raises KeyError if it exists, ValueError for a bad value."""
        _check_policy(boot_policy, heartbeat_interval, security_profile)
        with self.db.transaction():
            if self.db.query("SELECT 1 FROM stations WHERE id = ?", (station_id,)):
                raise KeyError(station_id)
            self.db.execute(
                "INSERT INTO stations (id, password_hash, security_profile, boot_policy, "
                "heartbeat_interval, pending_variables, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    station_id,
                    hash_password(password) if password is not None else None,
                    security_profile,
                    boot_policy,
                    heartbeat_interval,
                    to_json(pending_variables or []),
                    now(),
                ),
            )
        return self._existing(station_id)

    def update_station(
        self,
        station_id: str,
        *,
        password: str | None = None,
        security_profile: int | None = None,
        boot_policy: str | None = None,
        heartbeat_interval: int | None = None,
        pending_variables: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Change credentials or boot policy. Setting a Pending policy or new pending variables
        makes the station go through provisioning again at its next boot."""
        current = self.station(station_id)
        if current is None:
            raise KeyError(station_id)
        _check_policy(
            boot_policy or current["boot_policy"],
            current["heartbeat_interval"] if heartbeat_interval is None else heartbeat_interval,
            current["security_profile"] if security_profile is None else security_profile,
        )
        changes: dict[str, Any] = {}
        if password is not None:
            changes["password_hash"] = hash_password(password)
        if security_profile is not None:
            changes["security_profile"] = security_profile
        if heartbeat_interval is not None:
            changes["heartbeat_interval"] = heartbeat_interval
        if boot_policy is not None:
            changes["boot_policy"] = boot_policy
        if pending_variables is not None:
            changes["pending_variables"] = to_json(pending_variables)
        if boot_policy == "Pending" or pending_variables is not None:
            changes["provisioned"] = 0
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self.db.execute(
                f"UPDATE stations SET {assignments} WHERE id = ?",
                (*changes.values(), station_id),
            )
        return self._existing(station_id)

    def delete_station(self, station_id: str) -> bool:
        """Forget a station; everything stored about it goes too (ON DELETE CASCADE)."""
        return self.db.execute("DELETE FROM stations WHERE id = ?", (station_id,)) > 0

    def station(self, station_id: str) -> dict[str, Any] | None:
        rows = self.db.query(f"SELECT {_STATION_PUBLIC} FROM stations WHERE id = ?", (station_id,))
        return _station(rows[0]) if rows else None

    def stations(self) -> list[dict[str, Any]]:
        return [
            _station(row)
            for row in self.db.query(f"SELECT {_STATION_PUBLIC} FROM stations ORDER BY id")
        ]

    def check_password(self, station_id: str, password: str) -> bool:
        return verify_password(self.password_hash(station_id), password)

    def password_hash(self, station_id: str) -> str | None:
        rows = self.db.query("SELECT password_hash FROM stations WHERE id = ?", (station_id,))
        return rows[0]["password_hash"] if rows else None

    def replace_password_hash(self, station_id: str, old: str, new: str) -> bool:
        """Store `new` as the station's verifier if `old` is still the stored one (a password
        changed meanwhile, through the API or elsewhere, is kept); whether it was replaced."""
        return (
            self.db.execute(
                "UPDATE stations SET password_hash = ? WHERE id = ? AND password_hash = ?",
                (new, station_id, old),
            )
            > 0
        )

    def record_boot(self, station_id: str, boot: Mapping[str, Any], status: str) -> None:
        """Store a BootNotification (wire payload) and the registration status we answered."""
        station = boot.get("chargingStation", {})
        at = now()
        with self.db.transaction():  # one commit per boot, not two (a storm boots thousands)
            self._record_boot(station_id, boot, station, status, at)

    def _record_boot(
        self,
        station_id: str,
        boot: Mapping[str, Any],
        station: Mapping[str, Any],
        status: str,
        at: str,
    ) -> None:
        self.db.execute(
            "UPDATE stations SET registration_status = ?, vendor_name = ?, model = ?, "
            "serial_number = ?, firmware_version = ?, boot_reason = ?, last_boot_at = ?, "
            "last_seen_at = ? WHERE id = ?",
            (
                status,
                station.get("vendorName"),
                station.get("model"),
                station.get("serialNumber"),
                station.get("firmwareVersion"),
                boot.get("reason"),
                at,
                at,
                station_id,
            ),
        )
        self.db.execute(  # seq: the station's boots in arrival order (ties in received_at)
            "INSERT INTO boot_notifications (station_id, received_at, reason, status, seq) "
            "SELECT ?, ?, ?, ?, COALESCE(MAX(seq), 0) + 1 FROM boot_notifications "
            "WHERE station_id = ?",
            (station_id, at, boot.get("reason"), status, station_id),
        )

    def boots(self, station_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The station's latest BootNotifications (oldest first) with what we answered."""
        rows = self.db.query(
            "SELECT received_at, reason, status FROM boot_notifications WHERE station_id = ? "
            "ORDER BY seq DESC, received_at DESC LIMIT ?",
            (station_id, limit),
        )
        return rows[::-1]

    def set_provisioned(self, station_id: str) -> None:
        self.db.execute("UPDATE stations SET provisioned = 1 WHERE id = ?", (station_id,))

    def touch(self, station_id: str, *, heartbeat: bool = False) -> None:
        """The station was heard from now (and sent a Heartbeat, if `heartbeat`)."""
        at = now()
        if heartbeat:
            self.db.execute(
                "UPDATE stations SET last_seen_at = ?, last_heartbeat_at = ? WHERE id = ?",
                (at, at, station_id),
            )
        else:
            self.db.execute("UPDATE stations SET last_seen_at = ? WHERE id = ?", (at, station_id))

    def touch_accepted(self, station_id: str) -> bool:
        """`touch` a station whose last boot was Accepted; whether it is one (a station's every
        CALL asks this: one statement, where reading the row and then touching it took two)."""
        return (
            self.db.execute(
                "UPDATE stations SET last_seen_at = ? WHERE id = ? AND "
                "registration_status = 'Accepted'",
                (now(), station_id),
            )
            > 0
        )

    def _existing(self, station_id: str) -> dict[str, Any]:
        station = self.station(station_id)
        assert station is not None
        return station


def _station(row: Mapping[str, Any]) -> dict[str, Any]:
    station = dict(row)
    station["pending_variables"] = json.loads(station["pending_variables"])
    station["provisioned"] = bool(station["provisioned"])
    station["has_password"] = bool(station["has_password"])
    return station


def _check_policy(boot_policy: str, heartbeat_interval: int, security_profile: int) -> None:
    if boot_policy not in BOOT_POLICIES:
        raise ValueError(f"boot_policy must be one of {', '.join(BOOT_POLICIES)}")
    if not 1 <= heartbeat_interval <= 86400:
        raise ValueError("heartbeat_interval must be 1..86400 seconds")
    if security_profile not in (0, 1, 2, 3):
        raise ValueError("security_profile must be 0, 1, 2 or 3")
