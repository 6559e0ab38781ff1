"""OCPP-J error codes, per version, and every decision about which fault gets which code.

Placeholder published with the API; the tables are filled in by the next commit.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = [
    "CallTimeout",
    "ErrorCode",
    "InvalidResultError",
    "OcppError",
    "RemoteCallError",
]


class ErrorCode(StrEnum):
    """Every RPC error code of OCPP 1.6, 2.0.1 and 2.1, spelled as on the wire."""

    FORMAT_VIOLATION = "FormatViolation"
    FORMATION_VIOLATION = "FormationViolation"  # OCPP 1.6 spelling of FormatViolation
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"  # OCPP 1.6 spelling
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"


class OcppError(Exception):
    """An OCPP RPC error: raise it in a handler and the peer receives this CALLERROR.

    `code` is an `ErrorCode` (or its wire string). A code that the connection's version spells
    differently or lacks is translated when sent (see `errors.code_for`).
    """

    def __init__(
        self, code: str, description: str = "", details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, description)
        self.code = code
        self.description = description
        self.details: dict[str, Any] = {} if details is None else details

    def __str__(self) -> str:
        return f"{self.code}: {self.description}" if self.description else self.code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.description!r}, {self.details!r})"


class RemoteCallError(OcppError):
    """The peer answered our CALL with a CALLERROR (raised by the adapters' `call`)."""


class InvalidResultError(OcppError):
    """The peer's CALLRESULT for our CALL failed validation (raised by the adapters' `call`).

    `code` is the code we would have answered with; in OCPP 2.1 it was sent in a CALLRESULTERROR.
    """


class CallTimeout(TimeoutError):
    """No answer to our CALL arrived in time (raised by the adapters' `call`)."""

    def __init__(self, message_id: str, action: str) -> None:
        super().__init__(f"no answer to {action} CALL {message_id!r}")
        self.message_id = message_id
        self.action = action
