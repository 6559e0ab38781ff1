"""K Smart charging, the station's side of it: K09 ReportChargingProfiles (the answer to our
GetChargingProfiles), K12 NotifyChargingLimit (critical when the grid says so), K13
ClearedChargingLimit, K15-K17 NotifyEVChargingNeeds and NotifyEVChargingSchedule. Each is
stored with its EVSE; an EVSE the station never reported, or a requestId the CSMS never sent,
is an anomaly.

NotifyEVChargingNeeds is answered Rejected ("not able to provide a schedule"): this CSMS
computes no schedules (issue 17 item 2); the operator may send one with SetChargingProfile
through the operator API. NotifyEVChargingSchedule is Accepted on a known EVSE: the CSMS
takes note of the EV's schedule and keeps it; on an unknown EVSE both are Rejected.
"""

from __future__ import annotations

from ocppgen.generated.v201 import (
    ClearedChargingLimitRequest,
    ClearedChargingLimitResponse,
    NotifyChargingLimitRequest,
    NotifyChargingLimitResponse,
    NotifyEVChargingNeedsRequest,
    NotifyEVChargingNeedsResponse,
    NotifyEVChargingScheduleRequest,
    NotifyEVChargingScheduleResponse,
    ReportChargingProfilesRequest,
    ReportChargingProfilesResponse,
    StatusInfoType,
)
from ocppgen.generated.v201.enums import (
    GenericStatusEnumType,
    NotifyEVChargingNeedsStatusEnumType,
)
from ocppgen.reference.csms.station_messages import StationMessages, first
from ocppgen.runtime.dispatch import CallContext

__all__ = ["ChargingLimits"]


def _unknown_evse_info(anomaly: str) -> StatusInfoType:
    return StatusInfoType(reason_code="UnknownEvse", additional_info=anomaly[:512])


class ChargingLimits(StationMessages):
    async def on_report_charging_profiles(
        self, request: ReportChargingProfilesRequest, context: CallContext
    ) -> ReportChargingProfilesResponse:
        answer = ReportChargingProfilesResponse()
        anomaly = first(
            self._unknown_request(context.station_id, "GetChargingProfiles", request.request_id),
            self._unknown_evse(context.station_id, request.evse_id),
        )
        self._record(
            context,
            request,
            answer,
            request_id=request.request_id,
            evse_id=request.evse_id,
            status=request.charging_limit_source.value,
            anomaly=anomaly,
        )
        return answer

    async def on_notify_charging_limit(
        self, request: NotifyChargingLimitRequest, context: CallContext
    ) -> NotifyChargingLimitResponse:
        answer = NotifyChargingLimitResponse()
        limit = request.charging_limit
        self._record(
            context,
            request,
            answer,
            evse_id=request.evse_id,
            status=limit.charging_limit_source.value,
            critical=bool(limit.is_grid_critical),
            anomaly=self._unknown_evse(context.station_id, request.evse_id),
        )
        return answer

    async def on_cleared_charging_limit(
        self, request: ClearedChargingLimitRequest, context: CallContext
    ) -> ClearedChargingLimitResponse:
        answer = ClearedChargingLimitResponse()
        self._record(
            context,
            request,
            answer,
            evse_id=request.evse_id,
            status=request.charging_limit_source.value,
            anomaly=self._unknown_evse(context.station_id, request.evse_id),
        )
        return answer

    async def on_notify_ev_charging_needs(
        self, request: NotifyEVChargingNeedsRequest, context: CallContext
    ) -> NotifyEVChargingNeedsResponse:
        anomaly = self._unknown_evse(context.station_id, request.evse_id)
        info = (
            _unknown_evse_info(anomaly)
            if anomaly is not None
            else StatusInfoType(
                reason_code="NoSchedule",
                additional_info="this CSMS computes no charging schedules",
            )
        )
        answer = NotifyEVChargingNeedsResponse(
            status=NotifyEVChargingNeedsStatusEnumType.Rejected, status_info=info
        )
        self._record(
            context,
            request,
            answer,
            evse_id=request.evse_id,
            status=answer.status.value,
            anomaly=anomaly,
        )
        return answer

    async def on_notify_ev_charging_schedule(
        self, request: NotifyEVChargingScheduleRequest, context: CallContext
    ) -> NotifyEVChargingScheduleResponse:
        anomaly = self._unknown_evse(context.station_id, request.evse_id)
        answer = (
            NotifyEVChargingScheduleResponse(status=GenericStatusEnumType.Accepted)
            if anomaly is None
            else NotifyEVChargingScheduleResponse(
                status=GenericStatusEnumType.Rejected, status_info=_unknown_evse_info(anomaly)
            )
        )
        self._record(
            context,
            request,
            answer,
            evse_id=request.evse_id,
            status=answer.status.value,
            anomaly=anomaly,
        )
        return answer
