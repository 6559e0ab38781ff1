"""Vendor extensions (issue 16 item 2): typed DataTransfer messages and customData.

A vendor package generated with `--extension` holds the vendor's classes and a `VendorExtension`
(`<package>.vendor.VENDOR`); its handler classes answer DataTransfer through `answer_data_transfer`
and its call classes send through `call_vendor`. Like the rest of the runtime, nothing here
imports generated code: the DataTransfer classes are passed in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from ocppgen.runtime.actions import Role
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.errors import ErrorCode, OcppError, fault_code, validation_failure
from ocppgen.runtime.model import OcppModel

__all__ = [
    "UnknownVendorMessage",
    "VendorCaller",
    "VendorExtension",
    "VendorMessage",
    "VendorRefused",
    "answer_data_transfer",
    "call_vendor",
]

M = TypeVar("M", bound=OcppModel)

# DataTransferStatusEnumType's values (2.0.1 and 2.1 Part 2): what a receiver answers.
ACCEPTED, UNKNOWN_VENDOR, UNKNOWN_MESSAGE = "Accepted", "UnknownVendorId", "UnknownMessageId"
_V2 = "2.0.1"  # extensions are 2.x only; 2.0.1 and 2.1 spell every error code alike


@dataclass(frozen=True, slots=True)
class VendorMessage:
    """One vendor DataTransfer message: the classes of its request and response `data`."""

    message_id: str
    request: type[OcppModel]
    response: type[OcppModel] | None  # None: the response carries no data
    initiators: frozenset[Role]
    handler: str  # the handler method: "on_vendor_set_led_color"


@dataclass(frozen=True, slots=True)
class VendorExtension:
    vendor_id: str
    messages: Mapping[str, VendorMessage]  # by messageId
    custom_data: Mapping[str, type[OcppModel]]  # standard message class name -> customData class

    def custom_data_of(self, message: OcppModel, cls: type[M]) -> M | None:
        """`message.custom_data` as the vendor's typed class; None when absent or another
        vendor's. Invalid vendor customData raises OcppError with the code of its fault."""
        custom = getattr(message, "custom_data", None)
        if custom is None or getattr(custom, "vendor_id", None) != self.vendor_id:
            return None
        return _validated(cls, custom.to_json_dict(), _V2)

    def check_custom_data(self, message: OcppModel) -> None:
        """Before a handler runs: a received message whose customData is this vendor's must
        match the vendor's schema (OcppError with the code of the fault otherwise)."""
        cls = self.custom_data.get(type(message).__name__)
        if cls is not None:
            self.custom_data_of(message, cls)


class UnknownVendorMessage(Exception):
    """Raised by a vendor handler method that is not overridden: answered UnknownMessageId."""


class VendorRefused(Exception):
    """The peer answered a vendor DataTransfer with a status other than Accepted."""

    def __init__(self, message_id: str, status: str) -> None:
        super().__init__(f"{message_id}: the peer answered {status}")
        self.message_id = message_id
        self.status = status


class VendorCaller(Protocol):
    async def call(
        self, request: OcppModel, *, action: str | None = None, timeout: float | None = None
    ) -> OcppModel: ...


def _validated(cls: type[M], data: Any, version: str) -> M:
    try:
        return cls.from_json_dict(data)
    except ValidationError as exc:
        failure = validation_failure(exc)
        code = fault_code(version, failure.fault) or ErrorCode.FORMAT_VIOLATION
        raise OcppError(code, f"vendor data {failure.description}", failure.details) from None


async def answer_data_transfer(
    handlers: object,
    vendor: VendorExtension,
    context: CallContext,
    vendor_id: str,
    message_id: str | None,
    data: Any,
) -> tuple[str, Any]:
    """(status, response data or None) for a received DataTransfer: UnknownVendorId,
    UnknownMessageId (also for a message this role does not receive, or whose handler is not
    overridden), or Accepted with the typed handler's answer. Invalid `data` raises OcppError."""
    if vendor_id != vendor.vendor_id:
        return UNKNOWN_VENDOR, None
    message = vendor.messages.get(message_id or "")
    if message is None or context.role.peer not in message.initiators:
        return UNKNOWN_MESSAGE, None
    request = _validated(message.request, data, context.version.name)
    method: Callable[[OcppModel, CallContext], Awaitable[OcppModel | None]] = getattr(
        handlers, message.handler
    )
    try:
        response = await method(request, context)
    except UnknownVendorMessage:
        return UNKNOWN_MESSAGE, None
    return ACCEPTED, None if response is None else response.to_json_dict()


async def call_vendor(
    connection: VendorCaller,
    vendor: VendorExtension,
    message_id: str,
    data: OcppModel,
    build: Callable[[str, str, Any], OcppModel],
    timeout: float | None = None,
) -> OcppModel | None:
    """Send `data` as a DataTransfer (`build(vendor_id, message_id, data)` makes the request)
    and return the response's `data` as the message's response class (None if it has none).
    A status other than Accepted raises VendorRefused; invalid response data OcppError."""
    message = vendor.messages[message_id]
    request = build(vendor.vendor_id, message_id, data.to_json_dict())
    response = await connection.call(request, action="DataTransfer", timeout=timeout)
    status = str(getattr(response, "status", ""))
    if status != ACCEPTED:
        raise VendorRefused(message_id, status)
    if message.response is None:
        return None
    return _validated(message.response, getattr(response, "data", None), _V2)
