"""The device model as the CSMS sees it (B05-B07): GetVariables, SetVariables, and
GetBaseReport answered with NotifyReport messages of DeviceDataCtrlr.ItemsPerMessage[GetReport]
entries each, sent on the connection the request came on. Values, checks and persistence live
in `device_model.py`.
"""

from __future__ import annotations

from ocppgen.generated import v201
from ocppgen.reference.station.site import CALL_FAILURES, Caller, Link, Site, now
from ocppgen.runtime.errors import ErrorCode, OcppError

__all__ = ["Configuration"]


class Configuration:
    """See the module docstring."""

    def __init__(self, site: Site, link: Link) -> None:
        self.site = site
        self.link = link

    def _check_items_per_message(self, action: str, count: int) -> None:
        limit = self.site.dm.get_int("DeviceDataCtrlr", "ItemsPerMessage", action)
        if count > limit:
            raise OcppError(
                ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
                f"at most {limit} variables per {action}Request",
            )

    def get_variables(self, request: v201.GetVariablesRequest) -> v201.GetVariablesResponse:
        self._check_items_per_message("GetVariables", len(request.get_variable_data))
        dm = self.site.dm
        return v201.GetVariablesResponse(
            get_variable_result=[dm.get_variable(d) for d in request.get_variable_data]
        )

    def set_variables(self, request: v201.SetVariablesRequest) -> v201.SetVariablesResponse:
        self._check_items_per_message("SetVariables", len(request.set_variable_data))
        dm = self.site.dm
        return v201.SetVariablesResponse(
            set_variable_result=[dm.set_variable(d) for d in request.set_variable_data]
        )

    def get_base_report(self, request: v201.GetBaseReportRequest) -> v201.GetBaseReportResponse:
        """Accepted; the NotifyReports follow from a task (B07)."""
        conn = self.link.connection()
        entries = self.site.dm.report(request.report_base)
        per_message = self.site.dm.get_int("DeviceDataCtrlr", "ItemsPerMessage", "GetReport")
        per_message = max(1, per_message)
        chunks = [entries[i : i + per_message] for i in range(0, len(entries), per_message)]
        self.site.spawn(self._send_report(conn, request.request_id, chunks))
        return v201.GetBaseReportResponse(status=v201.GenericDeviceModelStatusEnumType.Accepted)

    async def _send_report(
        self, conn: Caller, request_id: int, chunks: list[list[v201.ReportDataType]]
    ) -> None:
        generated_at = now()
        for seq_no, chunk in enumerate(chunks):
            request = v201.NotifyReportRequest(
                request_id=request_id,
                generated_at=generated_at,
                report_data=chunk,
                tbc=seq_no < len(chunks) - 1,
                seq_no=seq_no,
            )
            try:
                await conn.call(request)
            except CALL_FAILURES:
                return
