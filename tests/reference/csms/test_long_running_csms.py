"""Issue 17 (checks): many scenarios against ONE CSMS process, in parallel and then again in
sequence, so that nothing depends on a fresh process: per station a session that the station
loses (abandoned by the next one), security events, a signed certificate, firmware status for a
request the CSMS never sent (an anomaly), a finished session. Every answer is checked, and the
state each station leaves is its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ocppgen.reference.csms.app import Csms
from tests.certs import make_csr, write_ca
from tests.reference.csms.conftest import StationFactory, csms_config
from tests.reference.csms.helpers import eventually, stamp
from tests.reference.csms.ministation import MiniStation

STATIONS = 8
ROUNDS = 3


@pytest.fixture
async def csms(tmp_path: Path) -> AsyncIterator[Csms]:
    ca = write_ca(tmp_path / "ca")
    config = csms_config(str(tmp_path / "csms.sqlite3"))
    config.ca_certificate, config.ca_key = str(ca.cert), str(ca.key)
    async with Csms(config) as running:
        yield running


async def _scenario(csms: Csms, mini: MiniStation, round_no: int) -> None:
    token = f"TOKEN-{mini.identity}"
    lost, info = await mini.start_transaction(1, token)
    assert info == "Accepted"
    kept, info = await mini.start_transaction(1, token)  # the station lost `lost`
    assert info == "Accepted"
    for kind in ("StartupOfTheDevice", "InvalidMessages"):
        await mini.send("SecurityEventNotification", {"type": kind, "timestamp": stamp()})
    mini.answers["CertificateSigned"] = {"status": "Accepted"}
    assert await mini.send("SignCertificate", {"csr": make_csr(mini.identity)}) == {
        "status": "Accepted"
    }
    await mini.send("FirmwareStatusNotification", {"status": "Downloading", "requestId": round_no})
    await mini.meter(1, 500.0)
    await mini.stop_transaction(1, 1000.0)
    old = csms.store.transaction(mini.identity, lost)
    assert old is not None and old["abandoned"]["superseded_by"] == kept
    await eventually(lambda: len(mini.requests) == round_no + 1)


async def test_many_scenarios_in_parallel_then_in_sequence_on_one_csms(
    csms: Csms, station: StationFactory
) -> None:
    stations = [await station(f"LR{n:02d}") for n in range(STATIONS)]
    for mini in stations:
        csms.store.put_token(f"TOKEN-{mini.identity}", "ISO14443", "Accepted")
    await asyncio.gather(*(_scenario(csms, mini, 0) for mini in stations))
    for round_no in range(1, ROUNDS):
        for mini in stations:
            await _scenario(csms, mini, round_no)
    for mini in stations:
        transactions = csms.store.transactions(mini.identity)
        assert len(transactions) == 2 * ROUNDS
        assert [t["state"] for t in transactions].count("Abandoned") == ROUNDS
        assert not csms.store.transactions(mini.identity, active=True)
        messages = csms.store.messages(mini.identity)
        assert len(messages) == 4 * ROUNDS
        assert sum(m["critical"] for m in messages) == ROUNDS  # StartupOfTheDevice
        signed = [m for m in messages if m["action"] == "SignCertificate"]
        outcomes = [m["outcome"]["certificate_signed"] for m in signed if m["outcome"]]
        assert outcomes == ["Accepted"] * ROUNDS
        anomalies = csms.store.messages(mini.identity, anomalies=True)
        assert [m["request_id"] for m in anomalies] == list(range(ROUNDS))
