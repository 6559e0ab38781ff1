"""The operator API's bodies as pydantic models: what requests may hold and what answers hold.

Validation and the OpenAPI document (`openapi.py`) both come from these models. Where a body
carries OCPP data it uses the generated OCPP 2.0.1 types (`SetVariableDataType`,
`IdTokenEnumType`, the CALL payloads), so the API accepts exactly what OCPP does.

Request models are strict (no "5" for an integer, no true for 1) and forbid unknown fields;
answer models allow fields they do not name, so a column the store adds reaches clients before
this file documents it.
"""

from __future__ import annotations

import functools
import json
import operator
import string
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ocppgen.generated import v201
from ocppgen.reference.csms.store import BOOT_POLICIES, TOKEN_STATUSES
from ocppgen.runtime.actions import Role
from ocppgen.runtime.model import DateTime

MAX_CALL_TIMEOUT: Final = 300.0
MAX_IDENTITY_LENGTH: Final = 48
MAX_PASSWORD_LENGTH: Final = 40  # OCPP 2.0.1 SecurityCtrlr.BasicAuthPassword (passwordString)
MAX_TOKEN_LENGTH: Final = 36  # IdTokenType.idToken, TransactionType.transactionId
IDENTIFIER_CHARACTERS: Final = frozenset(string.ascii_letters + string.digits + "*-_=:+|@.")
"""OCPP 2.0.1 Part 2, primitive datatypes: the characters of an identifierString."""


# -- ids ---------------------------------------------------------------------------------------


def identifier_problem(value: str, *, max_length: int, colon: bool = True) -> str | None:
    """Why `value` is not an OCPP identifierString of 1..max_length characters (without ':'
    unless `colon`), or None when it is. The one rule for every id the API accepts."""
    allowed = IDENTIFIER_CHARACTERS if colon else IDENTIFIER_CHARACTERS - {":"}
    if 1 <= len(value) <= max_length and set(value) <= allowed:
        return None
    shown = " ".join(sorted(allowed - set(string.ascii_letters + string.digits)))
    kind = "an OCPP identifierString" if colon else "an OCPP identifierString without ':'"
    return f"must be 1..{max_length} characters from A-Z a-z 0-9 {shown} ({kind})"


def id_schema(max_length: int, *, colon: bool = True) -> dict[str, Any]:
    """The JSON Schema of `identifier_problem`'s rule."""
    characters = r"A-Za-z0-9*\-_=+|@." + (":" if colon else "")
    return {"type": "string", "pattern": f"^[{characters}]{{1,{max_length}}}$"}


class _IdRule:
    """`identifier_problem` as a pydantic validator, with `id_schema` as its JSON Schema."""

    def __init__(self, what: str, max_length: int, *, colon: bool = True) -> None:
        self.what, self.max_length, self.colon = what, max_length, colon
        self.schema = WithJsonSchema(id_schema(max_length, colon=colon))

    def __call__(self, value: str) -> str:
        problem = identifier_problem(value, max_length=self.max_length, colon=self.colon)
        if problem is not None:
            shown = f" {value!r}" if len(value) <= 60 else ""
            raise PydanticCustomError("identifier", f"{self.what}{shown} {problem}")
        return value


_STATION_ID: Final = _IdRule("station id", MAX_IDENTITY_LENGTH, colon=False)
_TRANSACTION_ID: Final = _IdRule("transaction id", MAX_TOKEN_LENGTH)
_ID_TOKEN: Final = _IdRule("id_token", MAX_TOKEN_LENGTH)
_GROUP_ID: Final = _IdRule("group_id", MAX_TOKEN_LENGTH)
StationId = Annotated[str, AfterValidator(_STATION_ID), _STATION_ID.schema]
"""A station identity: the URL path end and the Basic user-id, so no ':' (RFC 7617)."""
TransactionId = Annotated[str, AfterValidator(_TRANSACTION_ID), _TRANSACTION_ID.schema]
IdToken = Annotated[str, AfterValidator(_ID_TOKEN), _ID_TOKEN.schema]
GroupId = Annotated[str, AfterValidator(_GROUP_ID), _GROUP_ID.schema]


# -- field types -------------------------------------------------------------------------------


def _printable_password(value: str) -> str:
    if not 1 <= len(value) <= MAX_PASSWORD_LENGTH or not value.isprintable():
        raise PydanticCustomError(
            "password", f"password must be 1..{MAX_PASSWORD_LENGTH} printable characters"
        )
    return value


Password = Annotated[
    str,
    AfterValidator(_printable_password),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_PASSWORD_LENGTH,
            "description": "printable characters (the station's HTTP Basic password)",
        }
    ),
]
SecurityProfile = Annotated[int, Field(ge=0, le=3, description="OCPP security profile 0..3")]
HeartbeatInterval = Annotated[int, Field(ge=1, le=86400, description="seconds")]
BootPolicy = Literal[BOOT_POLICIES]  # type: ignore[valid-type]
TokenStatus = Literal[TOKEN_STATUSES]  # type: ignore[valid-type]
_DATE_TIME: Final = TypeAdapter(DateTime)


