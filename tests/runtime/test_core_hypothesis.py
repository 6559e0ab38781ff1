"""Hypothesis on the decoder and the core: any text gives defined events, never an exception."""

from __future__ import annotations

import json
from typing import get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import Connection, Event, InvalidResult, ProtocolFault
from ocppgen.runtime.errors import ERROR_CODES
from ocppgen.runtime.frames import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    Frame,
    FrameFault,
    Send,
    decode,
    encode,
)

from .fakeversion import BOOT, BOOT_JSON, VERSIONS, counter_ids

EVENT_TYPES = get_args(Event)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["PowerUp", "Accepted", "2024-05-01T12:00:00Z", "M1", "V", "Immediate"])
)
json_keys = st.sampled_from(
    [
        "reason",
        "chargingStation",
        "model",
        "vendorName",
        "currentTime",
        "interval",
        "status",
        "type",
        "evseId",
        "vendorId",
        "messageId",
        "id",
        "pending",
        "data",
        "t",
        "v",
        "x",
    ]
) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_keys, inner, max_size=5),
    max_leaves=20,
)
message_ids = st.text(max_size=40) | st.sampled_from(["m1", "m2", "-1", "c1"]) | json_values
actions = (
    st.sampled_from(
        [
            "BootNotification",
            "Heartbeat",
            "MeterValues",
            "Reset",
            "DataTransfer",
            "NotifyPeriodicEventStream",
            "Nope",
        ]
    )
    | json_values
)
frames_as_lists = st.tuples(
    st.integers(min_value=-1, max_value=8) | json_values,
    message_ids,
    st.lists(actions | json_values, max_size=4),
).map(lambda t: [t[0], t[1], *t[2]])
# Anything: random text, JSON of random shape, and near-miss frames.
texts = (
    st.text(max_size=200)
    | json_values.map(json.dumps)
    | frames_as_lists.map(json.dumps)
    | frames_as_lists.map(lambda f: json.dumps(f)[:-1])  # truncated
)


def _check(conn: Connection, version: str, events: list[Event]) -> None:
    assert len(events) == 1
    assert all(isinstance(event, EVENT_TYPES) for event in events)
    allowed = {row.code.value for row in ERROR_CODES[version]}
    for frame_text in conn.outgoing():
        frame_text.encode("utf-8")  # sendable as a WebSocket text frame
        frame = decode(frame_text)
        assert isinstance(frame, CallError | CallResultError | Call), frame
        if isinstance(frame, CallError | CallResultError):
            assert frame.error_code in allowed
            assert len(frame.error_description) <= 255
            assert len(frame.message_id) <= 36
        if isinstance(frame, CallResultError):
            assert version == "2.1"
    for event in events:
        if isinstance(event, ProtocolFault) and event.reply is not None:
            assert event.code is not None and event.code in allowed
        if isinstance(event, InvalidResult):
            assert (event.reply is not None) <= (version == "2.1")


@SETTINGS
@given(text=st.text())
def test_decode_never_raises(text: str) -> None:
    result = decode(text)
    assert isinstance(result, Call | CallResult | CallError | CallResultError | Send | FrameFault)


@SETTINGS
@given(
    text=texts,
    version=st.sampled_from(sorted(VERSIONS)),
    role=st.sampled_from(list(Role)),
    with_call=st.booleans(),
)
def test_receive_any_text_gives_only_defined_events(
    text: str, version: str, role: Role, with_call: bool
) -> None:
    conn = Connection(VERSIONS[version], role, id_factory=counter_ids())
    if with_call and role is Role.CHARGING_STATION:
        conn.call(BOOT)  # m1 outstanding, so answers can match
        conn.outgoing()
    _check(conn, version, conn.receive(text))
    # And the connection still works afterwards.
    _check(conn, version, conn.receive('[2,"z1","DataTransfer",{"vendorId":"x"}]'))


frames: st.SearchStrategy[Frame] = st.one_of(
    st.builds(Call, st.text(max_size=36), st.text(), json_values),
    st.builds(CallResult, st.text(max_size=36), json_values),
    st.builds(
        CallError,
        st.text(max_size=36),
        st.text(),
        st.text(),
        st.dictionaries(st.text(), json_values, max_size=3),
    ),
    st.builds(
        CallResultError,
        st.text(max_size=36),
        st.text(),
        st.text(),
        st.dictionaries(st.text(), json_values, max_size=3),
    ),
    st.builds(Send, st.text(max_size=36), st.text(), json_values),
)


@SETTINGS
@given(frame=frames)
def test_encode_then_decode_is_identity(frame: Frame) -> None:
    assert decode(encode(frame)) == frame


