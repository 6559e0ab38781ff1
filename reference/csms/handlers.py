"""The CSMS side of the OCPP 2.0.1 basic use cases, on the generated `CsmsHandlers` base.

- B01/B02/B03 BootNotification: answered from the station's boot policy. Accepted carries the
  heartbeat interval. Pending (B02) carries the boot retry interval; right after the answer the
  CSMS sends the station's pending configuration (SetVariables) and, once the station accepted
  every value, the station's next BootNotification is Accepted. Rejected carries the retry
  interval. Until its last boot was Accepted, a station's other CALLs are answered SecurityError
  (B01.FR.10, B02.FR.09), except NotifyReport (GetBaseReport is allowed while Pending, B02.FR.01).
  The station row is read once per boot.
- Intervals spread (`interval_spread`, 10% by default): after a CSMS restart a fleet boots
  within seconds, and with one shared interval its heartbeats (or boot retries) would come back
  in that same burst every interval, forever. The spec lets the CSMS choose the value per answer:
  the station adopts an Accepted answer's interval as its heartbeat interval (B01.FR.04,
  G02.FR.01), and a Pending or Rejected answer's interval is the least it waits before its next
  BootNotification (B02.FR.08, B03.FR.06). So the heartbeat interval is drawn from [configured -
  spread, configured] (never longer: a station missing for two configured intervals is still
  overdue) and the retry interval from [configured, configured + spread] (never shorter: it
  sheds load). Stations with different periods drift apart, so a burst thins out within a few
  periods. Intervals under 10 s are answered as configured.
- G02 Heartbeat: the current time. G01 StatusNotification: the latest status per connector.
- C01/C04 Authorize and the idTokenInfo of TransactionEvent: from the token store (Accepted,
  Blocked, Expired, Invalid, ...; Unknown for a token not in the store; an Accepted token past its
  expiry is Expired; group id as groupIdToken, C01.FR.06 / E01.FR.12; NoAuthorization tokens are
  Accepted).
- ConcurrentTx only where AuthorizationStatusEnumType (Part 2) puts it: in the answer to a
  TransactionEvent Started whose Accepted idToken is already the token of another ongoing
  transaction we answered Accepted (on any station or EVSE). An Authorize is answered with the
  token's own status (Accepted for a token in use: the driver may be about to stop with it, and
  the CSMS checks again at Started), as is an Updated event bringing a token. Only the
  identical token counts (C01.FR.25): tokens sharing a groupIdToken may charge at the same
  time. A transaction whose authorization has ended (StopAuthorized, RemoteStop, Deauthorized)
  holds no token, nor does a stop token (E07.FR.02), an abandoned transaction, or an open one
  on the same EVSE (the new Started supersedes it, see `store.abandoned`). A re-sent event
  (same seqNo) gets the status answered the first time.
- E01-E12, J02 TransactionEvent: stored with its meter values; the event is folded into its
  transaction's row in constant work (see `store.transactions`), offline, late and
  out-of-order events included, seqNo gaps listed, never a CALLERROR for them. A new
  transaction on an EVSE whose earlier transaction is still open ends that one as abandoned.
- J01 MeterValues, N07 NotifyEvent, B07 NotifyReport: stored.
- Durable answers: a TransactionEvent or MeterValues is answered only after the COMMIT that
  stored it; the writes of all stations are committed together, one transaction per short
  window (`GroupCommit`, see `group_commit.py`). A CALL of an accepted station marks it seen
  (`last_seen_at`) in the one statement that checks it is accepted, in the open batch.
- Sampled values: the JSON schemas put no bound on them; one TransactionEvent or MeterValues
  with more than `max_sampled_values` (MAX_SAMPLED_VALUES by default) in all its meterValue
  items is refused with OccurrenceConstraintViolation (a field's occurrence out of bounds)
  before anything is stored, so a station cannot make one message write rows without limit
  (the frame size limit bounds it too, but a CSMS may be run with larger frames).
- A, H, K, L, M, N, O: every other station-initiated message (security events, firmware and
  log status, charging limits and EV needs, reservations, monitoring and customer information
  reports, display messages, certificates) is handled by a block mixin, see `station_messages`.
- P02 DataTransfer: vendors registered in `data_transfer` are called; any other vendor gets
  UnknownVendorId.
- Integers: OCPP 2.0.1 Part 2 (Primitive Datatypes) defines `integer` as 32 bit (31 bit
  resolution, 1 sign bit); the JSON schemas leave most integer fields unbounded. A CALL with an
  integer-typed field outside -2^31..2^31-1 is refused here, in one place for every action and
  field, with PropertyConstraintViolation (a field with an invalid value, as for a schema
  `maximum`), before anything is stored: the store's INTEGER columns hold the OCPP range on
  both backends. Untyped values (DataTransfer `data`, customData's extra properties) have no
  such limit and are not checked.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from ocppgen.generated.v201 import (
    AuthorizeRequest,
    AuthorizeResponse,
    BootNotificationRequest,
    BootNotificationResponse,
    DataTransferRequest,
    DataTransferResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    IdTokenInfoType,
    IdTokenType,
    MeterValuesRequest,
    MeterValuesResponse,
    MeterValueType,
    NotifyEventRequest,
    NotifyEventResponse,
    NotifyReportRequest,
    NotifyReportResponse,
    SetVariableDataType,
    SetVariablesRequest,
    StatusNotificationRequest,
    StatusNotificationResponse,
    TransactionEventRequest,
    TransactionEventResponse,
)
from ocppgen.generated.v201.enums import (
    AuthorizationStatusEnumType,
    DataTransferStatusEnumType,
    IdTokenEnumType,
    RegistrationStatusEnumType,
    SetVariableStatusEnumType,
    TransactionEventEnumType,
    TriggerReasonEnumType,
)
from ocppgen.generated.v201.handlers import CsmsCalls
from ocppgen.reference.csms.certificates import Certificates
from ocppgen.reference.csms.charging_limits import ChargingLimits
from ocppgen.reference.csms.diagnostics import Diagnostics
from ocppgen.reference.csms.display_messages import DisplayMessages
from ocppgen.reference.csms.firmware import Firmware
from ocppgen.reference.csms.group_commit import GroupCommit
from ocppgen.reference.csms.integers import (
    INT32_RANGE,
    any_out_of_range,
    out_of_range_integers,
)
from ocppgen.reference.csms.reservations import Reservations
from ocppgen.reference.csms.security_events import SecurityEvents
from ocppgen.reference.csms.store import Store
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.errors import ErrorCode, OcppError
from ocppgen.runtime.model import OcppModel

__all__ = [
    "ALLOWED_BEFORE_ACCEPTED",
    "INT32_RANGE",
    "INTERVAL_SPREAD",
    "MAX_SAMPLED_VALUES",
    "CsmsBehaviour",
    "DataTransferHook",
    "authorize",
    "concurrent_transaction",
    "out_of_range_integers",
    "spread_interval",
]

logger = logging.getLogger("ocppgen.reference.csms")

ALLOWED_BEFORE_ACCEPTED = frozenset({"BootNotification", "NotifyReport"})
"""CALLs a station may send before its boot is Accepted (B01.FR.10, B02.FR.01/09)."""

DataTransferHook = Callable[[str, DataTransferRequest], Awaitable[DataTransferResponse]]
"""A vendor's DataTransfer handler: `(station_id, request) -> response`."""

