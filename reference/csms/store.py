"""The CSMS's persistent state: stations, connectors, tokens, transactions (every event and meter
value), NotifyEvent records and NotifyReport parts, on any `Database` (SQLite or PostgreSQL).

Values cross this interface as plain JSON-compatible data (wire names for OCPP payloads), so the
operator API can return them as they are. A transaction's summary row is never edited in place:
after every TransactionEvent it is rebuilt from all stored events of that transaction in seqNo
order, so events that arrive late (offline, E12) or out of order give the same result as events
that arrived in order, and gaps in the seqNo series (0, 1, 2, ...) are listed in
`missing_seq_nos`. A repeated event (same seqNo, e.g. re-sent after a lost answer) is stored once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from ocppgen.reference.csms.db import Database, migrate, open_database

__all__ = [
    "BOOT_POLICIES",
    "TOKEN_STATUSES",
    "Store",
    "hash_password",
    "now",
    "verify_password",
]

BOOT_POLICIES: Final = ("Accepted", "Pending", "Rejected")
"""RegistrationStatusEnumType values: what BootNotification answers for a station."""

TOKEN_STATUSES: Final = (
    "Accepted",
    "Blocked",
    "ConcurrentTx",
    "Expired",
    "Invalid",
    "NoCredit",
    "NotAllowedTypeEVSE",
    "NotAtThisLocation",
    "NotAtThisTime",
    "Unknown",
)
"""AuthorizationStatusEnumType values a stored token may have."""

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def now() -> str:
    """The current UTC time as OCPP writes it (RFC 3339, milliseconds, `Z`)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$hash` (base64): a salted scrypt hash; the password is never stored."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches a `hash_password` result (constant-time comparison)."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


_STATION_PUBLIC = (
    "id, security_profile, boot_policy, heartbeat_interval, pending_variables, provisioned, "
    "registration_status, vendor_name, model, serial_number, firmware_version, boot_reason, "
    "last_boot_at, last_heartbeat_at, last_seen_at, created_at, "
    "password_hash IS NOT NULL AS has_password"
)


def _station(row: Mapping[str, Any]) -> dict[str, Any]:
    station = dict(row)
    station["pending_variables"] = json.loads(station["pending_variables"])
    station["provisioned"] = bool(station["provisioned"])
    station["has_password"] = bool(station["has_password"])
    return station


class Store:
    """The CSMS state on one database. `Store.open(url)` opens and migrates it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, url: str) -> Store:
        db = open_database(url)
        try:
            migrate(db)
        except BaseException:
            db.close()
            raise
        return cls(db)

    def close(self) -> None:
        self.db.close()

    # -- stations -------------------------------------------------------------------------------

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
                    _json(pending_variables or []),
                    now(),
                ),
            )
        station = self.station(station_id)
        assert station is not None
        return station

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
            changes["pending_variables"] = _json(pending_variables)
        if boot_policy == "Pending" or pending_variables is not None:
            changes["provisioned"] = 0
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self.db.execute(
                f"UPDATE stations SET {assignments} WHERE id = ?",
                (*changes.values(), station_id),
            )
        station = self.station(station_id)
        assert station is not None
        return station

    def delete_station(self, station_id: str) -> bool:
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
        rows = self.db.query("SELECT password_hash FROM stations WHERE id = ?", (station_id,))
        return bool(rows) and verify_password(rows[0]["password_hash"], password)

    def password_hash(self, station_id: str) -> str | None:
        rows = self.db.query("SELECT password_hash FROM stations WHERE id = ?", (station_id,))
        return rows[0]["password_hash"] if rows else None

    def record_boot(self, station_id: str, boot: Mapping[str, Any], status: str) -> None:
        """Store a BootNotification (wire payload) and the registration status we answered."""
        station = boot.get("chargingStation", {})
        at = now()
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
        at = now()
        if heartbeat:
            self.db.execute(
                "UPDATE stations SET last_seen_at = ?, last_heartbeat_at = ? WHERE id = ?",
                (at, at, station_id),
            )
        else:
            self.db.execute("UPDATE stations SET last_seen_at = ? WHERE id = ?", (at, station_id))

    # -- connectors -----------------------------------------------------------------------------

    def set_connector_status(
        self, station_id: str, evse_id: int, connector_id: int, status: str, timestamp: str
    ) -> None:
        """Keep the latest status per connector (a status older than the stored one is kept
        out: StatusNotifications may be queued and arrive late)."""
        self.db.execute(
            "INSERT INTO connectors (station_id, evse_id, connector_id, status, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE "
            "SET status = excluded.status, updated_at = excluded.updated_at "
            "WHERE connectors.updated_at <= excluded.updated_at",
            (station_id, evse_id, connector_id, status, timestamp),
        )

    def connectors(self, station_id: str) -> list[dict[str, Any]]:
        return self.db.query(
            "SELECT evse_id, connector_id, status, updated_at FROM connectors "
            "WHERE station_id = ? ORDER BY evse_id, connector_id",
            (station_id,),
        )

    # -- tokens ---------------------------------------------------------------------------------

    def put_token(
        self,
        id_token: str,
        token_type: str,
        status: str,
        *,
        group_id: str | None = None,
        expires_at: str | None = None,
    ) -> dict[str, Any]:
        if status not in TOKEN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(TOKEN_STATUSES)}")
        self.db.execute(
            "INSERT INTO tokens (id_token, type, status, group_id, expires_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id_token, type) DO UPDATE SET "
            "status = excluded.status, group_id = excluded.group_id, "
            "expires_at = excluded.expires_at",
            (id_token, token_type, status, group_id, expires_at),
        )
        token = self.token(id_token, token_type)
        assert token is not None
        return token

    def token(self, id_token: str, token_type: str) -> dict[str, Any] | None:
        rows = self.db.query(
            "SELECT id_token, type, status, group_id, expires_at FROM tokens "
            "WHERE id_token = ? AND type = ?",
            (id_token, token_type),
        )
        return rows[0] if rows else None

    def tokens(self) -> list[dict[str, Any]]:
        return self.db.query(
            "SELECT id_token, type, status, group_id, expires_at FROM tokens "
            "ORDER BY type, id_token"
        )

    def delete_token(self, id_token: str, token_type: str) -> bool:
        return (
            self.db.execute(
                "DELETE FROM tokens WHERE id_token = ? AND type = ?", (id_token, token_type)
            )
            > 0
        )

    # -- transactions ---------------------------------------------------------------------------

    def add_transaction_event(
        self, station_id: str, event: Mapping[str, Any], id_token_status: str | None = None
    ) -> bool:
        """Store a TransactionEvent (wire payload) with its meter values and the idTokenInfo
        status we answered for its idToken, and rebuild the transaction; False if this seqNo of
        this transaction was already stored."""
        info = event["transactionInfo"]
        transaction_id = info["transactionId"]
        seq_no = event["seqNo"]
        with self.db.transaction():
            inserted = self.db.execute(
                "INSERT INTO transaction_events (station_id, transaction_id, seq_no, event_type, "
                "timestamp, trigger_reason, offline, payload, received_at, id_token_status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (station_id, transaction_id, seq_no) DO NOTHING",
                (
                    station_id,
                    transaction_id,
                    seq_no,
                    event["eventType"],
                    event["timestamp"],
                    event["triggerReason"],
                    int(bool(event.get("offline", False))),
                    _json(event),
                    now(),
                    id_token_status,
                ),
            )
            if not inserted:
                return False
            evse_id = event.get("evse", {}).get("id", 0)
            self._add_meter_values(
                station_id, evse_id, event.get("meterValue", ()), transaction_id, seq_no
            )
            self._rebuild_transaction(station_id, transaction_id)
        return True

    def add_meter_values(
        self, station_id: str, evse_id: int, meter_values: Iterable[Mapping[str, Any]]
    ) -> None:
        """Meter values outside a transaction (MeterValuesRequest, J01)."""
        with self.db.transaction():
            self._add_meter_values(station_id, evse_id, meter_values, None, None)

    def _add_meter_values(
        self,
        station_id: str,
        evse_id: int,
        meter_values: Iterable[Mapping[str, Any]],
        transaction_id: str | None,
        seq_no: int | None,
    ) -> None:
        for meter_value in meter_values:
            for sample in meter_value["sampledValue"]:
                unit = sample.get("unitOfMeasure", {})
                value = scaled(sample["value"], unit.get("multiplier", 0))
                if value is None:  # not a number a meter can read; kept in the event log only
                    continue
                self.db.execute(
                    "INSERT INTO meter_values (station_id, transaction_id, seq_no, evse_id, "
                    "timestamp, measurand, phase, location, context, value, unit) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        station_id,
                        transaction_id,
                        seq_no,
                        evse_id,
                        meter_value["timestamp"],
                        sample.get("measurand", "Energy.Active.Import.Register"),
                        sample.get("phase"),
                        sample.get("location"),
                        sample.get("context"),
                        value,
                        unit.get("unit", "Wh") if "unitOfMeasure" in sample else None,
                    ),
                )

    def _rebuild_transaction(self, station_id: str, transaction_id: str) -> None:
        rows = self.db.query(
            "SELECT payload, id_token_status FROM transaction_events WHERE station_id = ? AND "
            "transaction_id = ? ORDER BY seq_no",
            (station_id, transaction_id),
        )
        events = [json.loads(row["payload"]) for row in rows]
        summary = summarise(events)
        answered = [  # for the transaction's own idToken, not a stop token's
            row["id_token_status"]
            for row, event in zip(rows, events, strict=True)
            if row["id_token_status"] is not None and event["triggerReason"] != "StopAuthorized"
        ]
        summary["id_token_status"] = answered[-1] if answered else None
        energy = self.db.query(
            "SELECT MAX(value) AS wh FROM meter_values WHERE station_id = ? AND "
            "transaction_id = ? AND measurand = 'Energy.Active.Import.Register' AND "
            "(phase IS NULL) AND (unit IS NULL OR unit = 'Wh')",
            (station_id, transaction_id),
        )[0]["wh"]
        kwh = self.db.query(
            "SELECT MAX(value) AS kwh FROM meter_values WHERE station_id = ? AND "
            "transaction_id = ? AND measurand = 'Energy.Active.Import.Register' AND "
            "phase IS NULL AND unit = 'kWh'",
            (station_id, transaction_id),
        )[0]["kwh"]
        if energy is None and kwh is not None:
            energy = scaled(kwh, 3)  # None past the largest double, never inf (not JSON)
        self.db.execute(
            "INSERT INTO transactions (station_id, transaction_id, evse_id, connector_id, "
            "id_token, token_type, started_at, ended_at, state, charging_state, stopped_reason, "
            "energy_wh, events, last_seq_no, missing_seq_nos, offline_events, id_token_status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (station_id, transaction_id) DO UPDATE SET "
            "evse_id = excluded.evse_id, connector_id = excluded.connector_id, "
            "id_token = excluded.id_token, token_type = excluded.token_type, "
            "started_at = excluded.started_at, ended_at = excluded.ended_at, "
            "state = excluded.state, charging_state = excluded.charging_state, "
            "stopped_reason = excluded.stopped_reason, energy_wh = excluded.energy_wh, "
            "events = excluded.events, last_seq_no = excluded.last_seq_no, "
            "missing_seq_nos = excluded.missing_seq_nos, "
            "offline_events = excluded.offline_events, "
            "id_token_status = excluded.id_token_status",
            (
                station_id,
                transaction_id,
                summary["evse_id"],
                summary["connector_id"],
                summary["id_token"],
                summary["token_type"],
                summary["started_at"],
                summary["ended_at"],
                summary["state"],
                summary["charging_state"],
                summary["stopped_reason"],
                energy,
                summary["events"],
                summary["last_seq_no"],
                _json(summary["missing_seq_nos"]),
                summary["offline_events"],
                summary["id_token_status"],
            ),
        )

    def event_status(self, station_id: str, transaction_id: str, seq_no: int) -> str | None:
        """The idTokenInfo status answered for a stored event (None: not stored, or no idToken)."""
        rows = self.db.query(
            "SELECT id_token_status FROM transaction_events WHERE station_id = ? AND "
            "transaction_id = ? AND seq_no = ?",
            (station_id, transaction_id, seq_no),
        )
        return rows[0]["id_token_status"] if rows else None

    def authorized_transactions(self, id_token: str, token_type: str) -> list[dict[str, Any]]:
        """Ongoing transactions (any station) whose idToken is this one, was answered
        Accepted and is still authorized: what makes a new use of the token ConcurrentTx. A
        transaction stopped by a driver's token, remotely or deauthorized runs on only until
        the cable is out (TxStopPoint): its token is free again."""
        rows = self.db.query(
            "SELECT * FROM transactions t WHERE id_token = ? AND token_type = ? AND "
            "state <> 'Ended' AND id_token_status = 'Accepted' AND NOT EXISTS ("
            "SELECT 1 FROM transaction_events e WHERE e.station_id = t.station_id AND "
            "e.transaction_id = t.transaction_id AND "
            "e.trigger_reason IN ('StopAuthorized', 'RemoteStop', 'Deauthorized')) "
            "ORDER BY started_at, station_id, transaction_id",
            (id_token, token_type),
        )
        return [_transaction(row) for row in rows]

    def transactions(
        self, station_id: str | None = None, *, active: bool | None = None
    ) -> list[dict[str, Any]]:
        where: list[str] = []
        params: list[Any] = []
        if station_id is not None:
            where.append("station_id = ?")
            params.append(station_id)
        if active is not None:
            where.append("state <> 'Ended'" if active else "state = 'Ended'")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.query(
            f"SELECT * FROM transactions{clause} ORDER BY started_at, station_id, transaction_id",
            params,
        )
        return [_transaction(row) for row in rows]

    def transaction(self, station_id: str, transaction_id: str) -> dict[str, Any] | None:
        """The transaction with its events (seqNo order) and meter values (time order)."""
        rows = self.db.query(
            "SELECT * FROM transactions WHERE station_id = ? AND transaction_id = ?",
            (station_id, transaction_id),
        )
        if not rows:
            return None
        transaction = _transaction(rows[0])
        transaction["event_log"] = [
            {
                "seq_no": row["seq_no"],
                "event_type": row["event_type"],
                "timestamp": row["timestamp"],
                "trigger_reason": row["trigger_reason"],
                "offline": bool(row["offline"]),
                "received_at": row["received_at"],
                "id_token_status": row["id_token_status"],
                "payload": json.loads(row["payload"]),
            }
            for row in self.db.query(
                "SELECT * FROM transaction_events WHERE station_id = ? AND transaction_id = ? "
                "ORDER BY seq_no",
                (station_id, transaction_id),
            )
        ]
        transaction["meter_values"] = self.db.query(
            "SELECT seq_no, evse_id, timestamp, measurand, phase, location, context, value, unit "
            "FROM meter_values WHERE station_id = ? AND transaction_id = ? "
            "ORDER BY timestamp, seq_no",
            (station_id, transaction_id),
        )
        return transaction

    def meter_values(self, station_id: str) -> list[dict[str, Any]]:
        """Meter values of a station outside transactions."""
        return self.db.query(
            "SELECT evse_id, timestamp, measurand, phase, location, context, value, unit "
            "FROM meter_values WHERE station_id = ? AND transaction_id IS NULL "
            "ORDER BY timestamp",
            (station_id,),
        )

    # -- events and reports ---------------------------------------------------------------------

    def add_notify_event(self, station_id: str, notify: Mapping[str, Any]) -> None:
        received = now()
        with self.db.transaction():
            for event in notify["eventData"]:
                self.db.execute(
                    "INSERT INTO station_events (station_id, seq_no, generated_at, event_id, "
                    "timestamp, trigger, component, variable, actual_value, "
                    "event_notification_type, payload, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        station_id,
                        notify["seqNo"],
                        notify["generatedAt"],
                        event["eventId"],
                        event["timestamp"],
                        event["trigger"],
                        event["component"]["name"],
                        event["variable"]["name"],
                        event["actualValue"],
                        event["eventNotificationType"],
                        _json(event),
                        received,
                    ),
                )

    def events(self, station_id: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT seq_no, generated_at, event_id, timestamp, trigger, component, variable, "
            "actual_value, event_notification_type, payload FROM station_events "
            "WHERE station_id = ? ORDER BY timestamp, event_id",
            (station_id,),
        )
        for row in rows:
            row["payload"] = json.loads(row["payload"])
        return rows

    def add_report_part(self, station_id: str, report: Mapping[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO report_parts (station_id, request_id, seq_no, generated_at, tbc, "
            "payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (station_id, request_id, seq_no) DO NOTHING",
            (
                station_id,
                report["requestId"],
                report["seqNo"],
                report["generatedAt"],
                int(bool(report.get("tbc", False))),
                _json(report),
                now(),
            ),
        )

    def report(self, station_id: str, request_id: int) -> dict[str, Any] | None:
        """A NotifyReport series put together: complete once the part with tbc=false and every
        part before it (seqNo 0..n) have arrived."""
        rows = self.db.query(
            "SELECT seq_no, tbc, payload FROM report_parts WHERE station_id = ? AND "
            "request_id = ? ORDER BY seq_no",
            (station_id, request_id),
        )
        if not rows:
            return None
        seqs = [row["seq_no"] for row in rows]
        last = [row["seq_no"] for row in rows if not row["tbc"]]
        end = last[0] if last else max(seqs)
        missing = missing_numbers(seqs, end)
        data: list[Any] = []
        for row in rows:
            data.extend(json.loads(row["payload"]).get("reportData", []))
        return {
            "request_id": request_id,
            "parts": len(rows),
            "complete": bool(last) and not missing,
            "missing_seq_nos": missing,
            "report_data": data,
        }

    def reports(self, station_id: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT DISTINCT request_id FROM report_parts WHERE station_id = ? ORDER BY request_id",
            (station_id,),
        )
        reports = []
        for row in rows:
            report = self.report(station_id, row["request_id"])
            assert report is not None
            del report["report_data"]
            reports.append(report)
        return reports


def summarise(events: list[dict[str, Any]]) -> dict[str, Any]:
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
            summary["started_at"] = event["timestamp"]
        if event["eventType"] == "Ended":
            summary["state"] = "Ended"
            summary["ended_at"] = event["timestamp"]
            summary["stopped_reason"] = info.get("stoppedReason", "Local")
    if events:
        seqs = {event["seqNo"] for event in events}
        summary["last_seq_no"] = max(seqs)
        summary["missing_seq_nos"] = missing_numbers(seqs, max(seqs))
    return summary


MAX_LISTED_GAPS = 100


def scaled(value: float, multiplier: int) -> float | None:
    """value x 10^multiplier, or None when that is not a finite double.

    The multiplier is any 32-bit integer on the wire: `10 ** multiplier` on Python ints would
    compute a number with two billion digits and stall the CSMS; float powers overflow at once.
    (The event log keeps the sample as sent either way.)
    """
    try:
        result = float(value) * 10.0**multiplier
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def missing_numbers(seen: Iterable[int], end: int) -> list[int]:
    """The numbers 0..end that are not in `seen`, at most MAX_LISTED_GAPS of them.

    Walks the gaps between the numbers seen instead of building 0..end: a station may send any
    32-bit seqNo, and a set of two billion numbers would stall the CSMS.
    """
    missing: list[int] = []
    expected = 0
    for number in [*sorted({n for n in seen if 0 <= n <= end}), end + 1]:
        while expected < number and len(missing) < MAX_LISTED_GAPS:
            missing.append(expected)
            expected += 1
        expected = number + 1
    return missing


def _transaction(row: Mapping[str, Any]) -> dict[str, Any]:
    transaction = dict(row)
    transaction["missing_seq_nos"] = json.loads(transaction["missing_seq_nos"])
    transaction["complete"] = transaction["state"] == "Ended" and not transaction["missing_seq_nos"]
    return transaction


def _check_policy(boot_policy: str, heartbeat_interval: int, security_profile: int) -> None:
    if boot_policy not in BOOT_POLICIES:
        raise ValueError(f"boot_policy must be one of {', '.join(BOOT_POLICIES)}")
    if not 1 <= heartbeat_interval <= 86400:
        raise ValueError("heartbeat_interval must be 1..86400 seconds")
    if security_profile not in (0, 1, 2, 3):
        raise ValueError("security_profile must be 0, 1, 2 or 3")
