"""Provisioning alone (provisioning.py): a session on a connection of the sans-IO cores
(no sockets): BootNotification until Accepted, HeartbeatInterval from the answer, the status
report ahead of what was queued, heartbeats, TriggerMessage(BootNotification) cutting the
wait, and what going offline drops."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from ocppgen.generated import v201
from ocppgen.reference.station.provisioning import Provisioning
from ocppgen.reference.station.site import Site
from ocppgen.reference.station.status import StatusReport
from ocppgen.runtime.model import OcppModel
from tests.reference.station.component_link import CoreLink, open_site

Reg = v201.RegistrationStatusEnumType


class Csms:
    """Answers BootNotification with `registrations` in turn, and Heartbeat."""

    def __init__(self, *registrations: tuple[Reg, int]) -> None:
        self.registrations = list(registrations)
        self.boots: list[v201.BootNotificationRequest] = []
        self.booted = asyncio.Event()
        self.heartbeat = asyncio.Event()

    def __call__(self, request: OcppModel) -> OcppModel:
        now = datetime.now(UTC)
        if isinstance(request, v201.HeartbeatRequest):
            self.heartbeat.set()
            return v201.HeartbeatResponse(current_time=now)
        assert isinstance(request, v201.BootNotificationRequest)
        self.boots.append(request)
        self.booted.set()
        status, interval = self.registrations.pop(0)
        return v201.BootNotificationResponse(current_time=now, interval=interval, status=status)


def _provisioning(site: Site, status_link: CoreLink) -> Provisioning:
    provisioning = Provisioning(
        site,
        url="ws://127.0.0.1:9/unused",
        identity="CS1",
        charging_station=v201.ChargingStationType(model="M", vendor_name="V"),
        boot_retry=1000.0,
    )
    provisioning.status = StatusReport(site, status_link, lambda: True)
    provisioning.running = lambda: True
    return provisioning


async def test_boot_until_accepted_then_report_and_heartbeats(tmp_path: Path) -> None:
    site = open_site(tmp_path)
    csms = Csms((Reg.Pending, 1), (Reg.Accepted, 2))
    conn = CoreLink(csms)
    provisioning = _provisioning(site, CoreLink())
    site.outbox.put("TransactionEvent", {"queued": "offline"}, persistent=True)
    await asyncio.wait_for(provisioning.session(conn), 5)
    assert provisioning.registration is Reg.Accepted
    assert [b.reason for b in csms.boots] == [v201.BootReasonEnumType.PowerUp] * 2
    assert site.dm.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 2  # B01.FR.04
    assert [e.action for e in site.outbox.entries()] == ["StatusNotification", "TransactionEvent"]
    await asyncio.wait_for(csms.heartbeat.wait(), 5)
    await provisioning.disconnect()  # offline: heartbeats stop, volatile entries go
    assert [e.action for e in site.outbox.entries()] == ["TransactionEvent"]
    assert not provisioning.online


async def test_trigger_message_cuts_the_boot_wait(tmp_path: Path) -> None:
    site = open_site(tmp_path)
    csms = Csms((Reg.Pending, 1000), (Reg.Accepted, 0))
    provisioning = _provisioning(site, CoreLink())
    session = asyncio.create_task(provisioning.session(CoreLink(csms)))
    await asyncio.wait_for(csms.booted.wait(), 5)
    registrations = [provisioning.registration]
    assert provisioning.boot_now()  # 1000 s scaled to 10 s: cut short
    await asyncio.wait_for(session, 5)
    registrations.append(provisioning.registration)
    assert registrations == [Reg.Pending, Reg.Accepted]
    assert csms.boots[-1].reason is v201.BootReasonEnumType.Triggered
    assert not provisioning.boot_now()  # F06.FR.17: not once Accepted
    await provisioning.disconnect()