def _rfc3339(value: str) -> str:
    """Checked as OCPP checks a dateTime, but kept as sent (the store keeps the text)."""
    try:
        _DATE_TIME.validate_json(json.dumps(value))
    except ValidationError:
        raise PydanticCustomError(
            "date_time", "expires_at must be an RFC 3339 date-time with a time zone"
        ) from None
    return value


ExpiresAt = Annotated[
    str, AfterValidator(_rfc3339), WithJsonSchema({"type": "string", "format": "date-time"})
]


def _no_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("null_password", "password cannot be removed; set a new one")
    return value


# -- requests ----------------------------------------------------------------------------------


class RequestModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class StationUpdate(RequestModel):
    """Changes to a station; fields left out stay as they are."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"boot_policy": "Accepted", "heartbeat_interval": 60}]}
    )

    # absent is None, but an explicit null is refused (no union: one clear error per value)
    password: Annotated[Password, BeforeValidator(_no_null)] = None  # type: ignore[assignment]
    security_profile: SecurityProfile | None = None
    boot_policy: BootPolicy | None = None
    heartbeat_interval: HeartbeatInterval | None = None
    pending_variables: list[v201.SetVariableDataType] | None = Field(
        default=None, description="variables set while the station is Pending (B02)"
    )
    generate_password: bool = Field(
        default=False,
        description="the CSMS makes a random password (32 characters, ~166 bits), answered once "
        "as `password`; stored with a fast verifier, so reconnects after a CSMS restart need no "
        "slow hash (a chosen `password` is stored with scrypt). Not with `password`.",
    )

    @model_validator(mode="after")
    def _one_password(self) -> StationUpdate:
        if self.generate_password and self.password is not None:
            raise PydanticCustomError(
                "password_twice", "give password or generate_password, not both"
            )
        return self

    def changes(self) -> dict[str, Any]:
        """The fields given, as the store takes them (OCPP data in its wire form)."""
        given = self.model_dump(
            exclude_unset=True, exclude={"id", "pending_variables", "generate_password"}
        )
        if self.pending_variables is not None:
            given["pending_variables"] = [item.to_json_dict() for item in self.pending_variables]
        return given


class StationCreate(StationUpdate):
    """A station to register; a station without a password connects with profile 0 or 3."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "CS-001",
                    "password": "a printable password 1",
                    "boot_policy": "Pending",
                    "pending_variables": [
                        {
                            "attributeValue": "60",
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                        }
                    ],
                }
            ]
        }
    )

    id: StationId
    password: Password | None = None  # type: ignore[assignment]  # null: no password


class TokenPut(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "Accepted", "group_id": "FLEET-1", "expires_at": "2030-01-01T00:00:00Z"}
            ]
        }
    )

    status: TokenStatus
    group_id: GroupId | None = None
    expires_at: ExpiresAt | None = None


# -- answers -----------------------------------------------------------------------------------


class AnswerModel(BaseModel):
    model_config = ConfigDict(extra="allow")


class Connection(AnswerModel):
    """The live connection as the runtime reports it (`OcppConnection.extra`)."""

    remote_address: str | None
    security_profile: int | None
    subprotocol: str | None
    certificate_identity: str | None = Field(
        default=None, description="the client certificate's CN (profile 3)"
    )


class Station(AnswerModel):
    id: str
    connected: bool
    subprotocol: str | None
    connection: Connection | None = Field(description="null when not connected")
    has_password: bool
    security_profile: int
    boot_policy: BootPolicy
    heartbeat_interval: int
    pending_variables: list[v201.SetVariableDataType]
    provisioned: bool
    registration_status: str | None
    vendor_name: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    boot_reason: str | None
    last_boot_at: str | None
    last_heartbeat_at: str | None
    last_seen_at: str | None
    created_at: str


class Connector(AnswerModel):
    connector_id: int
    status: str
    updated_at: str


class Evse(AnswerModel):
    evse_id: int
    connectors: list[Connector]


class Boot(AnswerModel):
    received_at: str
    reason: str | None
    status: BootPolicy


class Abandonment(AnswerModel):
    """Why the CSMS ended a transaction the station left open (issue 17 item 4)."""

    at: str = Field(description="when the CSMS abandoned it")
    reason: str
    superseded_by: str | None = Field(description="the transaction started on its EVSE")


class Transaction(AnswerModel):
    station_id: str
    transaction_id: str
    evse_id: int | None
    connector_id: int | None
    id_token: str | None
    token_type: str | None
    id_token_status: str | None = Field(
        description="the idTokenInfo status last answered for the transaction's idToken"
    )
    started_at: str | None
    ended_at: str | None
    state: Literal["Started", "Ended", "Abandoned"] = Field(
        description="Abandoned: open when a new transaction started on its EVSE (`abandoned`)"
    )
    charging_state: str | None
    stopped_reason: str | None
    energy_wh: float | None
    events: int
    last_seq_no: int | None
    missing_seq_nos: list[int]
    offline_events: int
    complete: bool = Field(description="Ended, and every seqNo from 0 to the last arrived")
    abandoned: Abandonment | None = Field(
        default=None, description="set when the CSMS ended the transaction as abandoned"
    )


