"""What stations report about themselves: NotifyEvent records and NotifyReport series (tables
`station_events` and `report_parts`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.values import (
    missing_numbers,
    now,
    sortable_time,
    to_json,
)

__all__ = ["ReportStore"]


class ReportStore:
    """Station events and device-model reports on one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_notify_event(self, station_id: str, notify: Mapping[str, Any]) -> None:
        """Store every event of a NotifyEventRequest (wire payload), all or none."""
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
                        sortable_time(event["timestamp"]),
                        event["trigger"],
                        event["component"]["name"],
                        event["variable"]["name"],
                        event["actualValue"],
                        event["eventNotificationType"],
                        to_json(event),
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
        """Store one NotifyReportRequest (wire payload); a repeated part is stored once."""
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
                to_json(report),
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
        """Every report series of the station, without their data."""
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