# --- the fast path (payloads validated from JSON text) agrees with the full decode ----------


class _FullPathConnection(Connection):
    """A connection that never takes the fast path of `receive`."""

    def _fast(self, message_type: int, message_id: str, action: str | None, payload: str) -> None:
        return None


_spaces = st.sampled_from(["", " ", "\n", "\t ", "\r\n"])
_good_payloads = st.sampled_from(
    [
        '{"vendorId":"x"}',
        '{ "vendorId" : "x" , "messageId" : "y" }',
        '{"currentTime":"2024-05-01T12:00:00Z","interval":300,"status":"Accepted"}',
        '{"currentTime":"2024-05-01T12:00:00Z","interval":300.0,"status":"Accepted"}',
        '{"id":1,"pending":0,"data":[{"t":1.5,"v":"2"}]}',
        '{"status":"Accepted"}',
        "{}",
    ]
)
_odd_payloads = st.sampled_from(
    [
        '{"vendorId":"x","data":NaN}',
        '{"vendorId":"x","data":1e400}',
        '{"vendorId":"x","data":"\\ud800"}',
        '{"vendorId":"x","vendorId":5}',
        '{"vendorId":"x"},{}',
        '{"vendorId":"x"}]',
        '{"vendorId":null}',
        '{"vendorId":"x","messageId":null}',
        '{"vendorId":"x"',
        '{"currentTime":"2024-05-01T12:00:00Z","interval":null,"status":"Accepted"}',
        "",
    ]
)
_payload_texts = _good_payloads | _odd_payloads | json_values.map(json.dumps)
_near_frames = st.builds(
    lambda sp, kind, mid, action, payload, tail: (
        f"{sp}[{sp}{kind}{sp},{sp}{mid}{sp},{sp}"
        + ("" if action is None else f"{action}{sp},{sp}")
        + f"{payload}{sp}]{tail}"
    ),
    _spaces,
    st.sampled_from(["2", "2", "3", "3", "6", "4", "2.0", "7"]),
    st.sampled_from(['"m1"', '"m1"', '"c1"', '"z"', '"m\\u0031"', '"' + "x" * 37 + '"', "1"]),
    st.sampled_from(
        [
            None,
            None,
            '"DataTransfer"',
            '"DataTransfer"',
            '"BootNotification"',
            '"Heartbeat"',
            '"NotifyPeriodicEventStream"',
            '"Nope"',
            '"Data\\u0054ransfer"',
        ]
    ),
    _payload_texts,
    st.sampled_from(["", "", "", " ", "\n", "x", "]", ",1]"]),
)


_matching = st.sampled_from(
    [
        ("2", '"DataTransfer"', '{"vendorId":"x"}'),
        ("2", '"DataTransfer"', '{ "vendorId" : "x" , "messageId" : "y" }'),
        ("2", '"Heartbeat"', "{}"),
        ("2", '"BootNotification"', BOOT_JSON),
        ("2", '"Reset"', '{"type":"Immediate"}'),
        ("3", None, '{"currentTime":"2024-05-01T12:00:00Z","interval":300,"status":"Accepted"}'),
        ("3", None, "{}"),
        ("6", '"NotifyPeriodicEventStream"', '{"id":1,"pending":0,"data":[{"t":1.5,"v":"2"}]}'),
    ]
)
_good_frames = st.builds(
    lambda sp, head, mid, tail: (
        f"{sp}[{sp}{head[0]}{sp},{sp}{mid}{sp},{sp}"
        + ("" if head[1] is None else f"{head[1]}{sp},{sp}")
        + f"{head[2]}{sp}]{tail}"
    ),
    _spaces,
    _matching,
    st.sampled_from(['"m1"', '"c1"', '"m\\u0031"']),
    st.sampled_from(["", "", "", " \n", "x", ",1]"]),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(_good_frames | _near_frames | texts, min_size=1, max_size=3),
    version=st.sampled_from(sorted(VERSIONS)),
    role=st.sampled_from(list(Role)),
    with_call=st.booleans(),
)
def test_fast_path_and_full_decode_agree(
    texts: list[str], version: str, role: Role, with_call: bool
) -> None:
    fast = Connection(VERSIONS[version], role, id_factory=counter_ids())
    full = _FullPathConnection(VERSIONS[version], role, id_factory=counter_ids())
    for conn in (fast, full):
        if with_call and role is Role.CHARGING_STATION:
            conn.call(BOOT)
            conn.outgoing()
    for text in texts:
        assert fast.receive(text) == full.receive(text), text
        assert fast.outgoing() == full.outgoing(), text
        assert fast.in_progress == full.in_progress
        assert fast.outstanding == full.outstanding
