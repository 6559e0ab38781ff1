"""Configuration alone (configuration.py): ItemsPerMessage limits, SetVariables then
GetVariables, GetBaseReport answered with NotifyReport parts through the sans-IO cores."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ocppgen.generated import v201
from ocppgen.reference.station.configuration import Configuration
from ocppgen.runtime.errors import ErrorCode, OcppError
from tests.reference.station.component_link import CoreLink, open_site

HEARTBEAT = v201.VariableType(name="HeartbeatInterval")
COMM = v201.ComponentType(name="OCPPCommCtrlr")


async def test_variables_and_base_report(tmp_path: Path) -> None:
    site = open_site(
        tmp_path,
        overrides={
            "DeviceDataCtrlr.ItemsPerMessage[GetVariables]": "1",
            "DeviceDataCtrlr.ItemsPerMessage[GetReport]": "10",
        },
    )
    link = CoreLink()
    configuration = Configuration(site, link)
    set_data = v201.SetVariableDataType(attribute_value="42", component=COMM, variable=HEARTBEAT)
    answer = configuration.set_variables(v201.SetVariablesRequest(set_variable_data=[set_data]))
    assert answer.set_variable_result[0].attribute_status is v201.SetVariableStatusEnumType.Accepted
    get = v201.GetVariableDataType(component=COMM, variable=HEARTBEAT)
    result = configuration.get_variables(v201.GetVariablesRequest(get_variable_data=[get]))
    assert result.get_variable_result[0].attribute_value == "42"
    with pytest.raises(OcppError) as raised:
        configuration.get_variables(v201.GetVariablesRequest(get_variable_data=[get, get]))
    assert raised.value.code == ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    request = v201.GetBaseReportRequest(
        request_id=7, report_base=v201.ReportBaseEnumType.FullInventory
    )
    response = configuration.get_base_report(request)
    assert response.status is v201.GenericDeviceModelStatusEnumType.Accepted
    await asyncio.gather(*site.tasks)  # the NotifyReports follow the answer
    parts = link.sent(v201.NotifyReportRequest)
    total = len(site.dm.definitions())
    assert len(parts) == -(-total // 10)
    assert [p.seq_no for p in parts] == list(range(len(parts)))
    assert [p.tbc for p in parts] == [True] * (len(parts) - 1) + [False]
    assert sum(len(p.report_data or []) for p in parts) == total
    assert {p.request_id for p in parts} == {7}