Listener = Callable[[str, str, OcppModel], None]
"""Told `(station_id, action, request)` after each CALL from a station was handled."""


INTERVAL_SPREAD: Final = 0.1
"""The part of a boot answer's interval drawn at random (see the module docstring)."""

MAX_SAMPLED_VALUES: Final = 2000
"""The most sampled values one message may carry (see the module docstring); a station meters
a few dozen measurands per phase, so this leaves room for long offline batches."""


def _check_integers(request: OcppModel) -> None:
    """Refuse a request carrying an integer OCPP cannot (see the module docstring)."""
    if not any_out_of_range(request):
        return
    for where, value in out_of_range_integers(request):
        bits = value.bit_length()  # str() of a huge int is slow, past 4300 digits refused
        shown = str(value) if bits <= 64 else f"an integer of {bits} bits"
        raise OcppError(
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            f"{where}: {shown} is outside the OCPP integer range -2147483648..2147483647 "
            "(OCPP 2.0.1 Part 2, Primitive Datatypes: integer is 32 bit)",
            {"field": where},
        )


def _check_sampled_values(meter_values: Sequence[MeterValueType] | None, limit: int) -> None:
    """Refuse a message carrying more sampled values than the CSMS stores from one."""
    count = sum(len(meter_value.sampled_value) for meter_value in meter_values or ())
    if count > limit:
        raise OcppError(
            ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
            f"meterValue: {count} sampled values in one message; this CSMS takes at most {limit}",
            {"field": "meterValue"},
        )


