"""StationHandlers alone (handlers.py): CALLs from a CSMS-side sans-IO core to the station's
handlers on the generated base: typed routing, NotSupported for what is not overridden, and
the registration check (B02.FR.01, B03.FR.08) before any of them."""

from __future__ import annotations

from pathlib import Path

from ocppgen.generated import v201
from ocppgen.reference.station.authorization import Authorization
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.configuration import Configuration
from ocppgen.reference.station.handlers import PENDING_ALLOWED, StationHandlers
from ocppgen.reference.station.remote import RemoteControl
from ocppgen.reference.station.sampling import Sampling
from ocppgen.reference.station.status import StatusReport
from ocppgen.reference.station.transactions import Transactions
from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import CallReceived, Connection, ErrorReceived, ResultReceived
from ocppgen.runtime.dispatch import new_context
from ocppgen.runtime.errors import OcppError
from ocppgen.runtime.model import OcppModel
from tests.reference.station.component_link import CoreLink, SamplingHostOf, open_site
from tests.reference.station.test_component_remote import FakeProvisioner

Reg = v201.RegistrationStatusEnumType


class Wire:
    """A CSMS core and a station core with the handlers between them."""

    def __init__(self, handlers: StationHandlers) -> None:
        self.handlers = handlers
        self.csms = Connection(v201.VERSION, Role.CSMS)
        self.station = Connection(v201.VERSION, Role.CHARGING_STATION)

    async def call(self, request: OcppModel) -> OcppModel | str:
        """The response, or the CALLERROR's code."""
        self.csms.call(request)
        (frame,) = self.csms.outgoing()
        (received,) = self.station.receive(frame)
        assert isinstance(received, CallReceived)
        context = new_context(
            "CS1", v201.VERSION, Role.CHARGING_STATION, received.message_id, received.action, {}
        )
        try:
            response = await self.handlers.handle(received.action, received.request, context)
        except OcppError as error:
            self.station.respond_error(received.message_id, error)
        else:
            assert response is not None
            self.station.respond(received.message_id, response)
        (answer,) = self.station.outgoing()
        (event,) = self.csms.receive(answer)
        if isinstance(event, ErrorReceived):
            return event.code
        assert isinstance(event, ResultReceived)
        return event.response


def _handlers(tmp_path: Path) -> tuple[StationHandlers, FakeProvisioner]:
    site = open_site(tmp_path)
    link = CoreLink()
    provisioner = FakeProvisioner()
    availability = Availability(site, lambda: None)
    authorization = Authorization(site, link)
    status = StatusReport(site, link, lambda: availability.operative)
    transactions = Transactions(
        site,
        link,
        accepted=lambda: provisioner.registration is Reg.Accepted,
        availability=availability,
        authorization=authorization,
        sampling=Sampling(SamplingHostOf(site, link)),
        notify=status.notify,
    )
    remote = RemoteControl(
        site,
        provisioning=provisioner,
        transactions=transactions,
        authorization=authorization,
        availability=availability,
        status=status,
    )
    handlers = StationHandlers(
        lambda: provisioner.registration,
        configuration=Configuration(site, link),
        remote=remote,
        availability=availability,
        authorization=authorization,
    )
    return handlers, provisioner


async def test_typed_routing_not_supported_and_registration(tmp_path: Path) -> None:
    handlers, provisioner = _handlers(tmp_path)
    # It supports exactly what a Pending station may answer; the rest stays NotSupported.
    assert StationHandlers.implemented() == PENDING_ALLOWED
    wire = Wire(handlers)
    clear = v201.ClearCacheRequest()
    cancel = v201.CancelReservationRequest(reservation_id=1)
    answer = await wire.call(clear)
    assert isinstance(answer, v201.ClearCacheResponse)
    assert await wire.call(cancel) == "NotSupported"  # the generated base's answer
    provisioner.registration = Reg.Pending
    assert await wire.call(cancel) == "SecurityError"  # checked before routing (B02.FR.01)
    assert isinstance(await wire.call(clear), v201.ClearCacheResponse)  # allowed while Pending
    provisioner.registration = Reg.Rejected
    assert await wire.call(clear) == "SecurityError"  # B03.FR.08
