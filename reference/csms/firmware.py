"""L01-L04 FirmwareStatusNotification and PublishFirmwareStatusNotification: each status is
stored under the requestId of the UpdateFirmware / PublishFirmware it reports on, so the
operator API shows the status history per request. A requestId the CSMS never sent (or the
station rejected) is an anomaly; so is Published without the URIs it was published at."""

from __future__ import annotations

from ocppgen.generated.v201 import (
    FirmwareStatusNotificationRequest,
    FirmwareStatusNotificationResponse,
    PublishFirmwareStatusNotificationRequest,
    PublishFirmwareStatusNotificationResponse,
)
from ocppgen.reference.csms.station_messages import StationMessages, first
from ocppgen.runtime.dispatch import CallContext

__all__ = ["Firmware"]


class Firmware(StationMessages):
    async def on_firmware_status_notification(
        self, request: FirmwareStatusNotificationRequest, context: CallContext
    ) -> FirmwareStatusNotificationResponse:
        answer = FirmwareStatusNotificationResponse()
        self._record_request_status(context, request, answer, "UpdateFirmware")
        return answer

    async def on_publish_firmware_status_notification(
        self, request: PublishFirmwareStatusNotificationRequest, context: CallContext
    ) -> PublishFirmwareStatusNotificationResponse:
        answer = PublishFirmwareStatusNotificationResponse()
        status = request.status.value
        anomaly = first(
            self._unknown_request(context.station_id, "PublishFirmware", request.request_id),
            "Published without a location"
            if status == "Published" and not request.location
            else None,
        )
        self._record(
            context, request, answer, request_id=request.request_id, status=status, anomaly=anomaly
        )
        return answer
