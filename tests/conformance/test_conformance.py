"""The conformance tester against the reference apps, their mutants and the `ocpp` package.

Everything runs in-process over loopback sockets with small Hypothesis budgets.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from ocppgen.conformance.checks import Options
from ocppgen.conformance.report import RunReport, Status, render_html, render_junit
from ocppgen.conformance.runner import run_against_csms
from ocppgen.reference.csms.app import Csms, CsmsConfig
from ocppgen.reference.station import Station
from tests.conformance.helpers import QUICK, derive, failures, proxied, station_tester
from tests.conformance.mutants import MUTANTS, Mutant
from tests.runtime.ocpp_peers import OcppPackageCsms

PASSWORD = "conformance-secret-1"


BASE = derive(QUICK, accepted_token="GOOD1", blocked_token="BAD1")


@contextlib.asynccontextmanager
async def reference_csms(tmp_path: Path, mutant: Mutant | None = None) -> AsyncIterator[str]:
    """The reference CSMS (optionally mutated); yields the URL the tester dials."""
    config = CsmsConfig(
        database=str(tmp_path / "csms.sqlite3"),
        ocpp_port=0,
        api_port=0,
        operator_password="operator-secret",
        ping_interval=None,
        call_timeout=5.0,
    )
    async with Csms(config) as csms:
        csms.store.add_station("CS001", password=PASSWORD)
        csms.store.put_token("GOOD1", "ISO14443", "Accepted")
        csms.store.put_token("BAD1", "ISO14443", "Blocked")
        if mutant is not None and mutant.behaviour is not None:
            csms.behaviour.__class__ = mutant.behaviour  # same state, the mutant's methods
        rewrites = mutant is not None and mutant.behaviour is None
        async with proxied(
            csms.ocpp_url.rstrip("/"),
            sut_is_client=False,
            from_sut=mutant.from_sut if mutant and rewrites else None,
            to_sut=mutant.to_sut if mutant and rewrites else None,
        ) as url:
            yield url + "/"


async def check_csms(tmp_path: Path, options: Options, mutant: Mutant | None = None) -> RunReport:
    async with reference_csms(tmp_path, mutant) as url:
        return await run_against_csms(url, "CS001", options, password=PASSWORD)


async def check_station(
    tmp_path: Path, run_options: Options, mutant: Mutant | None = None
) -> RunReport:
    from_sut, to_sut = (mutant.from_sut, mutant.to_sut) if mutant else (None, None)
    async with station_tester(run_options, from_sut=from_sut, to_sut=to_sut) as (url, run):
        station = Station(
            url, "CS002", db_path=tmp_path / "station.db", evses=(1, 1), time_scale=0.05
        )
        await station.start()
        try:
            return await run
        finally:
            await station.stop()


def _status(report: RunReport, prefixes: Sequence[str]) -> list[Status]:
    return [r.status for r in report.results if any(r.id.startswith(p) for p in prefixes)]


async def test_reference_csms_passes(tmp_path: Path) -> None:
    report = await check_csms(tmp_path, BASE)
    assert failures(report) == []
    ids = {r.id for r in report.results}
    assert {
        "messages/TransactionEvent/valid",  # hung the CSMS on seqNo 2^31-1 before its fix
        "B01/boot/interval",
        "C01/authorize/blocked-token",
        "framing/not-json",
        "messages/Authorize/mutations",
        "session/one-outstanding-CALL",
    } <= ids
    passed = [r for r in report.results if r.status is Status.PASS]
    assert len(passed) > 40
    junit = ET.fromstring(render_junit(report))
    assert junit.get("failures") == "0"
    assert "<html>" in render_html(report)


async def test_reference_station_passes(tmp_path: Path) -> None:
    report = await check_station(tmp_path, BASE)
    assert failures(report) == []
    ids = {r.id for r in report.results}
    assert {
        "B07/base-report/seqno",
        "G03/change-availability/inoperative-status",
        "E01/remote-transaction/seqno",
        "B11/boot/boot-reason",
        "framing/duplicate-id",
        "messages/SetVariables/mutations",
    } <= ids


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
async def test_mutant_is_caught(tmp_path: Path, mutant: Mutant) -> None:
    # Only the checks that concern the mutant (plus boot) run, to keep the suite fast; the
    # verdict must be a failure of one of them.
    only = [*mutant.catches, "B01/boot", "session"]
    options = derive(BASE, only=only, max_examples=5)
    if mutant.target == "csms":
        report = await check_csms(tmp_path, options, mutant)
    else:
        report = await check_station(tmp_path, options, mutant)
    assert report.failed, f"{mutant.name} not caught"
    assert Status.FAIL in _status(report, mutant.catches), failures(report)
    failing = [r for r in report.results if r.status is Status.FAIL]
    assert all(r.frames or r.id.startswith("session/") for r in failing)


def test_at_least_ten_mutants() -> None:
    assert len(MUTANTS) >= 10
    assert {m.target for m in MUTANTS} == {"csms", "station"}


async def test_ocpp_package_csms(tmp_path: Path) -> None:
    """The `ocpp` package's CSMS: it handles BootNotification, Heartbeat, StatusNotification and
    TransactionEvent only; the tester must run to the end and report what differs."""
    csms = OcppPackageCsms(record=False)
    port = await csms.start()
    try:
        report = await run_against_csms(
            f"ws://127.0.0.1:{port}/",
            "CS001",
            derive(BASE, accepted_token=None, blocked_token=None),
        )
    finally:
        await csms.close()
    assert {r.id for r in report.results if r.status is Status.PASS} >= {
        "B01/boot/accepted",
        "B01/boot/interval",
    }
    assert report.failed  # e.g. Authorize is not implemented (NotImplemented CALLERROR)
