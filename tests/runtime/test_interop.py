"""Interoperability with an independent implementation: the `ocpp` package from PyPI.

Our CSMS serves a station built with that package; our station connects to a CSMS built with it.
Both directions of calls, and a CALLERROR crossing implementations.
"""

from __future__ import annotations

import pytest
from ocpp.charge_point import camel_to_snake_case
from ocpp.v201 import call

from bench.workload import TRANSACTION_EVENT
from ocppgen.generated import v201
from ocppgen.runtime.client import StationClient
from ocppgen.runtime.errors import RemoteCallError
from ocppgen.runtime.security import SecurityProfile, basic_auth_header, check_password
from ocppgen.runtime.server import CsmsServer
from tests.runtime.ocpp_peers import OcppPackageCsms, connect_ocpp_station
from tests.runtime.peers import CsmsHandler, StationHandler, boot_request


async def test_our_csms_serves_an_ocpp_package_station() -> None:
    handler = CsmsHandler()
    server = CsmsServer([(v201.VERSION, handler)], path_prefix="/ocpp")
    await server.start()
    try:
        theirs = await connect_ocpp_station(server.url("PYPI01"), "PYPI01")
        try:
            boot = await theirs.station.boot()
            assert boot.status == "Accepted" and boot.interval == 300
            await theirs.station.call(
                call.TransactionEvent(**camel_to_snake_case(TRANSACTION_EVENT)), suppress=False
            )
            got = [(station, action) for station, action, _ in handler.received]
            assert got == [("PYPI01", "BootNotification"), ("PYPI01", "TransactionEvent")]
            event = handler.received[1][2]
            assert isinstance(event, v201.TransactionEventRequest)
            assert event.meter_value is not None
            assert len(event.meter_value[0].sampled_value) == 5

            # CSMS-initiated calls through our registry, answered by their station
            conn = server.stations["PYPI01"]
            reset = await conn.call(v201.ResetRequest.from_json_dict({"type": "Immediate"}))
            assert isinstance(reset, v201.ResetResponse) and reset.status == "Accepted"
            variables = await conn.call(
                v201.GetVariablesRequest.from_json_dict(
                    {
                        "getVariableData": [
                            {
                                "component": {"name": "OCPPCommCtrlr"},
                                "variable": {"name": "HeartbeatInterval"},
                            }
                        ]
                    }
                )
            )
            assert isinstance(variables, v201.GetVariablesResponse)
            assert variables.get_variable_result[0].attribute_value == "300"
            assert [action for action, _ in theirs.station.received] == ["Reset", "GetVariables"]
        finally:
            await theirs.close()
    finally:
        await server.close()


async def test_ocpp_package_station_with_basic_auth() -> None:
    async def authenticate(identity: str, password: str) -> bool:
        return check_password("pypi-password-123", password)

    server = CsmsServer(
        [(v201.VERSION, CsmsHandler())],
        security_profile=SecurityProfile.BASIC_AUTH,
        authenticate=authenticate,
    )
    await server.start()
    try:
        header = {"Authorization": basic_auth_header("PYPI02", "pypi-password-123")}
        theirs = await connect_ocpp_station(server.url("PYPI02"), "PYPI02", headers=header)
        try:
            assert (await theirs.station.boot()).status == "Accepted"
        finally:
            await theirs.close()
    finally:
        await server.close()


async def test_our_station_connects_to_an_ocpp_package_csms() -> None:
    theirs = OcppPackageCsms()
    port = await theirs.start()
    station_handler = StationHandler()
    try:
        async with StationClient(
            f"ws://127.0.0.1:{port}/ocpp", "OURS01", [(v201.VERSION, station_handler)]
        ) as client:
            conn = await client.connect()
            boot = await conn.call(boot_request())
            assert isinstance(boot, v201.BootNotificationResponse)
            assert boot.status == "Accepted" and boot.interval == 300
            beat = await conn.call(v201.HeartbeatRequest())
            assert isinstance(beat, v201.HeartbeatResponse)
            event = await conn.call(v201.TransactionEventRequest.from_json_dict(TRANSACTION_EVENT))
            assert isinstance(event, v201.TransactionEventResponse)
            side = await theirs.wait_for("OURS01")
            assert [action for action, _ in side.received] == [
                "BootNotification",
                "Heartbeat",
                "TransactionEvent",
            ]
            assert side.received[0][1]["charging_station"]["vendor_name"] == "ocppgen"

            # their CSMS calls our station
            result = await side.call(call.Reset(type="OnIdle"), suppress=False)
            assert result.status == "Accepted"
            assert [action for action, _ in station_handler.received] == ["Reset"]

            # a CALLERROR from their implementation arrives as a typed exception
            with pytest.raises(RemoteCallError) as raised:
                await conn.call(
                    v201.AuthorizeRequest.from_json_dict(
                        {"idToken": {"idToken": "ABC", "type": "ISO14443"}}
                    )
                )
            assert raised.value.code == "NotImplemented"
            assert "Authorize" in str(raised.value.details)
    finally:
        await theirs.close()
