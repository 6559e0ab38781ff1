"""StatusReport alone (status.py): each connector status change queued once, in front on
(re)connecting, nothing offline unless QueueAllMessages, re-reported what the CSMS never
answered."""

from __future__ import annotations

from pathlib import Path

from ocppgen.reference.station.status import StatusReport
from tests.reference.station.component_link import CoreLink, open_site, queued


def _statuses(payloads: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(p["evseId"], p["connectorId"], p["connectorStatus"]) for p in payloads]


def test_each_change_is_queued_once_and_front_goes_first(tmp_path: Path) -> None:
    site = open_site(tmp_path, evses=(1, 2))
    link = CoreLink()
    status = StatusReport(site, link, lambda: True)
    status.notify()
    assert _statuses(queued(site)) == [
        (1, 1, "Available"),
        (2, 1, "Available"),
        (2, 2, "Available"),
    ]
    site.outbox.put("TransactionEvent", {"marker": 1}, persistent=True)
    status.notify()  # nothing changed: nothing queued
    assert len(queued(site)) == 4
    site.evses[2].plugged = True
    site.evses[2].plugged_connector = 2
    status.notify(front=True)
    assert queued(site)[0]["connectorStatus"] == "Occupied"  # ahead of everything waiting
    assert queued(site)[-1] == {"marker": 1}


def test_offline_only_with_queue_all_and_unanswered_ones_are_reported_again(
    tmp_path: Path,
) -> None:
    site = open_site(tmp_path)
    link = CoreLink()
    link.online = False
    operative = [True]
    status = StatusReport(site, link, lambda: operative[0])
    status.notify()
    assert queued(site) == []  # offline: the reconnect's report tells the CSMS
    link.online = True
    status.notify()
    (entry,) = site.outbox.entries()
    status.answered(entry)  # the CSMS knows Available
    site.outbox.drop_volatile()
    operative[0] = False  # Unavailable, queued but never answered
    status.notify()
    site.outbox.drop_volatile()  # the connection dropped it
    status.went_offline(queue_open=True)
    operative[0] = True  # back to what the CSMS knows: nothing to say
    status.notify()
    assert queued(site) == []
    status.trigger([1], None)  # TriggerMessage(StatusNotification): said again
    assert _statuses(queued(site)) == [(1, 1, "Available")]
