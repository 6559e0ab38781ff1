"""Every date-time the runtime writes has at most 3 fractional digits (issue 13, item 4).

OCPP 2.0.1 Part 2 ("Date time") allows no more than 3 decimal places; a datetime carries
microseconds, so the DateTime serializer truncates them to milliseconds. Checked on every
generated message of every version, with every date-time in it given microseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from importlib import import_module
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.core import CallReceived, Connection
from ocppgen.runtime.model import OcppModel

VERSIONS = ("v16", "v201", "v21")
FRACTION = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d+))?(?:Z|[+-]\d{2}:\d{2})$")

# Microseconds that are not whole milliseconds, so truncation always has something to cut.
MICROSECONDS = st.integers(min_value=1, max_value=999_999).filter(lambda us: us % 1000 != 0)

Path = tuple[str | int, ...]


def _messages() -> list[Any]:
    found = []
    for version in VERSIONS:
        spec: VersionSpec = import_module(f"ocppgen.generated.{version}").VERSION
        for action in spec.actions.values():
            for cls in (action.request, action.response):
                if cls is not None:
                    found.append(pytest.param(version, cls, id=f"{version}-{cls.__name__}"))
    return found


def _date_times(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any, str | int, datetime]]:
    """(wire path, container, key, datetime) of every datetime in a model, by wire names."""
    if isinstance(value, OcppModel):
        for name, info in type(value).model_fields.items():
            item = getattr(value, name)
            key = info.alias or name
            if isinstance(item, datetime):
                yield (*path, key), value, name, item
            else:
                yield from _date_times(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, datetime):
                yield (*path, index), value, index, item
            else:
                yield from _date_times(item, (*path, index))


def _at(data: Any, path: Path) -> Any:
    for key in path:
        data = data[key]
    return data


def _millis(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _with_microseconds(model: OcppModel, data: st.DataObject) -> list[tuple[Path, datetime]]:
    """Give every datetime in `model` microseconds; returns (wire path, new value) of each."""
    changed = []
    for path, container, key, value in list(_date_times(model)):
        new = value.replace(microsecond=data.draw(MICROSECONDS))
        if isinstance(container, list):
            container[int(key)] = new
        else:
            setattr(container, str(key), new)  # validated assignment
        changed.append((path, new))
    return changed


@pytest.mark.parametrize(("version", "cls"), _messages())
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_date_time_has_at_most_3_fractional_digits(
    version: str, cls: type[OcppModel], data: st.DataObject
) -> None:
    strategies = import_module(f"ocppgen.generated.{version}.strategies")
    model = data.draw(strategies.strategy_for(cls))
    changed = _with_microseconds(model, data)

    text = model.to_json()
    wire = json.loads(text)
    assert model.to_json_dict() == wire
    back = cls.from_json(text)
    back_values = {path: value for path, _, _, value in _date_times(back)}
    for path, value in changed:
        written = _at(wire, path)
        match = FRACTION.match(written)
        assert match is not None, written
        assert len(match[1] or "") <= 3, written
        assert datetime.fromisoformat(written) == _millis(value), written
        assert back_values[path] == _millis(value)  # the model reads it back to the millisecond


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (datetime(2026, 12, 2, 18, 9, 5, 314393, tzinfo=UTC), "2026-12-02T18:09:05.314Z"),
        (datetime(2026, 12, 2, 18, 9, 5, 314000, tzinfo=UTC), "2026-12-02T18:09:05.314Z"),
        (datetime(2026, 12, 2, 18, 9, 5, 100000, tzinfo=UTC), "2026-12-02T18:09:05.100Z"),
        (datetime(2026, 12, 2, 18, 9, 5, 999, tzinfo=UTC), "2026-12-02T18:09:05Z"),
        (datetime(2026, 12, 2, 18, 9, 5, tzinfo=UTC), "2026-12-02T18:09:05Z"),
        (
            datetime(2026, 12, 2, 18, 9, 5, 1500, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            "2026-12-02T18:09:05.001+05:30",
        ),
        (
            datetime(2026, 12, 2, 18, 9, 5, 999999, tzinfo=timezone(-timedelta(hours=23))),
            "2026-12-02T18:09:05.999-23:00",
        ),
    ],
)
def test_written_form(value: datetime, written: str) -> None:
    heartbeat = import_module("ocppgen.generated.v201").HeartbeatResponse
    assert heartbeat(current_time=value).to_json() == f'{{"currentTime":"{written}"}}'
    assert heartbeat(current_time=value).to_json_dict() == {"currentTime": written}
    assert heartbeat(current_time=value).model_dump()["currentTime"] == value  # Python mode: as is


def test_the_csms_answer_on_the_wire() -> None:
    """The issue's case: a BootNotification CALLRESULT whose currentTime has microseconds."""
    v201 = import_module("ocppgen.generated.v201")
    conn = Connection(v201.VERSION, Role.CSMS)
    (event,) = conn.receive(
        '[2,"c1","BootNotification",{"reason":"PowerUp",'
        '"chargingStation":{"model":"M","vendorName":"V"}}]'
    )
    assert isinstance(event, CallReceived)
    now = datetime(2026, 12, 2, 18, 9, 5, 314393, tzinfo=UTC)
    response = v201.BootNotificationResponse(current_time=now, interval=300, status="Accepted")
    assert conn.respond("c1", response) is None
    assert conn.outgoing() == [
        '[3,"c1",{"currentTime":"2026-12-02T18:09:05.314Z","interval":300,"status":"Accepted"}]'
    ]
