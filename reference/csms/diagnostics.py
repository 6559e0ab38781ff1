"""N01 LogStatusNotification, N02/N03 NotifyMonitoringReport and N09/N10
NotifyCustomerInformation: stored with the requestId of the GetLog, GetMonitoringReport or
CustomerInformation they answer (an id the CSMS never sent, or the station rejected, is an
anomaly); each part of a multi-part report is one stored message (seqNo, tbc in its payload)."""

from __future__ import annotations

from ocppgen.generated.v201 import (
    LogStatusNotificationRequest,
    LogStatusNotificationResponse,
    NotifyCustomerInformationRequest,
    NotifyCustomerInformationResponse,
    NotifyMonitoringReportRequest,
    NotifyMonitoringReportResponse,
)
from ocppgen.reference.csms.station_messages import StationMessages
from ocppgen.runtime.dispatch import CallContext

__all__ = ["Diagnostics"]


class Diagnostics(StationMessages):
    async def on_log_status_notification(
        self, request: LogStatusNotificationRequest, context: CallContext
    ) -> LogStatusNotificationResponse:
        answer = LogStatusNotificationResponse()
        # Idle without a requestId is what a station answers a TriggerMessage with
        self._record_request_status(context, request, answer, "GetLog")
        return answer

    async def on_notify_monitoring_report(
        self, request: NotifyMonitoringReportRequest, context: CallContext
    ) -> NotifyMonitoringReportResponse:
        answer = NotifyMonitoringReportResponse()
        anomaly = self._unknown_request(
            context.station_id, "GetMonitoringReport", request.request_id
        )
        self._record(context, request, answer, request_id=request.request_id, anomaly=anomaly)
        return answer

    async def on_notify_customer_information(
        self, request: NotifyCustomerInformationRequest, context: CallContext
    ) -> NotifyCustomerInformationResponse:
        answer = NotifyCustomerInformationResponse()
        anomaly = self._unknown_request(
            context.station_id, "CustomerInformation", request.request_id
        )
        self._record(context, request, answer, request_id=request.request_id, anomaly=anomaly)
        return answer
