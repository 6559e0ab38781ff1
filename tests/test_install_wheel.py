"""`pip install ocppgen` gives the models and the runtime with the fewest dependencies (issue 14,
item 3): the built wheel, installed in a clean venv without extras, runs a CSMS and a station on
127.0.0.1 with only pydantic and websockets; the commands of the extras say what to install.

scripts/check-wheel.sh installs the same wheel with the `apps` and `codegen` extras and runs the
commands; this test is the part without extras."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_packaging import build_wheel

ROOT = Path(__file__).resolve().parents[1]
# What the extras bring; none of it may come with the bare install.
EXTRAS_ONLY = ("hypothesis", "black", "jinja2", "aiohttp", "psycopg", "jsonschema", "pytest")

ROUND_TRIP = """
import json, sys
from datetime import UTC, datetime

import ocppgen
from ocppgen.generated import v201
from ocppgen.generated.v201.handlers import ChargingStationHandlers, CsmsHandlers

networking_after_models = [m for m in ("websockets", "asyncio", "ssl") if m in sys.modules]
import asyncio
from ocppgen.runtime import CallContext, CsmsServer, StationClient


class Csms(CsmsHandlers):
    async def on_heartbeat(
        self, request: v201.HeartbeatRequest, context: CallContext
    ) -> v201.HeartbeatResponse:
        return v201.HeartbeatResponse(current_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


async def main() -> str:
    server = CsmsServer(versions=[(v201.VERSION, Csms())])
    await server.start("127.0.0.1", 0)
    try:
        station = StationClient(server.url(), "CS1", [(v201.VERSION, ChargingStationHandlers())])
        async with station:
            station.start()
            await station.wait_connected(timeout=10)
            beat = await station.call(v201.HeartbeatRequest())
            return beat.current_time.isoformat()
    finally:
        await server.close()


print(json.dumps({
    "version": ocppgen.__version__,
    "networking_after_models": networking_after_models,
    "heartbeat": asyncio.run(main()),
    "package": ocppgen.__file__,
}))
"""


@dataclass(frozen=True)
class Venv:
    bin: Path
    scratch: Path  # the working folder: away from the checkout, so nothing is imported from it

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.scratch,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    work = tmp_path_factory.mktemp("install")
    wheel = build_wheel(work)
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    bin_dir = work / "venv" / "bin"
    install = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)]
    subprocess.run(install, capture_output=True, check=True)
    scratch = work / "run"
    scratch.mkdir()
    yield Venv(bin_dir, scratch)


def _installed(venv: Venv) -> set[str]:
    listed = venv.run("python", "-m", "pip", "list", "--format=json")
    assert listed.returncode == 0, listed.stderr
    return {package["name"].lower() for package in json.loads(listed.stdout)}


def test_the_bare_install_has_no_extra(venv: Venv) -> None:
    installed = _installed(venv)
    assert {"ocppgen", "pydantic", "websockets"} <= installed
    assert sorted(installed & set(EXTRAS_ONLY)) == []


def test_models_and_runtime_round_trip_on_loopback(venv: Venv) -> None:
    result = venv.run("python", "-c", ROUND_TRIP)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["heartbeat"] == "2026-01-02T03:04:05+00:00"
    assert report["networking_after_models"] == []
    assert "site-packages" in report["package"]  # the wheel's, not the checkout's
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert report["version"] == project["version"]


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["generate", "--out", "out"], "codegen"),
        (["generate", "--check"], "codegen"),
        (["show"], "codegen"),
        (["csms", "--port", "0"], "apps"),
        (["demo"], "apps"),
        (["conformance", "--help"], "apps"),
    ],
)
def test_a_command_without_its_extra_says_what_to_install(
    venv: Venv, args: list[str], extra: str
) -> None:
    result = venv.run("ocppgen", *args)
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(
        rf"ocppgen {args[0]}: needs the '{extra}' extra \(no module named '[\w.]+'\); "
        rf"install it with: pip install 'ocppgen\[{extra}\]'",
        line,
    ), line


def test_help_and_version_need_no_extra(venv: Venv) -> None:
    overview = venv.run("ocppgen", "--help")
    assert overview.returncode == 0, overview.stderr
    assert "generate" in overview.stdout and "conformance" in overview.stdout
    version = venv.run("ocppgen", "--version")
    assert version.returncode == 0, version.stderr
    assert re.fullmatch(r"ocppgen \d+\.\d+\.\d+\S*\n", version.stdout)