class StationDetail(Station):
    evses: list[Evse]
    active_transactions: list[Transaction]
    boots: list[Boot] = Field(description="the latest BootNotifications, oldest first")


class MeterValue(AnswerModel):
    seq_no: int | None = None
    evse_id: int
    timestamp: str
    measurand: str
    phase: str | None
    location: str | None
    context: str | None
    value: float
    unit: str | None


class TransactionEvent(AnswerModel):
    seq_no: int
    event_type: str
    timestamp: str
    trigger_reason: str
    offline: bool
    received_at: str
    id_token_status: str | None
    payload: dict[str, JsonValue] = Field(description="the TransactionEvent as received")


class TransactionDetail(Transaction):
    event_log: list[TransactionEvent]
    meter_values: list[MeterValue]


class Event(AnswerModel):
    seq_no: int
    generated_at: str
    event_id: int
    timestamp: str
    trigger: str
    component: str
    variable: str
    actual_value: str
    event_notification_type: str
    payload: dict[str, JsonValue] = Field(description="the EventData as received")


class ReportSummary(AnswerModel):
    request_id: int
    parts: int
    complete: bool
    missing_seq_nos: list[int]


class Report(ReportSummary):
    report_data: list[dict[str, JsonValue]] = Field(description="ReportDataType items")


class Token(AnswerModel):
    id_token: str
    type: v201.IdTokenEnumType
    status: TokenStatus
    group_id: str | None
    expires_at: str | None


class StationMessage(AnswerModel):
    """A station-initiated message beyond the core (issue 17 item 1), as stored."""

    station_id: str
    seq: int = Field(description="the station's messages numbered in arrival order")
    action: str
    received_at: str
    request_id: int | None = Field(description="the CSMS request (or reservation) it refers to")
    evse_id: int | None
    status: str | None = Field(description="the status it reports, or the one answered")
    critical: bool = Field(description="a critical security event, or a grid-critical limit")
    anomaly: str | None = Field(description="what was wrong with it (null: nothing)")
    payload: dict[str, JsonValue] = Field(description="the request as received")
    answer: dict[str, JsonValue] = Field(description="the CALLRESULT payload sent")
    outcome: dict[str, JsonValue] | None = Field(
        description="what followed the answer (SignCertificate: the CertificateSigned result)"
    )


class StatusEntry(AnswerModel):
    status: str | None
    received_at: str


class RequestStatuses(AnswerModel):
    """The statuses reported for one request, in arrival order."""

    request_id: int | None
    statuses: list[StatusEntry]


class CallResult(AnswerModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"action": "Reset", "payload": {"status": "Accepted"}}]}
    )

    action: str
    payload: dict[str, JsonValue] = Field(description="the CALLRESULT payload (wire names)")


# -- problems (RFC 9457) -----------------------------------------------------------------------


class FieldProblem(BaseModel):
    """One thing wrong with the request: where (a JSON Pointer into the body, or a parameter)."""

    detail: str
    pointer: str | None = Field(default=None, description='e.g. "#/pending_variables/0"')
    parameter: str | None = Field(default=None, description="a path or query parameter")


class CallErrorInfo(BaseModel):
    code: str
    description: str
    details: dict[str, JsonValue]


class InvalidResultInfo(BaseModel):
    code: str
    description: str


class Problem(BaseModel):
    """RFC 9457 problem details (`application/problem+json`): every error of the API."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:ocppgen:problem:invalid-request",
                    "title": "The request is not valid",
                    "status": 400,
                    "detail": "missing required field 'id'",
                    "errors": [
                        {
                            "detail": "missing required field 'id'",
                            "pointer": "#/id",
                        }
                    ],
                },
                {
                    "type": "about:blank",
                    "title": "Conflict",
                    "status": 409,
                    "detail": "station 'CS-001' is not connected",
                },
            ]
        }
    )

    type: str = Field(
        default="about:blank",
        description="about:blank (the status says it all), or one of "
        "urn:ocppgen:problem:invalid-request (with `errors`), "
        "urn:ocppgen:problem:call-error (with `call_error`), "
        "urn:ocppgen:problem:invalid-result (with `invalid_result`)",
    )
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None
    call_error: CallErrorInfo | None = None
    invalid_result: InvalidResultInfo | None = None


CSMS_ACTIONS: Final = sorted(name for name, s in v201.ACTIONS.items() if s.sent_by(Role.CSMS))
CALL_PAYLOAD: Final[Any] = Annotated[
    functools.reduce(operator.or_, (v201.ACTIONS[name].request for name in CSMS_ACTIONS)),
    Field(description="the OCPP 2.0.1 request payload of `action` (wire names)"),
]
"""Documents the body of a call: one of the CSMS-initiated request payloads."""
