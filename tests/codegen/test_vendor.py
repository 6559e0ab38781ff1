"""Vendor packages (issue 16 item 1): `ocppgen generate --package NAME --out DIR` with profile,
block and action subsets. The package is generated for real, installed with pip into a scratch
folder and used from a subprocess (so nothing of it is imported into the test process); mypy
--strict checks it against a copy of ocppgen laid out as installed."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ocppgen.cli import main
from ocppgen.codegen.pipeline import DEFAULT_SPEC_DIR, build, generate_vendor
from ocppgen.codegen.subset import Selection
from ocppgen.codegen.vendor import VendorRequest
from ocppgen.codegen.versions import find_version
from tests.codegen.golden import EXTENSION, GOLDEN, as_text, golden_files
from tests.test_typecheck_script import _script as _typecheck_script

V201 = find_version("2.0.1")


def profile_actions(profile: str) -> set[str]:
    """The actions of a profile, read from the tables the way a reviewer would."""
    with (DEFAULT_SPEC_DIR / "v201/usecases.csv").open(encoding="utf-8") as file:
        cases = {row["id"]: row["messages"].split(";") for row in csv.DictReader(file)}
    with (DEFAULT_SPEC_DIR / "v201/profiles.csv").open(encoding="utf-8") as file:
        (row,) = (r for r in csv.DictReader(file) if r["profile"] == profile)
    return {a for case in row["use_cases"].split(";") for a in cases[case] if a}


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Core-profile package with the example vendor extension and its pyproject.toml, as
    `ocppgen generate` writes it."""
    out = tmp_path_factory.mktemp("vendor")
    status = main(
        [
            "generate",
            *("--version", "2.0.1", "--package", "acme_ocpp", "--out", str(out)),
            *("--profile", "core", "--distribution", "--extension", str(EXTENSION)),
        ]
    )
    assert status == 0
    return out


