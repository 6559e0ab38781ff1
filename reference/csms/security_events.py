"""A04 SecurityEventNotification: stored; the events OCPP 2.0.1 (Part 2, Appendix 1, Security
Events) marks critical are flagged and logged as warnings. The type is free text (a station may
send its own), so an unlisted type is stored, not an anomaly."""

from __future__ import annotations

import logging
from typing import Final

from ocppgen.generated.v201 import (
    SecurityEventNotificationRequest,
    SecurityEventNotificationResponse,
)
from ocppgen.reference.csms.station_messages import StationMessages
from ocppgen.runtime.dispatch import CallContext

__all__ = ["CRITICAL_SECURITY_EVENTS", "SecurityEvents"]

logger = logging.getLogger("ocppgen.reference.csms")

CRITICAL_SECURITY_EVENTS: Final = frozenset(
    {
        "FirmwareUpdated",
        "SettingSystemTime",
        "StartupOfTheDevice",
        "ResetOrReboot",
        "SecurityLogWasCleared",
        "MemoryExhaustion",
        "TamperDetectionActivated",
        "MaintenanceLoginAccepted",
        "MaintenanceLoginFailed",
    }
)
"""The security events Part 2, Appendix 1 lists as critical (the rest there are not)."""


class SecurityEvents(StationMessages):
    async def on_security_event_notification(
        self, request: SecurityEventNotificationRequest, context: CallContext
    ) -> SecurityEventNotificationResponse:
        answer = SecurityEventNotificationResponse()
        critical = request.type in CRITICAL_SECURITY_EVENTS
        self._record(context, request, answer, status=request.type, critical=critical)
        if critical:
            logger.warning("%s: critical security event %s", context.station_id, request.type)
        return answer
