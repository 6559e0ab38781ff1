"""Connector status reporting (B01, B04, G01): which StatusNotification to queue and when.

`notify` queues one StatusNotification for every connector whose status differs from the last
one queued (so each change is reported once); `front=True` puts the batch ahead of what waits in
the queue (the report on coming online goes before what was queued offline or while Pending).
`full_report` forgets what was queued so the next `notify` reports every connector (after a boot,
B01; after an outage longer than OfflineThreshold, B04.FR.01). Offline nothing is queued unless
OCPPCommCtrlr.QueueAllMessages (else the reconnect's report tells the CSMS, B04).
"""

from __future__ import annotations

from collections.abc import Callable

from ocppgen.generated import v201
from ocppgen.reference.station.queue import Entry
from ocppgen.reference.station.site import Link, Site, now

__all__ = ["StatusReport"]

Status = v201.ConnectorStatusEnumType
Key = tuple[int, int]  # (evseId, connectorId)


class StatusReport:
    """See the module docstring. `operative`: the station-level availability (G04)."""

    def __init__(self, site: Site, link: Link, operative: Callable[[], bool]) -> None:
        self.site = site
        self.link = link
        self._operative = operative
        self._queued: dict[Key, Status] = {}  # last status queued per connector
        self._reported: dict[Key, Status] = {}  # last status the CSMS answered

    def notify(self, *, front: bool = False) -> None:
        """Queue a StatusNotification for every connector whose status changed."""
        queue_all = self.site.queue_all()
        if not (self.link.online or queue_all):
            return
        batch: list[tuple[str, dict[str, object]]] = []
        for evse in self.site.evses.values():
            for connector in evse.connectors:
                status = evse.connector_status(connector, self._operative())
                key = (evse.id, connector.id)
                if self._queued.get(key) is status:
                    continue
                self._queued[key] = status
                request = v201.StatusNotificationRequest(
                    timestamp=now(), connector_status=status, evse_id=evse.id, connector_id=key[1]
                )
                batch.append(("StatusNotification", request.to_json_dict()))
        if front:
            self.site.outbox.put_front(batch, persistent=queue_all)
            return
        for action, payload in batch:
            self.site.outbox.put(action, payload, persistent=queue_all)

    def full_report(self) -> None:
        """The next `notify` reports every connector."""
        self._queued = {}

    def forget_reported(self) -> None:
        """A reboot: the CSMS is told everything again."""
        self._reported.clear()

    def went_offline(self, *, queue_open: bool) -> None:
        """What the CSMS will know once back: what it answered, and what is still queued
        (entries kept by QueueAllMessages; call after the volatile entries are dropped)."""
        self._queued = dict(self._reported)
        if not queue_open:
            return
        for entry in self.site.outbox.entries():
            if entry.action == "StatusNotification":
                status = Status(entry.payload["connectorStatus"])
                self._queued[(entry.payload["evseId"], entry.payload["connectorId"])] = status

    def answered(self, entry: Entry) -> None:
        """The CSMS answered a StatusNotification of ours."""
        payload = entry.payload
        key = (payload["evseId"], payload["connectorId"])
        self._reported[key] = Status(payload["connectorStatus"])

    def trigger(self, evse_ids: list[int], connector_id: int | None) -> None:
        """TriggerMessage(StatusNotification): report these connectors again (F06)."""
        for evse_id in evse_ids:
            for connector in self.site.evses[evse_id].connectors:
                if connector_id is None or connector_id == connector.id:
                    self._queued.pop((evse_id, connector.id), None)
        self.notify()
