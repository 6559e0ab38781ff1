"""Station scenarios that need a driver (C01, E02, E03, E09): the reference station runs as a
real `python -m ocppgen station` subprocess and the tester drives it through the station-ctl
adapter (`--driver "python -m ocppgen.conformance.station_ctl --control ..."`); mutants run
the reference station in-process behind the rewriting proxy, driven the same way."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from ocppgen.conformance.cli import options_from, register
from ocppgen.conformance.driver import CommandDriver, ManualDriver, make_driver
from ocppgen.conformance.report import RunReport, Status
from ocppgen.conformance.station_ctl import request_for
from ocppgen.reference.station import Station
from ocppgen.reference.station.control import ControlServer
from tests.conformance.helpers import QUICK, derive, failures, station_tester, statuses
from tests.conformance.mutants import Mutant, answer_authorize_locally, seqno_gap

DRIVEN = ["C01", "E02", "E03", "E09", "session"]


def _adapter(control_file: Path) -> str:
    """The station-ctl driver, reading the control address from `control_file` (written once
    the station, started with control port 0, says where it listens: no port picked ahead)."""
    script = (
        'f=$1; shift; while [ ! -s "$f" ]; do sleep 0.05; done; '
        'exec "$0" -m ocppgen.conformance.station_ctl --control "$(cat "$f")" "$@"'
    )
    return shlex.join(["sh", "-c", script, sys.executable, str(control_file)])


BASE = derive(QUICK, seed=7, heartbeat_interval=60, only=DRIVEN)


async def test_c01_e02_e03_e09_reference_station_subprocess(tmp_path: Path) -> None:
    control = tmp_path / "control"
    async with station_tester(derive(BASE, driver=_adapter(control)), wait=15) as (url, run):
        station = await _station_process(url, control, tmp_path / "station.db")
        try:
            report = await asyncio.wait_for(run, 60)
        finally:
            with contextlib.suppress(ProcessLookupError):
                station.terminate()
            assert station.stderr is not None
            errors = await station.stderr.read()
            await station.wait()
    assert failures(report) == [], errors.decode()[-2000:]
    verdicts = statuses(report)
    for check in (
        "C01/blocked-card/not-started",
        "E03/idtoken-first/started-trigger",
        "E03/idtoken-first/started-id-token",
        "E03/idtoken-first/plugged-in-event",
        "E03/idtoken-first/seqno",
        "E02/plugin-first/occupied",
        "E02/plugin-first/started-trigger",
        "E02/plugin-first/authorized-event",
        "E02/plugin-first/one-transaction-id",
        "E02/plugin-first/seqno",
        "E02/plugin-first/event-types",
        "E09/unplug/ended",
        "E09/unplug/stopped-reason",
        "E09/unplug/trigger",
        "E09/unplug/available",
        "session/transaction-seqno",
    ):
        assert verdicts.get(check) is Status.PASS, (check, verdicts.get(check))
    authorize = [r for r in report.results if r.id.startswith("C01/rfid/authorize-")]
    assert len(authorize) == 3 and all(r.status is Status.PASS for r in authorize)


async def _station_process(url: str, control: Path, db: Path) -> asyncio.subprocess.Process:
    """`ocppgen station` with control port 0; the address it prints goes to `control`."""
    station = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ocppgen",
        "station",
        "--url",
        url,
        "--id",
        "CS0DRIVEN",
        "--db",
        str(db),
        "--control-port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert station.stdout is not None
    while not (found := re.match(rb"control (\S+)", line := await station.stdout.readline())):
        assert line, "the station ended before its control API listened"
    control.write_text(found[1].decode())
    drain = asyncio.ensure_future(station.stdout.read())  # its pipe never fills
    _DRAINS.add(drain)
    drain.add_done_callback(_DRAINS.discard)
    return station


_DRAINS: set[asyncio.Future[bytes]] = set()


async def test_driven_cli_with_given_cards(tmp_path: Path) -> None:
    """`ocppgen conformance station --driver ... --accepted-token --blocked-token`, all three
    programs as subprocesses. The given card is cached by the station after its first use, so
    its second use sends no Authorize: a warning (the card is known locally), not a failure."""
    control = tmp_path / "control"
    junit = tmp_path / "report.xml"
    cli = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "ocppgen", "conformance", "station", "--listen", "127.0.0.1:0"],
        *["--driver", _adapter(control), "--accepted-token", "04A1B2C3"],
        *["--blocked-token", "DEADBEEF", "--only", "C01", "--only", "E02", "--only", "E09"],
        *["--timeout", "1", "--seed", "1", "--wait", "20", "--junit", str(junit)],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert cli.stderr is not None
    while not (
        found := re.search(
            rb"waiting for the station at (ws://\S+):(\d+)/", line := await cli.stderr.readline()
        )
    ):
        assert line, "the tester ended before listening"
    station = await _station_process(
        f"{found[1].decode()}:{found[2].decode()}", control, tmp_path / "station.db"
    )
    try:
        output, errors = await asyncio.wait_for(cli.communicate(), 60)
    finally:
        station.terminate()
        await station.wait()
    assert cli.returncode == 0, (output + errors).decode()[-3000:]
    names = [str(c.get("name")) for c in ET.parse(junit).getroot().iter("testcase")]
    twice = sorted({n for n in names if names.count(n) > 1})
    assert twice == [], twice  # E03 and E02 present the same card: ids stay unique
    cases = {str(c.get("name")): c for c in ET.parse(junit).getroot().iter("testcase")}
    for check in (
        "C01/blocked-card/not-started",
        "E02/plugin-first/authorized-event",
        "E09/unplug/stopped-reason",
    ):
        verdicts = [e.tag for e in cases[check] if e.tag in ("failure", "skipped", "error")]
        assert verdicts == [], check
    assert b"04A1B2C3: no AuthorizeRequest (known locally?)" in output  # the second use


async def _run_in_process(
    tmp_path: Path,
    with_driver: bool,
    mutant: Mutant | None,
    evses: tuple[int, ...] = (1,),
    overrides: dict[str, str] | None = None,
    stopped: Callable[[Station], None] | None = None,
    **changes: object,
) -> RunReport:
    """The reference station in-process (behind `mutant`'s proxy), driven by the adapter;
    `evses`: connectors per EVSE; `overrides`: its device-model defaults; `stopped` sees it
    after it stopped."""
    control_file = tmp_path / "control"
    driver = _adapter(control_file) if with_driver else None
    run_options = derive(BASE, driver=driver, **changes)
    from_sut, to_sut = (mutant.from_sut, mutant.to_sut) if mutant else (None, None)
    async with station_tester(run_options, wait=15, from_sut=from_sut, to_sut=to_sut) as (
        url,
        run,
    ):
        station = Station(
            url, "CS0MUTANT", db_path=tmp_path / "station.db", evses=evses, overrides=overrides
        )
        control = ControlServer(station)
        await station.start()
        control_file.write_text(f"127.0.0.1:{await control.start(0)}")
        try:
            return await asyncio.wait_for(run, 60)
        finally:
            await control.close()
            await station.stop()
            if stopped is not None:
                stopped(station)


async def test_e03_sets_what_the_unplug_relies_on(tmp_path: Path) -> None:
    """A station that suspends at an EV-side disconnect (StopTxOnEVSideDisconnect false) and
    does not stop at EVConnected passes E03: the tester sets both for the scenario, and
    restores them afterwards with no transaction left running."""
    seen: list[tuple[str, str, bool]] = []

    def stopped(station: Station) -> None:
        seen.append(
            (
                station.dm.value("TxCtrlr", "StopTxOnEVSideDisconnect"),
                station.dm.value("TxCtrlr", "TxStopPoint"),
                any(evse.transaction is not None for evse in station.evses.values()),
            )
        )

    overrides = {"TxCtrlr.StopTxOnEVSideDisconnect": "false", "TxCtrlr.TxStopPoint": "Authorized"}
    report = await _run_in_process(
        tmp_path, True, None, only=["E03"], overrides=overrides, stopped=stopped
    )
    assert failures(report) == []
    assert statuses(report)["E03/idtoken-first/ended"] is Status.PASS
    assert seen == [("false", "Authorized", False)]


DRIVEN_MUTANTS = (
    Mutant(
        "station-never-authorizes",
        "station",
        "the station's Authorize never reaches the CSMS (answered Accepted locally)",
        ("C01/rfid/authorize-", "C01/blocked-card/not-started"),
        from_sut=answer_authorize_locally,
    ),
    Mutant(
        "station-seqno-gap-driven",
        "station",
        "TransactionEvent seqNo skips a number",
        ("E02/plugin-first/seqno",),
        from_sut=seqno_gap,
    ),
)


@pytest.mark.parametrize(
    ("mutant", "evse"),
    [(DRIVEN_MUTANTS[0], 1), (DRIVEN_MUTANTS[1], 2)],
    ids=[m.name for m in DRIVEN_MUTANTS],
)
async def test_driven_mutant_is_caught(tmp_path: Path, mutant: Mutant, evse: int) -> None:
    # Only the group the mutant concerns runs, with short waits for what never comes; the
    # seqNo mutant on EVSE 2 of two (--evse 2).
    only = sorted({prefix.split("/")[0] for prefix in mutant.catches})
    report = await _run_in_process(
        tmp_path, True, mutant, (1,) * evse, only=only, call_timeout=1.0, evse=evse
    )
    failing = [r for r in report.results if r.status is Status.FAIL]
    caught = {p for p in mutant.catches for r in failing if r.id.startswith(p)}
    assert caught == set(mutant.catches), failures(report)
    # Each failure shows its evidence: at least the driver step it followed.
    assert all(r.frames or r.id.startswith("session/") for r in failing)
    if evse == 2:  # the EVSE's own StatusNotification was seen, the steps named EVSE 2
        assert statuses(report)["E02/plugin-first/occupied"] is Status.PASS
        notes = [f.text for r in failing for f in r.frames if f.direction == "note"]
        assert "driver: plug_in 2" in notes, notes


async def test_driven_scenarios_skipped_without_driver(tmp_path: Path) -> None:
    report = await _run_in_process(tmp_path, False, None)
    skipped = {r.id: r.detail for r in report.results if r.status is Status.SKIP}
    for group in ("C01", "E02", "E03", "E09"):
        assert "--driver" in skipped[f"{group}/driven/driver"]
    assert not any(r.id.startswith(("E02/plugin", "E09/unplug")) for r in report.results)


async def test_command_driver_protocol(tmp_path: Path) -> None:
    """The command gets the step as arguments; exit 0 is done, anything else fails with the
    command's output in the detail; a command that hangs is killed after the timeout."""
    log = tmp_path / "steps.txt"
    script = (
        "import sys; open(sys.argv[1], 'a').write(' '.join(sys.argv[2:]) + '\\n'); "
        "print('refused' if sys.argv[2] == 'unplug' else 'ok'); "
        "sys.exit(3 if sys.argv[2] == 'unplug' else 0)"
    )
    driver = CommandDriver(shlex.join([sys.executable, "-c", script, str(log)]))
    done = await driver.step("plug_in", "1")
    card = await driver.step("present_token", "04A1B2C3", "1")
    refused = await driver.step("unplug", "1")
    assert (done.ok, card.ok, refused.ok) == (True, True, False)
    assert log.read_text().splitlines() == ["plug_in 1", "present_token 04A1B2C3 1", "unplug 1"]
    assert "exit 3" in refused.detail and "refused" in refused.detail
    slow = CommandDriver(shlex.join([sys.executable, "-c", "import time; time.sleep(30)"]), 0.5)
    hung = await slow.step("plug_in", "1")
    assert not hung.ok and "killed" in hung.detail
    missing = await CommandDriver(str(tmp_path / "no-such-driver")).step("unplug", "1")
    assert not missing.ok and "cannot run" in missing.detail
    with pytest.raises(ValueError, match="unknown driver step"):
        await driver.step("fly", "1")


def test_cli_driver_options() -> None:
    """`--evse` and `--driver-timeout` reach the run's Options and the driver."""
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    argv = ["conformance", "station", "--driver", "ctl", "--evse", "2", "--driver-timeout", "5"]
    run_options = options_from(parser.parse_args(argv))
    assert (run_options.evse, run_options.driver_timeout) == (2, 5.0)
    driver = make_driver(run_options.driver, run_options.driver_timeout)
    assert isinstance(driver, CommandDriver) and driver.timeout == 5.0
    # Each subcommand gives the other's options their defaults.
    assert (run_options.pending_id, run_options.rejected_id) == (None, None)
    csms = options_from(
        parser.parse_args(["conformance", "csms", "--url", "ws://x", "--pending-id", "CS2"])
    )
    assert (csms.driver, csms.evse, csms.driver_timeout, csms.pending_id) == (None, 1, 30.0, "CS2")


async def test_manual_driver_asks_and_waits() -> None:
    asked = io.StringIO()
    driver = ManualDriver(asked, io.StringIO("\n"))
    assert (await driver.step("present_token", "04A1B2C3", "2")).ok
    assert "present the RFID card (ISO14443) with uid 04A1B2C3 at EVSE 2" in asked.getvalue()
    assert not (await driver.step("unplug", "1")).ok  # end of input: not done
    assert isinstance(make_driver("manual"), ManualDriver)
    assert make_driver(None) is None


def test_station_ctl_requests() -> None:
    assert request_for("plug_in", ["2"]) == {"cmd": "plug_in", "evse": 2}
    assert request_for("present_token", ["04A1"]) == {
        "cmd": "present_token",
        "id_token": "04A1",
        "type": "ISO14443",
    }
    assert request_for("present_token", ["04A1", "2"])["evse"] == 2
    for step, args in (("unplug", ["one"]), ("present_token", ["04A1", "two"])):
        with pytest.raises(ValueError):
            request_for(step, args)
