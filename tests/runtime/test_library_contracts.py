"""Where the runtime leans on a library's behaviour, a test here fails when that behaviour changes
(issue 14 item 5):

- JSON null rejected through pydantic's public schema hook (`NoJsonNull`);
- the C-level enum `value` getter (`model._read_value_in_c`), which pydantic must still read;
- the 64 KiB socket reads (`endpoint._limit_reads`), set on asyncio's private attributes.
"""

from __future__ import annotations

import asyncio
import enum
import importlib
import inspect
import operator
import types
import typing
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest
from pydantic import Field, ValidationError
from websockets.asyncio.client import connect
from websockets.asyncio.connection import Connection as WebSocket
from websockets.asyncio.server import ServerConnection, serve

from ocppgen.runtime.endpoint import READ_SIZE, _limit_reads
from ocppgen.runtime.model import (
    AnyJson,
    Integer,
    NoJsonNull,
    OcppEnum,
    OcppModel,
    String,
    _read_value_in_c,
)
from ocppgen.runtime.security import client_ssl_context, server_ssl_context
from tests.certs import Pki

VERSIONS = ("v16", "v201", "v21")


def generated_models() -> Iterator[type[OcppModel]]:
    for key in VERSIONS:
        for module_name in ("datatypes", "messages"):
            module = importlib.import_module(f"ocppgen.generated.{key}.{module_name}")
            for value in vars(module).values():
                mine = inspect.isclass(value) and value.__module__ == module.__name__
                if mine and issubclass(value, OcppModel):
                    yield value


def generated_enums() -> Iterator[type[OcppEnum]]:
    for key in VERSIONS:
        module = importlib.import_module(f"ocppgen.generated.{key}.enums")
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, OcppEnum) and value is not OcppEnum:
                yield value


