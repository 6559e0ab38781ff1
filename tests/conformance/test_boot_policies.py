"""B02/B03 against a CSMS: the tester boots as identities the reference CSMS keeps Pending or
rejects (its per-station boot policy), and a mutant that accepts the Pending station."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree as ET

from ocppgen.conformance.boot_policies import run_boot_policies
from ocppgen.conformance.checks import Options
from ocppgen.conformance.report import RunReport, Status
from ocppgen.conformance.versions import load
from ocppgen.reference.csms.app import Csms, CsmsConfig
from tests.conformance.helpers import QUICK, derive
from tests.conformance.mutants import AcceptsPendingStation

PASSWORD = "conformance-secret-1"
PENDING_VARIABLES = [
    {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"},
        "attributeValue": "120",
    }
]


@contextlib.asynccontextmanager
async def reference_csms(tmp_path: Path, accepts_pending: bool = False) -> AsyncIterator[Csms]:
    config = CsmsConfig(
        database=str(tmp_path / "csms.sqlite3"),
        ocpp_port=0,
        api_port=0,
        operator_password="operator-secret",
        boot_retry_interval=1,
        ping_interval=None,
        call_timeout=5.0,
    )
    async with Csms(config) as csms:
        csms.store.add_station("CS001", password=PASSWORD)
        csms.store.add_station(
            "CS002", password=PASSWORD, boot_policy="Pending", pending_variables=PENDING_VARIABLES
        )
        csms.store.add_station("CS003", password=PASSWORD, boot_policy="Rejected")
        if accepts_pending:
            csms.behaviour.__class__ = AcceptsPendingStation  # same state, the mutant's methods
        yield csms


BASE = derive(QUICK, time_budget=30.0, silence=0.3, only=["B02", "B03"])


async def _run(
    csms: Csms,
    options: Options,
    use_cases: dict[str, str],
    password: str = PASSWORD,
    deadline: float | None = None,
) -> RunReport:
    version, table = load("2.0.1")
    report = RunReport("CSMS", "2.0.1", options.seed, [], dict(use_cases))
    await run_boot_policies(
        report,
        csms.ocpp_url,
        options,
        version=version,
        use_cases=table,
        password=password,
        deadline=deadline,
    )
    return report


def _by_id(report: RunReport) -> dict[str, Status]:
    return {r.id: r.status for r in report.results}


async def test_b02_b03_reference_csms(tmp_path: Path) -> None:
    async with reference_csms(tmp_path) as csms:
        report = await _run(csms, derive(BASE, pending_id="CS002", rejected_id="CS003"), {})
        assert csms.store.station("CS003")["registration_status"] == "Rejected"  # type: ignore[index]
    statuses = _by_id(report)
    assert [r for r in report.results if r.status is Status.FAIL] == []
    for check in (
        "B02/pending/status",
        "B02/pending/interval",
        "B02/pending/security-error",  # B02.FR.09
        "B02/pending/configuration-only",  # the CSMS's SetVariables while Pending
        "B02/pending/connection-open",
        "B02/retry/status",  # Accepted after the configuration was accepted
        "B03/rejected/status",
        "B03/rejected/interval",
        "B03/rejected/security-error",  # B03.FR.07
        "B03/rejected/no-calls",
        "B03/retry/status",
        "B02/connection/csms-frames",
        "B03/connection/csms-frames",
    ):
        assert statuses.get(check) is Status.PASS, (check, statuses.get(check))
    assert {"B02", "B03"} <= set(report.use_cases)  # added to a report that lacked them


async def test_b02_mutant_accepts_pending_station(tmp_path: Path) -> None:
    async with reference_csms(tmp_path, accepts_pending=True) as csms:
        report = await _run(csms, derive(BASE, pending_id="CS002", only=["B02"]), {})
    failing = [r for r in report.results if r.status is Status.FAIL]
    assert [r.id for r in failing] == ["B02/pending/status"]
    assert "'Accepted'" in failing[0].detail
    assert any("BootNotification" in f.text for f in failing[0].frames)


async def test_b02_shares_the_main_runs_deadline(tmp_path: Path) -> None:
    """With the main run's deadline (5 s left of a 30 s --time-budget) the retry after the
    interval does not fit: skipped, not waited for on a budget of its own."""
    async with reference_csms(tmp_path) as csms:
        options = derive(BASE, pending_id="CS002", only=["B02"])
        report = await _run(csms, options, {}, deadline=time.monotonic() + 5)
    retry = {r.id: r for r in report.results}["B02/pending/retry"]
    assert retry.status is Status.SKIP and "longer than the tester waits" in retry.detail


async def test_b03_connect_failure_is_explained(tmp_path: Path) -> None:
    async with reference_csms(tmp_path) as csms:
        options = derive(BASE, rejected_id="CS003", only=["B03"])
        report = await _run(csms, options, {}, password="not-the-password")
        url = csms.ocpp_url.rstrip("/")
    failing = [(r.id, r.detail) for r in report.results if r.status is Status.FAIL]
    assert failing == [
        (
            "B03/rejected/connect",
            f"{url}/CS003: the CSMS refused the WebSocket handshake "
            "with HTTP 401 (Basic auth: check --id and --password; under profiles 1-2 an "
            "unregistered --id gets 401 too)",
        )
    ]


async def test_b02_b03_without_identities_are_skipped(tmp_path: Path) -> None:
    async with reference_csms(tmp_path) as csms:
        report = await _run(csms, BASE, {"B02": "Pending", "B03": "Rejected"})
    assert [(r.id, r.status, r.detail) for r in report.results] == [
        ("B02/boot/identity", Status.SKIP, "no --pending-id"),
        ("B03/boot/identity", Status.SKIP, "no --rejected-id"),
    ]


async def test_b02_b03_cli(tmp_path: Path) -> None:
    """`ocppgen conformance csms --pending-id --rejected-id` runs them after the B01 boot."""
    junit = tmp_path / "report.xml"
    async with reference_csms(tmp_path) as csms:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ocppgen",
            "conformance",
            "csms",
            "--url",
            csms.ocpp_url,
            "--password",
            PASSWORD,
            "--pending-id",
            "CS002",
            "--rejected-id",
            "CS003",
            "--only",
            "B01/boot",
            "--only",
            "B02",
            "--only",
            "B03",
            "--timeout",
            "3",
            "--seed",
            "1",
            "--quiet",
            "--junit",
            str(junit),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, output.decode()
    cases = {str(case.get("name")) for case in ET.parse(junit).getroot().iter("testcase")}
    wanted = {"B01/boot/accepted", "B02/pending/security-error", "B03/rejected/no-calls"}
    assert wanted <= cases, (sorted(cases), output.decode())
