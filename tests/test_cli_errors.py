"""Command-line mistakes end in one line on stderr and a non-zero exit, never a traceback; secrets
can come from files and the environment; every option has help text (issue 13, items 6 and 16).

The commands run as real subprocesses (`python -m ocppgen ...`) in a scratch folder."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocppgen.cli import _APPLICATIONS, _parser
from ocppgen.conformance import cli as conformance_cli
from ocppgen.reference.csms import cli as csms_cli
from ocppgen.reference.csms.store import Store
from ocppgen.reference.demo import OperatorClient
from ocppgen.reference.station import cli as station_cli
from tests.certs import write_ca

STATION = ["station", "--url", "ws://127.0.0.1:9/", "--id", "CS1"]
NO_SECRETS = {"OCPPGEN_OPERATOR_PASSWORD", "OCPPGEN_STATION_PASSWORD", "OCPPGEN_CSMS_DATABASE"}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NO_SECRETS}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def ocppgen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocppgen", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# (arguments, exit status, text the one stderr line must contain); "{tmp}" is the scratch folder,
# "{file}" a regular file in it (a folder below a file can be created by no one, root included).
MISTAKES = [
    (["csms", "--database", "mysql://db/x"], 2, "'mysql://db/x': expected an SQLite file path"),
    (
        ["csms", "--database", "postgresql://u:hidden@127.0.0.1:1/x", "--port", "0"],
        1,
        "cannot open the database postgresql://u:***@127.0.0.1:1/x: connection failed",
    ),
    (["csms", "--database", "{file}/sub/csms.sqlite3"], 1, "cannot open the database {file}/sub"),
    (
        ["csms", "--security-profile", "2", "--tls-cert", "{tmp}/no.pem", "--tls-key", "{file}"],
        2,
        "argument --tls-cert: {tmp}/no.pem: no such file",
    ),
    (
        ["csms", "--security-profile", "2", "--tls-cert", "{file}", "--tls-key", "{file}"],
        1,
        "cannot load the TLS files (--tls-cert {file}, --tls-key {file})",
    ),
    (["csms", "--heartbeat-interval", "0"], 2, "--heartbeat-interval: '0': expected 1..86400"),
    (["csms", "--heartbeat-interval", "60"], 2, "name at least one"),
    (["csms", "--operator-password-file", "{tmp}/none"], 2, "cannot read {tmp}/none"),
    (["csms", "--stations-file", "{tmp}/none"], 2, "cannot read {tmp}/none"),
    (
        ["csms", "--station", "bad id:x", "--database", "{tmp}/csms.sqlite3"],
        1,
        "station id 'bad id' must be 1..48 characters",
    ),
    (["csms", "--max-failed-logins", "0"], 2, "--max-failed-logins: '0': expected a whole"),
    ([*STATION, "--evses", "a,b"], 2, "--evses: 'a,b': expected connector counts"),
    ([*STATION, "--set", "No.Such=1"], 2, "--set: no variable No.Such in the device model"),
    ([*STATION, "--set", "OCPPCommCtrlr.HeartbeatInterval=x"], 2, "HeartbeatInterval='x'"),
    ([*STATION, "--ca", "{tmp}/ca.pem"], 2, "argument --ca: {tmp}/ca.pem: no such file"),
    ([*STATION, "--password-file", "{tmp}/none"], 2, "cannot read {tmp}/none"),
    ([*STATION, "--security-profile", "1"], 2, "profiles 1 and 2 need a password"),
    ([*STATION, "--db", "{file}/sub/cs1.db"], 1, "cannot open the state file {file}/sub/cs1.db"),
    (["conformance", "station", "--listen", "nonsense"], 2, "'nonsense': expected HOST:PORT"),
    (["conformance", "station", "--profile", "Z99"], 2, "--profile: unknown use cases: Z99"),
    (["generate", "--version", "1.6", "--out", "{file}/out"], 1, "cannot write {file}/out"),
    (["generate", "--version", "9"], 2, "unknown OCPP version '9'"),
]


@pytest.mark.parametrize(("args", "status", "says"), MISTAKES, ids=lambda v: str(v)[:40])
def test_a_mistake_is_one_line_and_an_exit_status(
    args: list[str], status: int, says: str, tmp_path: Path
) -> None:
    file = tmp_path / "a-file"
    file.write_text("not a certificate\n", encoding="utf-8")
    fill = {"{tmp}": str(tmp_path), "{file}": str(file)}
    args = [_fill(arg, fill) for arg in args]
    done = ocppgen(tmp_path, *args)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert _fill(says, fill) in lines[0]
    assert done.returncode == status, done.stderr


def _fill(text: str, fill: dict[str, str]) -> str:
    for key, value in fill.items():
        text = text.replace(key, value)
    return text


def test_version_is_the_installed_metadata(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = ocppgen(tmp_path, "--version")
    assert (done.returncode, done.stdout) == (0, f"ocppgen {version('ocppgen')}\n")


async def test_an_unreachable_csms_is_logged_on_every_attempt_with_its_back_off(
    tmp_path: Path,
) -> None:
    url = f"ws://127.0.0.1:{_closed_port()}/ocpp"
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "ocppgen", "station", "--url", url, "--id", "CS9"],
        *["--db", str(tmp_path / "cs9.db"), "--time-scale", "0.1"],
        *["--set", "OCPPCommCtrlr.RetryBackOffRandomRange=0"],
        *["--set", "OCPPCommCtrlr.RetryBackOffWaitMinimum=1"],
        cwd=tmp_path,
        env=_env(),
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
    )
    assert process.stderr is not None
    warnings: list[str] = []
    try:
        async with asyncio.timeout(30):
            while len(warnings) < 3:
                line = (await process.stderr.readline()).decode()
                assert line, "the station stopped"
                assert "Traceback" not in line
                warnings.append(line)
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 10)
    pattern = rf"WARNING .*connect to {url}/CS9 failed: .+; retrying in (\d+\.\d) s$"
    waits = [_wait(pattern, line) for line in warnings]
    assert waits == [0.1, 0.2, 0.4]  # 1 s x 0.1 time scale, doubling per failure


def _wait(pattern: str, line: str) -> float | str:
    """The back-off a warning announces, or the line itself if it is not such a warning."""
    match = re.search(pattern, line.rstrip())
    return float(match.group(1)) if match else line


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_secrets_from_files_and_heartbeat_for_stored_stations(tmp_path: Path) -> None:
    database = tmp_path / "csms.sqlite3"
    store = Store.open(str(database))
    store.add_station("CS1", password="old-password", heartbeat_interval=300)
    store.close()
    (tmp_path / "operator.secret").write_text("op-secret-1\n", encoding="utf-8")
    (tmp_path / "stations").write_text(
        "# id:password\nCS1:new-password\n\nCS2:cs2-password\n", encoding="utf-8"
    )
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "ocppgen", "csms", "--port", "0", "--api-port", "0"],
        *["--database", str(database), "--operator-password-file", "operator.secret"],
        *["--stations-file", "stations", "--heartbeat-interval", "42"],
        cwd=tmp_path,
        env=_env(),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(20):
            while not lines or "Ctrl+C" not in lines[-1]:
                line = (await process.stdout.readline()).decode()
                assert line, "the CSMS stopped"
                lines.append(line)
        api = next(line for line in lines if line.startswith("operator API")).split()[2]
        client = OperatorClient(api.removesuffix("/api"), "operator", "op-secret-1")
        try:
            status, stations = await client.request("GET", "/api/stations")
        finally:
            await client.close()
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    assert status == 200 and [s["id"] for s in stations] == ["CS1", "CS2"]
    assert not any("generated" in line for line in lines)
    store = Store.open(str(database))
    try:
        assert [s["heartbeat_interval"] for s in store.stations()] == [42, 42]
        assert store.check_password("CS1", "new-password")
        assert store.check_password("CS2", "cs2-password")
    finally:
        store.close()


def test_station_and_tester_passwords_from_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "cs.secret"
    secret.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("OCPPGEN_STATION_PASSWORD", "from-env")
    monkeypatch.setenv("OCPPGEN_OPERATOR_PASSWORD", "operator-env")
    csms = argparse.ArgumentParser()
    csms_cli.register(csms.add_subparsers())
    assert csms.parse_args(["csms"]).operator_password == "operator-env"
    given_file = ["csms", "--operator-password-file", str(secret)]
    assert csms.parse_args(given_file).operator_password == "from-file"
    station = argparse.ArgumentParser()
    station_cli.add_arguments(station)
    assert station.parse_args(STATION[1:]).password == "from-env"
    assert station.parse_args([*STATION[1:], "--password-file", str(secret)]).password == (
        "from-file"
    )
    tester = argparse.ArgumentParser()
    conformance_cli.register(tester.add_subparsers())
    given = ["conformance", "csms", "--url", "ws://127.0.0.1:9/"]
    assert tester.parse_args(given).password == "from-env"
    assert tester.parse_args([*given, "--password-file", str(secret)]).password == "from-file"


def _actions(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")
        else:
            yield path, action


def test_every_option_of_every_subcommand_has_help() -> None:
    missing = set()
    for application in [None, *_APPLICATIONS]:
        for path, action in _actions(_parser(application), "ocppgen"):
            if not action.help:
                missing.add((path, "/".join(action.option_strings) or action.dest))
    assert missing == set()


def test_csms_login_limits_and_allowed_origins_reach_its_config() -> None:
    parse = _parser("csms").parse_args
    origin = ["--api-allowed-origin", "https://console.example"]
    limits = ["--max-failed-logins", "3", "--max-failed-logins-per-address", "7"]
    config = csms_cli._config(parse(["csms", *origin, *limits]))
    assert config.api_allowed_origins == ("https://console.example",)
    assert config.auth_limits is not None
    assert (config.auth_limits.identity_burst, config.auth_limits.address_burst) == (3, 7)
    assert csms_cli._config(parse(["csms", "--no-login-limits"])).auth_limits is None


def test_csms_ca_options_reach_its_config_and_refuse_half_or_bad_files(tmp_path: Path) -> None:
    parse = _parser("csms").parse_args
    ca = write_ca(tmp_path)
    config = csms_cli._config(parse(["csms", "--ca-cert", str(ca.cert), "--ca-key", str(ca.key)]))
    assert (config.ca_certificate, config.ca_key) == (str(ca.cert), str(ca.key))
    with pytest.raises(SystemExit, match="go together"):
        csms_cli._config(parse(["csms", "--ca-cert", str(ca.cert)]))
    with pytest.raises(SystemExit, match="--ca-cert"):
        csms_cli._config(parse(["csms", "--ca-cert", str(ca.key), "--ca-key", str(ca.key)]))
