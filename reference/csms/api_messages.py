"""Operator API routes for the station-initiated messages beyond the core (issue 17 item 1):
every stored message with its answer and anomaly, the status history per request of firmware
updates, firmware publishing and log uploads, and every anomaly of every station. Also what
the API's generic call route records: the CSMS requests that name an id later messages refer
to (`REQUEST_IDS`), so those messages can be matched to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal

from aiohttp import web

from ocppgen.reference.csms import api_models as m
from ocppgen.reference.csms.api_http import Param, problem
from ocppgen.reference.csms.openapi import Answer, Reply, Route
from ocppgen.reference.csms.store import Store

__all__ = ["REQUEST_IDS", "message_routes", "record_answer", "record_sent"]

REQUEST_IDS: Final = {
    "CustomerInformation": "requestId",
    "GetChargingProfiles": "requestId",
    "GetDisplayMessages": "requestId",
    "GetLog": "requestId",
    "GetMonitoringReport": "requestId",
    "PublishFirmware": "requestId",
    "ReserveNow": "id",
    "UpdateFirmware": "requestId",
}
"""CSMS-initiated actions and the field holding the id their station messages refer to."""

HISTORIES: Final = (
    "FirmwareStatusNotification",
    "PublishFirmwareStatusNotification",
    "LogStatusNotification",
)

_STATION_ID: Final = Param("station_id", "path", m.StationId)
_ACTION: Final = Param("action", "query", str, "only messages of this action")
_FLAG: Final = Literal["true", "false"]
_ANOMALIES: Final = Param("anomalies", "query", _FLAG, "only messages with an anomaly")
_CRITICAL: Final = Param("critical", "query", _FLAG, "only critical ones")
_HISTORY: Final = Param("action", "path", Literal[HISTORIES])


def record_sent(store: Store, station_id: str, action: str, payload: dict[str, Any]) -> None:
    """Before a CALL goes out: remember the id it names (answer status not known yet)."""
    field = REQUEST_IDS.get(action)
    if field is not None and isinstance(payload.get(field), int):
        store.record_request(station_id, action, payload[field], None)


def record_answer(
    store: Store, station_id: str, action: str, payload: dict[str, Any], answer: dict[str, Any]
) -> None:
    """After the station answered: its status, so a rejected request refers to nothing."""
    field = REQUEST_IDS.get(action)
    status = answer.get("status")
    if field is not None and isinstance(payload.get(field), int) and isinstance(status, str):
        store.record_request(station_id, action, payload[field], status)


def message_routes(store_of: Callable[[web.Request], Store]) -> tuple[Route, ...]:
    """The routes, reading the store `store_of` gives for a request."""

    def known(request: web.Request) -> str:
        station_id: str = _STATION_ID(request)
        if store_of(request).station(station_id) is None:
            raise problem(404, f"no station {station_id!r}")
        return station_id

    async def station_messages(request: web.Request) -> Answer:
        return 200, store_of(request).messages(
            known(request),
            action=_ACTION(request),
            anomalies=_ANOMALIES(request) == "true",
            critical=_CRITICAL(request) == "true",
        )

    async def status_history(request: web.Request) -> Answer:
        return 200, store_of(request).status_history(known(request), _HISTORY(request))

    async def anomalies(request: web.Request) -> Answer:
        return 200, store_of(request).messages(anomalies=True)

    return (
        Route(
            "GET", "/api/stations/{station_id}/messages", station_messages,
            "Station-initiated messages beyond the core, with the answer sent and any anomaly",
            {200: Reply("Messages", list[m.StationMessage])},
            (_STATION_ID, _ACTION, _ANOMALIES, _CRITICAL), errors=(404,),
            description="SecurityEventNotification (critical events flagged), firmware, log, "
            "reservation, charging limit and EV, monitoring, customer information, display "
            "message and certificate messages, in arrival order.",
        ),
        Route(
            "GET", "/api/stations/{station_id}/status-history/{action}", status_history,
            "The statuses a station reported per request (firmware update, publish, log upload)",
            {200: Reply("Statuses per requestId", list[m.RequestStatuses])},
            (_STATION_ID, _HISTORY), errors=(404,),
        ),
        Route(
            "GET", "/api/anomalies", anomalies,
            "Every stored station message with an anomaly (unknown EVSE, request, reservation; "
            "refused CSR; bad OCSP data)",
            {200: Reply("Messages", list[m.StationMessage])},
        ),
    )  # fmt: skip
