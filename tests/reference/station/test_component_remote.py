"""RemoteControl alone (remote.py) with a fake provisioner: Reset now or when the transactions
end, RequestStart/Stop, TriggerMessage, UnlockConnector."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ocppgen.generated import v201
from ocppgen.reference.station.authorization import Authorization
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.remote import RemoteControl
from ocppgen.reference.station.sampling import Sampling
from ocppgen.reference.station.site import Site
from ocppgen.reference.station.status import StatusReport
from ocppgen.reference.station.transactions import Transactions
from tests.reference.station.component_link import CoreLink, SamplingHostOf, open_site, queued

Reg = v201.RegistrationStatusEnumType
M = v201.MessageTriggerEnumType
Triggered = v201.TriggerMessageStatusEnumType


class FakeProvisioner:
    def __init__(self) -> None:
        self.registration: Reg | None = Reg.Accepted
        self.reboots: list[v201.BootReasonEnumType] = []
        self.heartbeats = 0
        self.rebooted = asyncio.Event()

    def boot_now(self) -> bool:
        return self.registration is not Reg.Accepted

    def trigger_heartbeat(self) -> None:
        self.heartbeats += 1

    async def reboot(self, reason: v201.BootReasonEnumType) -> None:
        self.reboots.append(reason)
        self.rebooted.set()


def _remote(site: Site, link: CoreLink) -> tuple[RemoteControl, FakeProvisioner, Sampling]:
    provisioner = FakeProvisioner()
    availability = Availability(site, lambda: None)
    authorization = Authorization(site, link)
    status = StatusReport(site, link, lambda: availability.operative)
    sampling = Sampling(SamplingHostOf(site, link))
    transactions = Transactions(
        site,
        link,
        accepted=lambda: provisioner.registration is Reg.Accepted,
        availability=availability,
        authorization=authorization,
        sampling=sampling,
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
    return remote, provisioner, sampling


def _token(value: str) -> v201.IdTokenType:
    return v201.IdTokenType(id_token=value, type=v201.IdTokenEnumType.Central)


async def test_remote_start_scheduled_reset_and_triggers(tmp_path: Path) -> None:
    site = open_site(tmp_path, overrides={"TxCtrlr.TxStartPoint": "Authorized"})
    link = CoreLink()
    remote, provisioner, sampling = _remote(site, link)
    start = v201.RequestStartTransactionRequest(id_token=_token("R1"), remote_start_id=5)
    provisioner.registration = Reg.Pending
    assert remote.request_start(start).status is v201.RequestStartStopStatusEnumType.Rejected
    provisioner.registration = Reg.Accepted
    assert remote.request_start(start).status is v201.RequestStartStopStatusEnumType.Accepted
    await asyncio.gather(*site.tasks)  # AuthorizeRemoteStart (default true): Authorize first
    assert [r.id_token for r in link.sent(v201.AuthorizeRequest)] == [_token("R1")]
    tx = site.evses[1].transaction
    assert tx is not None and tx.remote_start_id == 5
    reset = v201.ResetRequest(type=v201.ResetEnumType.OnIdle)
    assert remote.reset(reset).status is v201.ResetStatusEnumType.Scheduled
    assert provisioner.reboots == []
    trigger = v201.TriggerMessageRequest(requested_message=M.TransactionEvent)
    assert remote.trigger_message(trigger).status is Triggered.Accepted
    assert (
        remote.trigger_message(
            v201.TriggerMessageRequest(requested_message=M.BootNotification)
        ).status
        is Triggered.Rejected
    )  # F06.FR.17: already Accepted
    assert (
        remote.trigger_message(v201.TriggerMessageRequest(requested_message=M.Heartbeat)).status
        is Triggered.Accepted
    )
    assert provisioner.heartbeats == 1
    unlock = v201.UnlockConnectorRequest(evse_id=1, connector_id=1)
    status = remote.unlock_connector(unlock).status
    assert status is v201.UnlockStatusEnumType.OngoingAuthorizedTransaction
    stop = v201.RequestStopTransactionRequest(transaction_id=tx.id)
    assert remote.request_stop(stop).status is v201.RequestStartStopStatusEnumType.Accepted
    await asyncio.wait_for(provisioner.rebooted.wait(), 5)  # the scheduled Reset, now idle
    assert provisioner.reboots == [v201.BootReasonEnumType.RemoteReset]
    kinds = [(p["eventType"], p["triggerReason"]) for p in queued(site, "TransactionEvent")]
    assert kinds == [("Started", "RemoteStart"), ("Updated", "Trigger"), ("Ended", "RemoteStop")]
    await sampling.stop()
