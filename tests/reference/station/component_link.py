"""Helpers for the component tests (test_component_*.py): a `Site` on a fresh SQLite file and
`CoreLink`, a `Link` whose CALLs go through the runtime's sans-IO cores (a station side and a
CSMS side) to a function that answers them. No sockets: each CALL is encoded, validated,
decoded and answered exactly as on the wire, in the same task."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocppgen.generated import v201
from ocppgen.reference.station.device_model import DeviceModel
from ocppgen.reference.station.evse import Evse
from ocppgen.reference.station.queue import Outbox
from ocppgen.reference.station.site import Site
from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import CallReceived, Connection, ErrorReceived, ResultReceived
from ocppgen.runtime.endpoint import Disconnected
from ocppgen.runtime.errors import OcppError, RemoteCallError
from ocppgen.runtime.model import OcppModel

Answer = Callable[[OcppModel], OcppModel]

FAST = {  # no meter timers unless a test asks
    "SampledDataCtrlr.TxUpdatedInterval": "0",
    "SampledDataCtrlr.TxEndedInterval": "0",
    "AlignedDataCtrlr.Interval": "0",
    "AlignedDataCtrlr.TxEndedInterval": "0",
}


def open_site(
    tmp_path: Path,
    evses: tuple[int, ...] = (1,),
    overrides: Mapping[str, str] | None = None,
    time_scale: float = 0.01,
) -> Site:
    site = Site(evses, time_scale=time_scale, overrides={**FAST, **(overrides or {})})
    site.open(tmp_path / "station.db")
    return site


def queued(site: Site, action: str | None = None) -> list[dict[str, Any]]:
    """The payloads waiting in the outbound queue (of `action`), in order."""
    return [e.payload for e in site.outbox.entries() if action in (None, e.action)]


def accept_all(request: OcppModel) -> OcppModel:
    """A CSMS that accepts every idToken and answers what the components send."""
    if isinstance(request, v201.AuthorizeRequest):
        info = v201.IdTokenInfoType(status=v201.AuthorizationStatusEnumType.Accepted)
        return v201.AuthorizeResponse(id_token_info=info)
    if isinstance(request, v201.HeartbeatRequest):
        return v201.HeartbeatResponse(current_time=datetime.now(UTC))
    if isinstance(request, v201.NotifyReportRequest):
        return v201.NotifyReportResponse()
    raise AssertionError(f"unexpected {type(request).__name__}")


class CoreLink:
    """See the module docstring. `online` / `connected` are set by the test."""

    def __init__(self, answer: Answer = accept_all) -> None:
        self.answer = answer
        self.online = True
        self.connected = True
        self.requests: list[OcppModel] = []  # as the CSMS side decoded them
        self._station = Connection(v201.VERSION, Role.CHARGING_STATION)
        self._csms = Connection(v201.VERSION, Role.CSMS)

    async def call(self, request: OcppModel) -> OcppModel:
        if not self.connected:
            raise Disconnected("the test's link is down")
        self._station.call(request)
        for frame in self._station.outgoing():
            (received,) = self._csms.receive(frame)
            assert isinstance(received, CallReceived), received
            self.requests.append(received.request)
            try:
                self._csms.respond(received.message_id, self.answer(received.request))
            except OcppError as error:
                self._csms.respond_error(received.message_id, error)
        (event,) = [e for frame in self._csms.outgoing() for e in self._station.receive(frame)]
        if isinstance(event, ErrorReceived):
            raise RemoteCallError(event.code, event.description, event.details)
        assert isinstance(event, ResultReceived), event
        return event.response

    def connection(self) -> CoreLink:
        return self

    def sent(self, kind: type[OcppModel]) -> list[Any]:
        return [r for r in self.requests if isinstance(r, kind)]


class SamplingHostOf:
    """What `Sampling` needs, from a site and a link (meter events are only recorded: the
    component tests keep the meter timers off)."""

    def __init__(self, site: Site, link: CoreLink) -> None:
        self.site = site
        self.link = link
        self.meter_events: list[Any] = []

    @property
    def dm(self) -> DeviceModel:
        return self.site.dm

    @property
    def evses(self) -> dict[int, Evse]:
        return self.site.evses

    @property
    def outbox(self) -> Outbox:
        return self.site.outbox

    @property
    def online(self) -> bool:
        return self.link.online

    def scaled(self, seconds: float) -> float:
        return self.site.scaled(seconds)

    def queue_all(self) -> bool:
        return self.site.queue_all()

    def save_evse(self, evse: Evse) -> None:
        self.site.save_evse(evse)

    def meter_event(self, evse: Evse, trigger: Any, meter_value: list[Any]) -> None:
        self.meter_events.append((evse.id, trigger, meter_value))
