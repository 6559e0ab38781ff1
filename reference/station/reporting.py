"""Events the station raises (N07 alerts, G05 lock failure) as NotifyEvent, queued persistently.

Offline (or before the boot is Accepted) only events with a severity <=
MonitoringCtrlr.OfflineQueuingSeverity are queued, to be sent after the reconnect's status
report (N07.FR.04); others are dropped. Event ids continue across restarts (state "event_id").
"""

from __future__ import annotations

import logging

from ocppgen.generated import v201
from ocppgen.reference.station.site import Link, Site, now

__all__ = ["SEVERITY_ERROR", "SEVERITY_HARDWARE_FAILURE", "Events"]

logger = logging.getLogger("ocppgen.reference.station")

# Severities of the events this station raises (0 Danger .. 9 Debug, as the severity field of
# spec/v201/schemas/SetVariableMonitoringRequest.json lists them).
SEVERITY_HARDWARE_FAILURE = 1  # G05 connector lock failure
SEVERITY_ERROR = 4  # an EVSE Faulted (N07 alert) and its clearing

Trigger = v201.EventTriggerEnumType
Kind = v201.EventNotificationEnumType


class Events:
    """See the module docstring."""

    def __init__(self, site: Site, link: Link) -> None:
        self.site = site
        self.link = link
        self._event_ids = 0

    def load(self) -> None:
        self._event_ids = int(self.site.outbox.load_state("event_id") or 0)

    def lock_failed(self, evse_id: int, connector_id: int) -> None:
        """G05: the connector did not lock when the EV plugged in."""
        component = v201.ComponentType(
            name="ConnectorPlugRetentionLock",
            evse=v201.EVSEType(id=evse_id, connector_id=connector_id),
        )
        event = self._event(component, "Problem", "true", Trigger.Delta, Kind.HardWiredNotification)
        event.tech_info = "connector lock failed"
        self.notify(event, severity=SEVERITY_HARDWARE_FAILURE)

    def faulted(self, evse_id: int, tech_info: str) -> None:
        """N07: an alert, the EVSE's AvailabilityState went Faulted."""
        event = self._availability(evse_id, v201.ConnectorStatusEnumType.Faulted.value)
        event.tech_info = tech_info
        self.notify(event, severity=SEVERITY_ERROR)

    def fault_cleared(self, evse_id: int, state: str) -> None:
        """N07: the alert is cleared; `state` is the EVSE's AvailabilityState now."""
        event = self._availability(evse_id, state)
        event.cleared = True
        self.notify(event, severity=SEVERITY_ERROR)

    def _availability(self, evse_id: int, value: str) -> v201.EventDataType:
        component = v201.ComponentType(name="EVSE", evse=v201.EVSEType(id=evse_id))
        return self._event(
            component, "AvailabilityState", value, Trigger.Alerting, Kind.HardWiredMonitor
        )

    def _event(
        self, component: v201.ComponentType, variable: str, value: str, trigger: Trigger, kind: Kind
    ) -> v201.EventDataType:
        return v201.EventDataType(
            event_id=0,  # numbered when queued
            timestamp=now(),
            trigger=trigger,
            actual_value=value,
            component=component,
            variable=v201.VariableType(name=variable),
            event_notification_type=kind,
        )

    def notify(self, event: v201.EventDataType, *, severity: int) -> None:
        """Queue a NotifyEvent with `event` (see the module docstring for offline)."""
        limit = self.site.dm.get_int("MonitoringCtrlr", "OfflineQueuingSeverity")
        if not self.link.online and severity > limit:
            logger.info("dropping a NotifyEvent (severity %d) raised offline", severity)
            return
        self._event_ids += 1
        self.site.outbox.save_state("event_id", self._event_ids)
        event.event_id = self._event_ids
        request = v201.NotifyEventRequest(generated_at=now(), seq_no=0, event_data=[event])
        self.site.put(request, "NotifyEvent", persistent=True)
