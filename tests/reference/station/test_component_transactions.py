"""Transactions and the driver's actions alone (transactions.py, driver.py) on a site and the
sans-IO cores: start and stop points, TransactionEvents with continuous seqNo and the idToken,
TxBeforeAcceptedEnabled, E05 on the CSMS's idTokenInfo, a card that stops its own charge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ocppgen.generated import v201
from ocppgen.reference.station.authorization import Authorization
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.driver import Driver
from ocppgen.reference.station.reporting import Events
from ocppgen.reference.station.sampling import Sampling
from ocppgen.reference.station.site import Site, StationError
from ocppgen.reference.station.transactions import Transactions
from tests.reference.station.component_link import CoreLink, SamplingHostOf, open_site, queued

Auth = v201.AuthorizationStatusEnumType


@dataclass
class Parts:
    site: Site
    link: CoreLink
    transactions: Transactions
    driver: Driver
    accepted: list[bool]
    ended: list[None]


@pytest.fixture
async def parts(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Parts]:
    overrides: dict[str, str] = getattr(request, "param", {})
    site = open_site(tmp_path, evses=(1, 1), overrides=overrides)
    link = CoreLink()
    availability = Availability(site, lambda: None)
    authorization = Authorization(site, link)
    sampling = Sampling(SamplingHostOf(site, link))
    accepted = [True]
    transactions = Transactions(
        site,
        link,
        accepted=lambda: accepted[0],
        availability=availability,
        authorization=authorization,
        sampling=sampling,
        notify=lambda: None,
    )
    ended: list[None] = []
    transactions.ended_hooks.append(lambda: ended.append(None))
    driver = Driver(
        site,
        transactions=transactions,
        authorization=authorization,
        availability=availability,
        events=Events(site, link),
        notify=lambda: None,
    )
    yield Parts(site, link, transactions, driver, accepted, ended)
    await sampling.stop()
    for task in transactions.timers():
        task.cancel()


def _events(site: Site) -> list[tuple[Any, ...]]:
    return [
        (p["eventType"], p["triggerReason"], p["seqNo"], p.get("idToken", {}).get("idToken"))
        for p in queued(site, "TransactionEvent")
    ]


def _token(value: str) -> v201.IdTokenType:
    return v201.IdTokenType(id_token=value, type=v201.IdTokenEnumType.ISO14443)


async def test_plug_in_then_card_then_the_same_card_stops(parts: Parts) -> None:
    driver, site = parts.driver, parts.site
    driver.plug_in(1)  # default TxStartPoint PowerPathClosed: cable and authorization
    assert await driver.present_token(_token("OWNER"), 1) is Auth.Accepted
    assert await driver.present_token(_token("OWNER"), 1) is Auth.Accepted  # no Authorize
    assert len(parts.link.sent(v201.AuthorizeRequest)) == 1
    assert _events(site) == [
        ("Started", "Authorized", 0, "OWNER"),
        ("Ended", "StopAuthorized", 1, "OWNER"),
    ]
    ended = queued(site, "TransactionEvent")[-1]
    assert ended["transactionInfo"]["stoppedReason"] == "Local"
    assert site.evses[1].transaction is None and parts.ended == [None]
    with pytest.raises(StationError, match="already has an EV"):
        driver.plug_in(1)


@pytest.mark.parametrize(
    "parts",
    [{"TxCtrlr.TxStartPoint": "Authorized", "TxCtrlr.StopTxOnInvalidId": "true"}],
    indirect=True,
)
async def test_csms_rejects_the_token_in_its_answer(parts: Parts) -> None:
    transactions, site = parts.transactions, parts.site
    transactions.authorized(site.evses[2], _token("LATER"), v201.TriggerReasonEnumType.Authorized)
    tx = site.evses[2].transaction
    assert tx is not None and tx.id_token == _token("LATER")
    (entry,) = site.outbox.entries()
    info = v201.IdTokenInfoType(status=Auth.Invalid)
    transactions.answered(entry, v201.TransactionEventResponse(id_token_info=info))
    assert site.evses[2].transaction is None
    assert _events(site)[-1] == ("Ended", "Deauthorized", 1, None)
    assert site.evses[2].authorization is None


async def test_nothing_starts_before_the_boot_is_accepted(parts: Parts) -> None:
    parts.accepted[0] = False  # TxBeforeAcceptedEnabled is false by default
    parts.driver.plug_in(1)
    parts.driver.press_start_button(2)
    assert queued(parts.site, "TransactionEvent") == []
    assert parts.site.evses[2].authorization is None
