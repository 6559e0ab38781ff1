"""The base of the CSMS handlers for station-initiated messages beyond the core (issue 17 item
1): each block's module (`security_events`, `firmware`, `diagnostics`, `charging_limits`,
`reservations`, `display_messages`, `certificates`) is a mixin of `CsmsBehaviour` built on this.

Every such message is stored whole with the answer sent (`store.messages`), in one statement:
a valid message is never answered with a CALLERROR. What is wrong with one (a requestId the
CSMS never sent, an EVSE the station never reported, a CSR for another identity, ...) is
answered as the spec says (Rejected, Failed, or the empty answer most notifications have) and
stored as the message's `anomaly`, which the operator API lists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ocppgen.generated.v201.handlers import CsmsHandlers
from ocppgen.reference.csms.store import Store
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.model import OcppModel

__all__ = ["StationMessages"]

logger = logging.getLogger("ocppgen.reference.csms")


class StationMessages(CsmsHandlers):
    """What the block mixins share; `CsmsBehaviour` provides the store, connections and tasks."""

    store: Store
    connection_of: Callable[[str], OcppConnection | None]

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        raise NotImplementedError  # CsmsBehaviour's

    def _record(
        self,
        context: CallContext,
        request: OcppModel,
        answer: OcppModel,
        *,
        request_id: int | None = None,
        evse_id: int | None = None,
        status: str | None = None,
        critical: bool = False,
        anomaly: str | None = None,
    ) -> int:
        """Store `request` (its action from its type) with `answer`; return its seq."""
        action = type(request).__name__.removesuffix("Request")
        if anomaly is not None:
            logger.warning("%s: %s anomaly: %s", context.station_id, action, anomaly)
        return self.store.add_message(
            context.station_id,
            action,
            request.to_json_dict(),
            answer.to_json_dict(),
            request_id=request_id,
            evse_id=evse_id,
            status=status,
            critical=critical,
            anomaly=anomaly,
        )

    def _record_request_status(
        self, context: CallContext, request: Any, answer: OcppModel, sent: str
    ) -> None:
        """Store a status notification (`request.request_id`, `request.status`) of the `sent`
        request it reports on, an anomaly if we never sent that request."""
        self._record(
            context,
            request,
            answer,
            request_id=request.request_id,
            status=request.status.value,
            anomaly=self._unknown_request(context.station_id, sent, request.request_id),
        )

    def _unknown_request(self, station_id: str, sent: str, request_id: int | None) -> str | None:
        """Why `request_id` names no `sent` request of ours to this station (None: it does, or
        the message names none)."""
        if request_id is None:
            return None
        status = self.store.sent_request(station_id, sent, request_id)
        if status is None:
            return f"no {sent} with id {request_id} was sent to this station"
        if status == "Rejected":
            return f"the station rejected {sent} {request_id}"
        return None

    def _unknown_evse(self, station_id: str, evse_id: int | None) -> str | None:
        """Why `evse_id` is not an EVSE of the station (0 and None: the whole station)."""
        if not evse_id:
            return None
        if any(c["evse_id"] == evse_id for c in self.store.connectors(station_id)):
            return None
        return f"EVSE {evse_id} was never reported by this station (StatusNotification)"


def first(*problems: str | None) -> str | None:
    """The first of several anomaly checks that found something."""
    return next((problem for problem in problems if problem is not None), None)
