"""H03/H04 ReservationStatusUpdate (Expired, Removed): stored under the reservation's id; a
reservation the CSMS never made at this station (no ReserveNow with that id, or one the
station rejected) is an anomaly. Reservation state itself is issue 17 item 2."""

from __future__ import annotations

from ocppgen.generated.v201 import ReservationStatusUpdateRequest, ReservationStatusUpdateResponse
from ocppgen.reference.csms.station_messages import StationMessages
from ocppgen.runtime.dispatch import CallContext

__all__ = ["Reservations"]


class Reservations(StationMessages):
    async def on_reservation_status_update(
        self, request: ReservationStatusUpdateRequest, context: CallContext
    ) -> ReservationStatusUpdateResponse:
        answer = ReservationStatusUpdateResponse()
        anomaly = self._unknown_request(context.station_id, "ReserveNow", request.reservation_id)
        self._record(
            context,
            request,
            answer,
            request_id=request.reservation_id,
            status=request.reservation_update_status.value,
            anomaly=anomaly,
        )
        return answer
