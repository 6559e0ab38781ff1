"""`ocppgen conformance` over TLS: wss:// with --ca (security profile 2), mutual TLS with
--cert/--key (profile 3), the tester serving wss:// to a station, and clear errors for a wrong
CA, a missing client certificate and unreadable files.

The command line runs in a worker thread (it has its own event loop); the target runs on the
test's loop. Certificates come from tests/certs.py; real TLS on loopback sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from ocppgen.cli import main
from ocppgen.generated import v16, v21
from ocppgen.runtime import CsmsServer
from ocppgen.runtime.security import SecurityProfile, client_ssl_context, server_ssl_context
from tests.certs import Pki, make_pki
from tests.conformance.helpers import free_port
from tests.conformance.targets import Csms16, Csms21, Station21, serve_csms, station_client

PASSWORD = "tls-secret-password-1"
QUICK = ["--quiet", "--seed", "3", "--max-examples", "2", "--timeout", "3"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


async def _cli(*argv: str) -> int:
    return await asyncio.to_thread(main, ["conformance", *argv, *QUICK])


def _profile_2_csms(pki: Pki) -> contextlib.AbstractAsyncContextManager[CsmsServer]:
    """Our 2.1 CSMS over wss:// with Basic auth (security profile 2)."""
    return serve_csms(
        v21.VERSION,
        Csms21(),
        ssl_context=server_ssl_context(pki.server.cert, pki.server.key),
        profile=SecurityProfile.TLS_BASIC_AUTH,
        password=PASSWORD,
    )


def _profile_2_argv(server: CsmsServer, ca: Path) -> list[str]:
    """`conformance csms` against `_profile_2_csms`, trusting `ca`."""
    url = server.url()
    return ["csms", "--url", url, "--password", PASSWORD, "--ca", str(ca), "--version", "2.1"]


def _mutual_tls_station_argv(pki: Pki, port: int, *extra: str) -> list[str]:
    """`conformance station` serving 2.1 over wss:// and requiring client certificates."""
    return [
        *["station", "--listen", f"127.0.0.1:{port}", "--version", "2.1"],
        *["--cert", str(pki.server.cert), "--key", str(pki.server.key), "--ca", str(pki.ca)],
        *extra,
    ]


def _junit_failures(path: Path) -> tuple[int, int]:
    suite = ET.parse(path).getroot()
    return int(suite.get("tests", "0")), int(suite.get("failures", "0"))


async def test_csms_profile_2_wss_with_ca(pki: Pki, tmp_path: Path) -> None:
    async with _profile_2_csms(pki) as server:
        junit = tmp_path / "report.xml"
        status = await _cli(
            *_profile_2_argv(server, pki.ca),
            "--only",
            "B01/boot",
            "--only",
            "framing/not-json",
            "--junit",
            str(junit),
        )
    assert status == 0
    tests, failures = _junit_failures(junit)
    assert tests >= 4 and failures == 0


async def test_csms_profile_3_mutual_tls(pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    context = server_ssl_context(pki.server.cert, pki.server.key, client_ca=pki.ca)
    client = pki.client("CS001")
    async with serve_csms(
        v16.VERSION,
        Csms16(),
        ssl_context=context,
        profile=SecurityProfile.TLS_CLIENT_CERTIFICATE,
    ) as server:
        common = ["csms", "--url", server.url(), "--ca", str(pki.ca), "--version", "1.6"]
        status = await _cli(
            *common, "--cert", str(client.cert), "--key", str(client.key), "--only", "Core/boot"
        )
        out = capsys.readouterr().out
        assert status == 0, out
        assert "Core" in out
        # Without a client certificate the CSMS refuses the TLS handshake: a clear error.
        status = await _cli(*common, "--only", "Core/boot")
    out, err = capsys.readouterr()
    assert status == 1
    assert "connect" in out and "--cert" in out
    assert "Traceback" not in out + err


async def test_csms_wrong_ca_is_a_clear_error(pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    async with _profile_2_csms(pki) as server:
        assert pki.rogue_ca is not None
        status = await _cli(*_profile_2_argv(server, pki.rogue_ca))
    out, err = capsys.readouterr()
    assert status == 1
    assert "certificate was not accepted" in out and "--ca" in out
    assert "Traceback" not in out + err


async def test_unreadable_tls_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    status = await _cli("csms", "--url", "wss://127.0.0.1:9/", "--ca", missing)
    _, err = capsys.readouterr()
    assert status == 2
    assert "cannot load the TLS files" in err and "Traceback" not in err
    status = await _cli("csms", "--url", "ws://127.0.0.1:9/", "--ca", missing)
    assert status == 2
    assert "wss://" in capsys.readouterr().err


async def test_station_over_mutual_tls(pki: Pki, tmp_path: Path) -> None:
    """`conformance station --cert/--key --ca` serves wss:// and requires the station's
    certificate; our 2.1 station connects with TLS and its client certificate."""
    junit = tmp_path / "station.xml"
    port = free_port()
    argv = _mutual_tls_station_argv(
        pki,
        port,
        *["--wait", "10", "--heartbeat-interval", "1", "--only", "B01"],
        *["--only", "framing/not-json", "--junit", str(junit)],
    )
    run = asyncio.create_task(_cli(*argv))
    client = pki.client("CS002")
    context = client_ssl_context(pki.ca, certificate=client.cert, key=client.key)
    async with station_client(
        f"wss://127.0.0.1:{port}", "CS002", v21.VERSION, Station21(), ssl_context=context
    ) as station:
        status = await asyncio.wait_for(run, 30)
        assert station.security_profile is SecurityProfile.TLS_CLIENT_CERTIFICATE
    assert status == 0
    tests, failures = _junit_failures(junit)
    assert tests >= 5 and failures == 0


async def test_station_without_client_certificate_is_refused(
    pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --ca the tester refuses a station that presents no certificate at the handshake."""
    port = free_port()
    argv = _mutual_tls_station_argv(pki, port, "--wait", "2")
    run = asyncio.create_task(_cli(*argv))
    context = client_ssl_context(pki.ca)
    async with station_client(
        f"wss://127.0.0.1:{port}", "CS002", v21.VERSION, Station21(), ssl_context=context
    ) as station:
        status = await asyncio.wait_for(run, 30)
        error = station.last_error
    assert status == 1  # no station ever connected
    assert error is not None and station.attempts >= 1
    out, err = capsys.readouterr()
    assert "client certificate" in out and "Traceback" not in out + err
