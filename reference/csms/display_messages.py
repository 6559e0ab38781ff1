"""O04 NotifyDisplayMessages: each part stored under the requestId of the GetDisplayMessages
it answers (an id the CSMS never sent, or the station rejected, is an anomaly)."""

from __future__ import annotations

from ocppgen.generated.v201 import NotifyDisplayMessagesRequest, NotifyDisplayMessagesResponse
from ocppgen.reference.csms.station_messages import StationMessages
from ocppgen.runtime.dispatch import CallContext

__all__ = ["DisplayMessages"]


class DisplayMessages(StationMessages):
    async def on_notify_display_messages(
        self, request: NotifyDisplayMessagesRequest, context: CallContext
    ) -> NotifyDisplayMessagesResponse:
        answer = NotifyDisplayMessagesResponse()
        anomaly = self._unknown_request(
            context.station_id, "GetDisplayMessages", request.request_id
        )
        self._record(context, request, answer, request_id=request.request_id, anomaly=anomaly)
        return answer