def _takes_none(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(annotation)


# -- NoJsonNull: optional fields reject JSON null, Python None means absent -------------------


class Meter(OcppModel):
    label: Annotated[String | None, Field(alias="labelText", max_length=3), NoJsonNull] = None
    count: Annotated[Integer | None, NoJsonNull] = None
    data: AnyJson = None


def _error_types(text: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Meter.from_json(text)
    return [error["type"] for error in caught.value.errors()]


def test_json_null_gets_the_type_error_of_the_field() -> None:
    assert _error_types('{"labelText": null}') == ["string_type"]
    assert _error_types('{"count": null}') == ["int_type"]


def test_absent_and_python_none_mean_absent() -> None:
    assert Meter.from_json("{}").label is None
    assert Meter(label=None, count=None).to_json() == "{}"
    assert Meter.from_json('{"labelText": "abc", "count": 2.0}').count == 2


def test_the_fields_own_constraints_still_apply_in_json_and_python() -> None:
    assert _error_types('{"labelText": "abcd"}') == ["string_too_long"]
    with pytest.raises(ValidationError):
        Meter(label="abcd")


def test_untyped_fields_keep_null_as_a_value() -> None:
    assert Meter.from_json('{"data": null}').data is None
    assert "data" in Meter.from_json('{"data": null}').model_fields_set


def test_misplaced_marker_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="NoJsonNull belongs on an optional"):

        class Wrong(OcppModel):
            label: Annotated[String, NoJsonNull]


def test_every_optional_generated_field_carries_the_marker() -> None:
    """The generator's side of the contract: without the marker a field would take null."""
    checked = 0
    for model in generated_models():
        for name, field in model.model_fields.items():
            if _takes_none(field.annotation):
                assert field.metadata and field.metadata[-1] is NoJsonNull, (model, name)
                checked += 1
            else:
                assert NoJsonNull not in field.metadata, (model, name)
    assert checked > 1300  # 1.6, 2.0.1 and 2.1 together: 1342


# -- the C-level enum value getter --------------------------------------------------------------


def test_enum_value_is_still_the_python_descriptor_we_replace() -> None:
    """If Enum.value became C-level (or changed kind), the getter would be pointless: revisit."""
    assert type(enum.Enum.__dict__["value"]) is enum.property
    assert inspect.isfunction(enum.Enum.__dict__["value"].fget)


def test_our_getter_is_c_level_and_reaches_every_generated_enum() -> None:
    getter = OcppEnum.__dict__["value"]
    assert type(getter) is property and type(getter.fget) is operator.attrgetter
    stock = enum.Enum.__dict__["value"]
    members = 0
    for enum_class in generated_enums():
        assert inspect.getattr_static(enum_class, "value") is getter, enum_class
        for member in enum_class:
            assert member.value == stock.__get__(member, enum_class), member
            assert type(member.value) is str
            members += 1
    assert members > 1000  # 1.6, 2.0.1 and 2.1 together


class Probe(OcppEnum):
    A = "a"


class Probed(OcppModel):
    probe: Probe
    probes: list[Probe] | None = None


def test_pydantic_serializes_enum_members_through_their_value_attribute() -> None:
    """The getter only helps while pydantic-core reads `value` through the class: count reads."""
    reads: list[Probe] = []

    def read(member: Probe) -> str:
        reads.append(member)
        return str(member._value_)

    model = Probed(probe=Probe.A, probes=[Probe.A])
    setattr(Probe, "value", property(read))  # noqa: B010
    try:
        assert model.to_json() == '{"probe":"a","probes":["a"]}'
        assert model.to_json_dict() == {"probe": "a", "probes": ["a"]}
        assert len(reads) == 4
    finally:
        _read_value_in_c(Probe)
    assert Probe.A.value == "a" and Probed.from_json('{"probe":"a"}').probe is Probe.A


# -- 64 KiB socket reads ------------------------------------------------------------------------

BIG = 200 * 1024  # several READ_SIZE reads


@asynccontextmanager
async def _pair(pki: Pki | None) -> AsyncIterator[tuple[WebSocket, ServerConnection]]:
    """A real loopback websocket connection, with TLS when `pki` is given."""
    accepted: asyncio.Queue[ServerConnection] = asyncio.Queue()
    done = asyncio.Event()

    async def handler(connection: ServerConnection) -> None:
        accepted.put_nowait(connection)
        await done.wait()

    server_tls = server_ssl_context(pki.server.cert, pki.server.key) if pki else None
    async with serve(handler, "127.0.0.1", 0, ssl=server_tls, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        scheme, tls = ("wss", client_ssl_context(pki.ca)) if pki else ("ws", None)
        url = f"{scheme}://localhost:{port}"
        async with connect(url, ssl=tls, max_size=None, compression=None) as client:
            try:
                yield client, await accepted.get()
            finally:
                done.set()


def _reader(websocket: WebSocket) -> Any:
    """What `_limit_reads` sets: the socket transport's `max_size`; under TLS, that of asyncio's
    SSLProtocol (reached through a private attribute), which reads the decrypted data. The raw
    socket under TLS is read into SSLProtocol's own buffer (`get_buffer`), nothing to cap."""
    transport: Any = websocket.transport
    ssl_protocol = getattr(transport, "_ssl_protocol", None)
    if ssl_protocol is None:
        return transport
    assert not hasattr(transport, "max_size")  # else `_limit_reads` would set it too
    return ssl_protocol


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
async def test_limit_reads_caps_asyncio_reads(tls: bool, request: pytest.FixtureRequest) -> None:
    pki: Pki | None = request.getfixturevalue("pki") if tls else None
    async with _pair(pki) as (client, server_end):
        for end in (client, server_end):
            reader = _reader(end)
            assert (reader is not end.transport) is tls  # asyncio's private `_ssl_protocol`
            # asyncio's default, a plain int attribute, above what we want
            assert type(reader.max_size) is int and reader.max_size > READ_SIZE
            _limit_reads(end)
            assert reader.max_size == READ_SIZE
        if not tls:
            await _assert_received_in_chunks(client, server_end)


async def _assert_received_in_chunks(client: WebSocket, server_end: ServerConnection) -> None:
    """Plain TCP: the transport hands the protocol at most READ_SIZE bytes per read."""
    chunks: list[int] = []
    receive = client.data_received  # the transport calls its protocol's method by name

    def recording(data: bytes) -> None:
        chunks.append(len(data))
        receive(data)

    client.data_received = recording  # type: ignore[method-assign]
    await server_end.send("x" * BIG)
    assert len(await client.recv()) == BIG
    assert sum(chunks) > BIG and max(chunks) <= READ_SIZE