@pytest.fixture(scope="module")
def site(core: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Core package installed by pip (from its own pyproject.toml) into a scratch folder."""
    target = tmp_path_factory.mktemp("site")
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    done = subprocess.run(
        [*install, "--target", str(target), str(core)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return target


def run_python(site: Path, code: str) -> dict[str, Any]:
    """`code` in a fresh interpreter that finds the installed vendor package; its JSON output."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=site,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_golden_package_is_unchanged(tmp_path: Path) -> None:
    """Regenerate with `python -m tests.codegen.golden` after a deliberate change."""
    assert as_text(golden_files(tmp_path)) == GOLDEN.read_text(encoding="utf-8")


def test_core_keeps_the_profile_actions_and_only_what_they_reach(site: Path) -> None:
    report = run_python(
        site,
        """
        import json
        import acme_ocpp
        from acme_ocpp import datatypes
        from ocppgen.generated import v201
        print(json.dumps({
            "actions": sorted(acme_ocpp.ACTIONS),
            "left_out": sorted(acme_ocpp.VERSION.left_out),
            "all_actions": sorted(v201.ACTIONS),
            "has_needs": hasattr(datatypes, "ChargingNeedsType"),
            "has_id_token": hasattr(datatypes, "IdTokenType"),
            "file": acme_ocpp.__file__,
        }))
        """,
    )
    kept = set(report["actions"])
    assert kept == profile_actions("core")
    assert {"BootNotification", "Heartbeat", "TransactionEvent", "DataTransfer"} <= kept
    assert set(report["left_out"]) == set(report["all_actions"]) - kept
    assert report["has_needs"] is False  # only NotifyEVChargingNeeds (ISO 15118) reaches it
    assert report["has_id_token"] is True
    assert str(site) in str(report["file"])


def test_the_installed_package_answers_outside_its_subset_with_the_spec_codes(
    site: Path,
) -> None:
    """A CALL of a 2.0.1 action the package left out is NotSupported (the receiver knows it);
    an action 2.0.1 does not have is NotImplemented; a kept one reaches the handler, over a
    real WebSocket on 127.0.0.1."""
    report = run_python(
        site,
        """
        import asyncio, json
        from datetime import UTC, datetime
        import acme_ocpp
        from acme_ocpp.handlers import ChargingStationHandlers, CsmsHandlers
        from ocppgen.runtime import CallContext, CsmsServer, StationClient
        from ocppgen.runtime.actions import Role
        from ocppgen.runtime.core import Connection

        def answer(action):
            connection = Connection(acme_ocpp.VERSION, Role.CHARGING_STATION)
            connection.receive(json.dumps([2, "m1", action, {}]))
            return json.loads(connection.outgoing()[0])[2]

        class Csms(CsmsHandlers):
            async def on_heartbeat(self, request, context):
                return acme_ocpp.HeartbeatResponse(current_time=datetime(2026, 1, 2, tzinfo=UTC))

        async def beat():
            server = CsmsServer(versions=[(acme_ocpp.VERSION, Csms())])
            await server.start("127.0.0.1", 0)
            try:
                station = StationClient(
                    server.url(), "CS1", [(acme_ocpp.VERSION, ChargingStationHandlers())]
                )
                async with station:
                    station.start()
                    await station.wait_connected(timeout=10)
                    response = await station.call(acme_ocpp.HeartbeatRequest())
                    return response.current_time.isoformat()
            finally:
                await server.close()

        print(json.dumps({
            "left_out": answer("SetChargingProfile"),
            "unknown": answer("NoSuchAction"),
            "heartbeat": asyncio.run(beat()),
        }))
        """,
    )
    assert report == {
        "left_out": "NotSupported",
        "unknown": "NotImplemented",
        "heartbeat": "2026-01-02T00:00:00+00:00",
    }


def test_the_package_passes_mypy_strict(core: Path, tmp_path: Path) -> None:
    stage = tmp_path / "stage"  # ocppgen laid out as installed, as scripts/typecheck.py does
    script = _typecheck_script()
    script.stage(script.package_dirs(), stage)
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\nplugins = pydantic.mypy\n"
        "[mypy-rfc3339_validator,jsonschema.*]\nignore_missing_imports = True\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "-p", "acme_ocpp"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"MYPYPATH": f"{stage}:{core}", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_the_property_tests_of_the_package_pass(site: Path) -> None:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "--pyargs"]
    done = subprocess.run(
        # every property but the per-field mutations (the same models' are run in generated/)
        [*command, "acme_ocpp.proptests", "-k", "not test_mutation"],
        capture_output=True,
        text=True,
        cwd=site,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout
    assert (site / "acme_ocpp" / "vendor_schemas" / "SetLedColor.json").is_file()  # for them


@pytest.mark.parametrize(
    ("selection", "kept"),
    [
        (Selection(blocks=("K",)), "SetChargingProfile"),
        (Selection(blocks=("K SmartCharging",)), "GetCompositeSchedule"),
        (Selection(profiles=("reservation",), actions=("Heartbeat",)), "ReserveNow"),
    ],
)
def test_blocks_profiles_and_actions_combine(
    selection: Selection, kept: str, tmp_path: Path
) -> None:
    request = VendorRequest("acme_ocpp", selection)
    result = generate_vendor(DEFAULT_SPEC_DIR, tmp_path, V201, request, check=True)
    (spec,) = result.specs
    names = {a.name for a in spec.actions}
    assert kept in names
    assert "BootNotification" not in names
    (full,) = build(DEFAULT_SPEC_DIR, (V201,))
    assert set(spec.left_out) == {a.name for a in full.actions} - names
    assert not (tmp_path / "acme_ocpp").exists()  # a check writes nothing


# Part 5 profile -> the facts file's `part5_profile_inferred` labels (spec/README.md).
PROFILE_LABELS = {
    "core": {"Core", "Core (auth cache feature)"},
    "advanced-security": {"Advanced Security"},
    "local-authorization-list-management": {"Core/LA-0 Local Authorization List Management"},
    "smart-charging": {"Smart Charging"},
    "advanced-device-management": {"Core/DM-0 Advanced Device Management"},
    "advanced-user-interface": {"Core/UI-0 Advanced User Interface"},
    "reservation": {"Core/R-0 Reservation"},
    "iso-15118-support": {"ISO 15118 support"},
}


def test_the_profile_table_is_derived_from_the_facts_file() -> None:
    """Each profile's use cases: the facts file's inferred Part 5 label; Core also takes every
    Part 0 basic-implementation use case (`core=yes`)."""
    with (DEFAULT_SPEC_DIR / "facts/usecases-2.0.1.csv").open(encoding="utf-8") as file:
        facts = list(csv.DictReader(file))
    with (DEFAULT_SPEC_DIR / "v201/profiles.csv").open(encoding="utf-8") as file:
        table = {row["profile"]: row["use_cases"].split(";") for row in csv.DictReader(file)}
    assert list(table) == list(PROFILE_LABELS)
    for profile, labels in PROFILE_LABELS.items():
        expected = sorted(
            row["id"]
            for row in facts
            if row["part5_profile_inferred"] in labels
            or (profile == "core" and row["core"] == "yes")
        )
        assert table[profile] == expected, profile