def authorize(
    store: Store, id_token: IdTokenType, *, at: datetime | None = None
) -> IdTokenInfoType:
    """The idTokenInfo for a token, from the token store."""
    if id_token.type == IdTokenEnumType.NoAuthorization:
        return IdTokenInfoType(status=AuthorizationStatusEnumType.Accepted)
    token = store.token(id_token.id_token, id_token.type)
    if token is None:
        return IdTokenInfoType(status=AuthorizationStatusEnumType.Unknown)
    status = AuthorizationStatusEnumType(token["status"])
    expires = token["expires_at"]
    expiry = datetime.fromisoformat(expires) if expires else None
    if expiry is not None and expiry <= (at or datetime.now(UTC)):
        status = AuthorizationStatusEnumType.Expired
    group = token["group_id"]
    return IdTokenInfoType(
        status=status,
        cache_expiry_date_time=expiry,
        group_id_token=(
            IdTokenType(id_token=group, type=IdTokenEnumType.Central) if group else None
        ),
    )


def concurrent_transaction(
    store: Store,
    id_token: IdTokenType,
    station_id: str,
    transaction_id: str | None = None,
    evse_id: int | None = None,
) -> dict[str, Any] | None:
    """Another ongoing, accepted transaction of this idToken, unless `transaction_id` (of
    `station_id`) is itself one (then that transaction already holds the token). A holder on
    the same station and `evse_id` does not count: the new transaction supersedes it."""
    if id_token.type == IdTokenEnumType.NoAuthorization:
        return None
    holders = store.authorized_transactions(id_token.id_token, id_token.type)
    if any(
        t["station_id"] == station_id and t["transaction_id"] == transaction_id for t in holders
    ):
        return None
    others = [t for t in holders if (t["station_id"], t["evse_id"]) != (station_id, evse_id)]
    return others[0] if others else None


def spread_interval(interval: int, spread: float) -> int:
    """`interval` moved by a random part of up to `spread` of it (negative: shorter, positive:
    longer; see the module docstring); intervals under 10 s as they are."""
    if interval < 10:
        return interval
    reach = int(interval * abs(spread))
    return interval + (random.randint(0, reach) if spread >= 0 else -random.randint(0, reach))


def _registered(store: Store, station_id: str) -> dict[str, Any]:
    station = store.station(station_id)
    if station is None:  # deleted while connected
        raise OcppError(ErrorCode.SECURITY_ERROR, "unknown Charging Station")
    return station


def _with_status(info: IdTokenInfoType, status: AuthorizationStatusEnumType) -> IdTokenInfoType:
    return info.model_copy(update={"status": status})


