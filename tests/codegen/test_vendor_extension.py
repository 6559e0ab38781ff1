"""Vendor extensions (issue 16 item 2), with the example in examples/vendor/acme: the typed
DataTransfer messages and customData of a generated package, used over a real WebSocket on
127.0.0.1; the package's own property tests are run by test_vendor.py's install test and here
(the vendor rows). Bad extension inputs: one diagnostic each, nothing written."""

from __future__ import annotations

import asyncio
import importlib
import json
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ocppgen.cli import main
from ocppgen.runtime import CallContext, CsmsServer, StationClient
from ocppgen.runtime.errors import RemoteCallError
from ocppgen.runtime.model import OcppModel
from tests.codegen.golden import EXTENSION, PACKAGE, golden_files
from tests.codegen.helpers import snapshot


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The golden package (Heartbeat, DataTransfer and the ACME extension), imported."""
    out = tmp_path_factory.mktemp("acme")
    golden_files(out)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))


def test_the_package_has_the_vendor_classes_typed(acme: ModuleType) -> None:
    vendor = importlib.import_module(f"{PACKAGE}.vendor")
    assert vendor.VENDOR.vendor_id == "com.acme"
    assert set(vendor.VENDOR.messages) == {"SetLedColor", "CoolantReport"}
    led = vendor.SetLedColor.from_json_dict({"evseId": 1, "color": "Amber"})
    assert led.color is vendor.LedColorEnumType.Amber
    with pytest.raises(ValueError):
        vendor.SetLedColor.from_json_dict({"evseId": 0, "color": "Amber"})  # minimum 1
    handlers = importlib.import_module(f"{PACKAGE}.handlers")
    assert issubclass(handlers.CsmsHandlers, vendor.CsmsVendorHandlers)
    assert hasattr(handlers.ChargingStationHandlers, "on_vendor_set_led_color")
    assert hasattr(handlers.ChargingStationCalls, "vendor_coolant_report")
    assert not hasattr(handlers.CsmsCalls, "vendor_coolant_report")  # the station sends it


async def _exchange(acme: ModuleType, station_sends: Any) -> tuple[Any, list[OcppModel]]:
    """A CSMS of the package that records the typed vendor messages it gets; the station's
    `station_sends(station, calls)` result."""
    handlers = importlib.import_module(f"{PACKAGE}.handlers")
    seen: list[OcppModel] = []

    class Csms(handlers.CsmsHandlers):  # type: ignore[name-defined,misc]
        async def on_vendor_coolant_report(self, request: OcppModel, context: CallContext) -> None:
            seen.append(request)

        async def on_heartbeat(self, request: OcppModel, context: CallContext) -> OcppModel:
            seen.append(request)
            now = datetime(2026, 1, 2, tzinfo=UTC)
            response: OcppModel = acme.HeartbeatResponse(current_time=now)
            return response

    server = CsmsServer(versions=[(acme.VERSION, Csms())])
    await server.start("127.0.0.1", 0)
    try:
        station_handlers = handlers.ChargingStationHandlers()
        station = StationClient(server.url(), "CS1", [(acme.VERSION, station_handlers)])
        async with station:
            station.start()
            await station.wait_connected(timeout=10)
            return await station_sends(station, handlers.ChargingStationCalls(station)), seen
    finally:
        await server.close()


def test_a_vendor_message_reaches_the_typed_handler_over_a_websocket(acme: ModuleType) -> None:
    vendor = importlib.import_module(f"{PACKAGE}.vendor")
    report = vendor.CoolantReport(
        timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        readings=[vendor.CoolantReadingType(evse_id=1, celsius=31.5)],
    )

    async def send(station: Any, calls: Any) -> Any:
        return await calls.vendor_coolant_report(report)

    answer, seen = asyncio.run(_exchange(acme, send))
    assert answer is None  # CoolantReport's response carries no data
    assert seen == [report] and type(seen[0]) is vendor.CoolantReport


@pytest.mark.parametrize(
    ("wire", "status"),
    [
        ({"vendorId": "com.other", "messageId": "CoolantReport"}, "UnknownVendorId"),
        ({"vendorId": "com.acme", "messageId": "NoSuchMessage"}, "UnknownMessageId"),
        ({"vendorId": "com.acme", "messageId": "SetLedColor"}, "UnknownMessageId"),  # to the CS
    ],
)
def test_unknown_vendor_or_message_get_the_spec_statuses(
    acme: ModuleType, wire: dict[str, str], status: str
) -> None:
    request = acme.DataTransferRequest.from_json_dict({**wire, "data": {"x": 1}})

    async def send(station: Any, calls: Any) -> Any:
        return await station.call(request)

    answer, seen = asyncio.run(_exchange(acme, send))
    assert answer.to_json_dict() == {"status": status}
    assert seen == []


def test_invalid_vendor_data_is_a_callerror_with_the_fault_code(acme: ModuleType) -> None:
    data = {"timestamp": "2026-01-02T03:04:05Z", "readings": []}  # minItems 1
    request = acme.DataTransferRequest(vendor_id="com.acme", message_id="CoolantReport", data=data)

    async def send(station: Any, calls: Any) -> Any:
        with pytest.raises(RemoteCallError) as failure:
            await station.call(request)
        return failure.value

    error, seen = asyncio.run(_exchange(acme, send))
    assert error.code == "OccurrenceConstraintViolation"
    assert "/readings" in error.description
    assert seen == []


def test_vendor_custom_data_is_typed_and_checked_before_the_handler(acme: ModuleType) -> None:
    vendor = importlib.import_module(f"{PACKAGE}.vendor")
    good = acme.HeartbeatRequest.from_json_dict(
        {"customData": {"vendorId": "com.acme", "uptimeSeconds": 7}}
    )
    typed = vendor.VENDOR.custom_data_of(good, vendor.HeartbeatCustomData)
    assert typed == vendor.HeartbeatCustomData(vendor_id="com.acme", uptime_seconds=7)
    other = acme.HeartbeatRequest.from_json_dict({"customData": {"vendorId": "com.x", "a": 1}})
    assert vendor.VENDOR.custom_data_of(other, vendor.HeartbeatCustomData) is None
    bad = acme.HeartbeatRequest.from_json_dict(
        {"customData": {"vendorId": "com.acme", "uptimeSeconds": -1}}
    )

    async def send(station: Any, calls: Any) -> Any:
        answers = [await station.call(good), await station.call(other)]
        with pytest.raises(RemoteCallError) as failure:
            await station.call(bad)
        return answers, failure.value

    (answers, error), seen = asyncio.run(_exchange(acme, send))
    assert len(answers) == 2 and seen == [good, other]
    assert error.code == "PropertyConstraintViolation"


# -- bad extension inputs -------------------------------------------------------------------


def _extension(tmp_path: Path) -> Path:
    folder = tmp_path / "acme"
    shutil.copytree(EXTENSION, folder)
    return folder


def _manifest(folder: Path, change: Any) -> None:
    path = folder / "vendor.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _one_diagnostic(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = tmp_path / "out"
    out.mkdir()
    args = ["generate", "--version", "2.0.1", "--package", "acme_ocpp", "--out", str(out)]
    status = main([*args, "--action", "Heartbeat", "--extension", str(folder)])
    assert status == 2
    assert snapshot(out) == {}
    *lines, last = capsys.readouterr().err.splitlines()
    assert last == "ocppgen: 1 error(s); nothing was written"
    (line,) = lines
    return line


def test_a_schema_named_like_a_standard_type_collides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _extension(tmp_path)
    schema = json.loads((folder / "SetLedColor.json").read_text(encoding="utf-8"))
    schema["definitions"]["StatusInfoType"] = schema["definitions"].pop("LedColorEnumType")
    schema["properties"]["color"]["$ref"] = "#/definitions/StatusInfoType"
    (folder / "SetLedColor.json").write_text(json.dumps(schema), encoding="utf-8")
    line = _one_diagnostic(tmp_path, folder, capsys)
    assert line == (
        "acme/SetLedColor.json:/definitions/StatusInfoType: error: "
        "'StatusInfoType' collides with a standard OCPP name"
    )


def test_an_invalid_vendor_schema_is_named_with_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _extension(tmp_path)
    (folder / "CoolantReport.json").write_text('{"type": "object",\n ]', encoding="utf-8")
    line = _one_diagnostic(tmp_path, folder, capsys)
    assert line.startswith("acme/vendor.json:/dataTransfer/1/request: error: cannot read ")


def test_an_unsupported_schema_construct_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _extension(tmp_path)
    schema = json.loads((folder / "SetLedColorResponse.json").read_text(encoding="utf-8"))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    (folder / "SetLedColorResponse.json").write_text(json.dumps(schema), encoding="utf-8")
    line = _one_diagnostic(tmp_path, folder, capsys)
    assert line.startswith("acme/SetLedColorResponse.json:/$schema: error: unsupported")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda m: m.update(vendorId=""),
            "acme/vendor.json:/vendorId: error: must be a string of 1 to 255 characters",
        ),
        (
            lambda m: m["dataTransfer"][0].update(initiator="Station"),
            "acme/vendor.json:/dataTransfer/0/initiator: error: must be one of "
            "ChargingStation, CSMS, Both",
        ),
        (
            lambda m: m["dataTransfer"].append(dict(m["dataTransfer"][0])),
            "acme/vendor.json:/dataTransfer: error: messageId 'SetLedColor' is listed twice",
        ),
        (
            lambda m: m["customData"][0].update(message="NoSuchRequest"),
            "acme/vendor.json:/customData/0/message: error: 'NoSuchRequest' is not a message "
            "of this package",
        ),
        (
            lambda m: m.update(extra=1),
            "acme/vendor.json:/extra: error: unknown key",
        ),
    ],
)
def test_a_bad_manifest_gets_one_diagnostic(
    change: Any, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _extension(tmp_path)
    _manifest(folder, change)
    assert _one_diagnostic(tmp_path, folder, capsys) == expected