class CsmsBehaviour(
    SecurityEvents,
    Certificates,
    Firmware,
    Diagnostics,
    ChargingLimits,
    Reservations,
    DisplayMessages,
):
    """The reference CSMS's handler for OCPP 2.0.1 stations (see the module docstring); the
    other station-initiated messages are its block mixins' (`station_messages`)."""

    def __init__(
        self,
        store: Store,
        *,
        connection_of: Callable[[str], OcppConnection | None] = lambda _: None,
        boot_retry_interval: int = 30,
        data_transfer: Mapping[str, DataTransferHook] | None = None,
        listener: Listener | None = None,
        max_sampled_values: int = MAX_SAMPLED_VALUES,
        interval_spread: float = INTERVAL_SPREAD,
    ) -> None:
        if not 0 <= interval_spread < 1:
            raise ValueError("interval_spread must be in [0, 1)")
        self.store = store
        self.connection_of = connection_of
        self.boot_retry_interval = boot_retry_interval
        self.data_transfer = dict(data_transfer or {})
        self.listener = listener
        self.max_sampled_values = max_sampled_values
        self.interval_spread = interval_spread
        self._tasks: set[asyncio.Task[None]] = set()
        self.group_commit = GroupCommit(store.db)
        """Batches boot, TransactionEvent and MeterValues writes; answers follow their COMMIT."""

    async def handle(
        self, action: str, request: OcppModel, context: CallContext
    ) -> OcppModel | None:
        station_id = context.station_id
        # An accepted station's CALL: one statement marks it seen and proves it accepted (in
        # the open batch: no commit of its own). Anything else reads the row to say why not.
        seen = action not in ALLOWED_BEFORE_ACCEPTED and self.group_commit.join(
            functools.partial(self.store.touch_accepted, station_id)
        )
        if not seen and action != "BootNotification":  # which reads the station itself, once
            self._check_station(action, station_id)
        _check_integers(request)
        response = await super().handle(action, request, context)
        if not seen and action != "BootNotification":  # (a boot records when it was seen)
            self.group_commit.join(functools.partial(self.store.touch, station_id))
        if self.listener is not None:
            self.listener(context.station_id, action, request)
        return response

    def _check_station(self, action: str, station_id: str) -> None:
        """Refuse a CALL from a station deleted while connected, or one not yet accepted."""
        station = _registered(self.store, station_id)
        if action not in ALLOWED_BEFORE_ACCEPTED and station["registration_status"] != "Accepted":
            raise OcppError(
                ErrorCode.SECURITY_ERROR,
                f"{action} before the Charging Station was accepted (B01.FR.10)",
            )

    async def close(self) -> None:
        """Cancel provisioning still running; commit the open batch."""
        await self.group_commit.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- B Provisioning -------------------------------------------------------------------------

    async def on_boot_notification(
        self, request: BootNotificationRequest, context: CallContext
    ) -> BootNotificationResponse:
        station = _registered(self.store, context.station_id)
        policy = station["boot_policy"]
        if policy == "Pending" and station["provisioned"]:
            policy = "Accepted"
        status = RegistrationStatusEnumType(policy)
        # In the batch: a reconnect storm's boots share COMMITs (an fsync each, milliseconds of
        # a blocked loop) instead of committing one by one; the answer still follows its COMMIT.
        await self.group_commit.write(
            functools.partial(
                self.store.record_boot, context.station_id, request.to_json_dict(), policy
            )
        )
        if status is RegistrationStatusEnumType.Pending:
            self._spawn(self._provision(context.station_id, station["pending_variables"]))
        if status is RegistrationStatusEnumType.Accepted:
            interval = spread_interval(station["heartbeat_interval"], -self.interval_spread)
        else:
            interval = spread_interval(self.boot_retry_interval, self.interval_spread)
        return BootNotificationResponse(
            current_time=datetime.now(UTC), interval=interval, status=status
        )

    async def _provision(self, station_id: str, variables: list[dict[str, Any]]) -> None:
        """B02: configure a Pending station; it is Accepted at its next boot once every value
        was accepted. The SetVariables CALL queues behind our BootNotification answer."""
        if variables:
            conn = self.connection_of(station_id)
            if conn is None:
                return
            request = SetVariablesRequest(
                set_variable_data=[SetVariableDataType.from_json_dict(v) for v in variables]
            )
            try:
                response = await CsmsCalls(conn).set_variables(request)
            except (OcppError, TimeoutError, ConnectionError) as error:
                logger.warning("%s: provisioning failed: %s", station_id, error)
                return
            ok = (SetVariableStatusEnumType.Accepted, SetVariableStatusEnumType.RebootRequired)
            refused = [r for r in response.set_variable_result if r.attribute_status not in ok]
            if refused:
                logger.warning("%s: provisioning refused: %s", station_id, refused)
                return
        self.store.set_provisioned(station_id)
        logger.info("%s: provisioned; its next boot is accepted", station_id)

    async def on_notify_report(
        self, request: NotifyReportRequest, context: CallContext
    ) -> NotifyReportResponse:
        self.store.add_report_part(context.station_id, request.to_json_dict())
        return NotifyReportResponse()

    # -- G Availability -------------------------------------------------------------------------

    async def on_heartbeat(
        self, request: HeartbeatRequest, context: CallContext
    ) -> HeartbeatResponse:
        self.group_commit.join(
            functools.partial(self.store.touch, context.station_id, heartbeat=True)
        )
        return HeartbeatResponse(current_time=datetime.now(UTC))

    async def on_status_notification(
        self, request: StatusNotificationRequest, context: CallContext
    ) -> StatusNotificationResponse:
        self.store.set_connector_status(
            context.station_id,
            request.evse_id,
            request.connector_id,
            request.connector_status,
            request.to_json_dict()["timestamp"],
        )
        return StatusNotificationResponse()

    # -- C Authorization, E Transactions, J MeterValues -----------------------------------------

    async def on_authorize(
        self, request: AuthorizeRequest, context: CallContext
    ) -> AuthorizeResponse:
        return AuthorizeResponse(id_token_info=authorize(self.store, request.id_token))

    def _unless_concurrent(
        self,
        info: IdTokenInfoType,
        id_token: IdTokenType,
        station_id: str,
        transaction_id: str,
        evse_id: int | None,
    ) -> IdTokenInfoType:
        """`info`, or ConcurrentTx if the Accepted token is held by another transaction."""
        if info.status is not AuthorizationStatusEnumType.Accepted:
            return info
        holder = concurrent_transaction(self.store, id_token, station_id, transaction_id, evse_id)
        if holder is None:
            return info
        logger.info(
            "%s: idToken %s is in transaction %s on %s; ConcurrentTx",
            station_id,
            id_token.id_token,
            holder["transaction_id"],
            holder["station_id"],
        )
        return _with_status(info, AuthorizationStatusEnumType.ConcurrentTx)

    def _transaction_token_info(
        self, request: TransactionEventRequest, station_id: str
    ) -> IdTokenInfoType | None:
        """The idTokenInfo for an event's idToken (E01.FR.11/12, E05.FR.01)."""
        token = request.id_token
        if token is None:
            return None
        transaction_id = request.transaction_info.transaction_id
        info = authorize(self.store, token)
        earlier = self.store.event_status(station_id, transaction_id, request.seq_no)
        if earlier is not None:  # re-sent: the same answer as the first time
            return _with_status(info, AuthorizationStatusEnumType(earlier))
        if request.event_type is not TransactionEventEnumType.Started:
            return info  # ConcurrentTx answers only a Started event (AuthorizationStatusEnumType)
        if request.trigger_reason is TriggerReasonEnumType.StopAuthorized:
            return info  # a stop token (E07.FR.02) ends a transaction, it never takes one
        evse_id = request.evse.id if request.evse is not None else None
        return self._unless_concurrent(info, token, station_id, transaction_id, evse_id)

    async def on_transaction_event(
        self, request: TransactionEventRequest, context: CallContext
    ) -> TransactionEventResponse:
        _check_sampled_values(request.meter_value, self.max_sampled_values)
        payload = request.to_json_dict()
        text = request.to_json()  # stored as it is: no second serialisation of `payload`
        info = self._transaction_token_info(request, context.station_id)
        status = info.status.value if info is not None else None
        # the row as this event left it: the gap log needs no read of the whole transaction
        transaction = await self.group_commit.write(
            lambda: self.store.add_transaction_event(context.station_id, payload, status, text=text)
        )
        if transaction is None:
            logger.info(
                "%s: TransactionEvent %s seqNo %s repeated; stored once",
                context.station_id,
                request.transaction_info.transaction_id,
                request.seq_no,
            )
        elif transaction["state"] == "Ended" and transaction["missing_seq_nos"]:
            logger.warning(
                "%s: transaction %s ended with seqNo gaps %s",
                context.station_id,
                request.transaction_info.transaction_id,
                transaction["missing_seq_nos"],
            )
        return TransactionEventResponse(id_token_info=info)

    async def on_meter_values(
        self, request: MeterValuesRequest, context: CallContext
    ) -> MeterValuesResponse:
        _check_sampled_values(request.meter_value, self.max_sampled_values)
        payload = request.to_json_dict()
        await self.group_commit.write(
            lambda: self.store.add_meter_values(
                context.station_id, request.evse_id, payload["meterValue"]
            )
        )
        return MeterValuesResponse()

    # -- N Diagnostics, P DataTransfer ----------------------------------------------------------

    async def on_notify_event(
        self, request: NotifyEventRequest, context: CallContext
    ) -> NotifyEventResponse:
        self.store.add_notify_event(context.station_id, request.to_json_dict())
        return NotifyEventResponse()

    async def on_data_transfer(
        self, request: DataTransferRequest, context: CallContext
    ) -> DataTransferResponse:
        hook = self.data_transfer.get(request.vendor_id)
        if hook is None:
            return DataTransferResponse(status=DataTransferStatusEnumType.UnknownVendorId)
        return await hook(context.station_id, request)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await coroutine
            except Exception:
                logger.exception("background task failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
