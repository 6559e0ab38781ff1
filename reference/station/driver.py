"""What the EV and the driver do at the station: cable, idToken, start button, and the
simulated faults (an EVSE Faulted, a connector lock that fails).

Each action changes the EVSE's state and hands the consequences to the components that own
them: transactions, the status report, events. Errors in the action itself (no such EVSE,
unplugging twice) raise `StationError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ocppgen.generated import v201
from ocppgen.reference.station.authorization import Authorization
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.evse import Evse, Transaction, token_key
from ocppgen.reference.station.reporting import Events
from ocppgen.reference.station.site import Site, StationError
from ocppgen.reference.station.transactions import Transactions

__all__ = ["Driver"]

logger = logging.getLogger("ocppgen.reference.station")

Auth = v201.AuthorizationStatusEnumType
Token = v201.IdTokenType


class Driver:
    """See the module docstring. `notify`: report changed connector statuses."""

    def __init__(
        self,
        site: Site,
        *,
        transactions: Transactions,
        authorization: Authorization,
        availability: Availability,
        events: Events,
        notify: Callable[[], None],
    ) -> None:
        self.site = site
        self.transactions = transactions
        self.authorization = authorization
        self.availability = availability
        self.events = events
        self._notify = notify

    def plug_in(self, evse_id: int, connector_id: int = 1) -> None:
        """The EV's cable is plugged into `connector_id` of `evse_id` (E02)."""
        evse = self.site.evse(evse_id)
        if evse.plugged:
            raise StationError(f"EVSE {evse_id} already has an EV plugged in")
        if evse.connector(connector_id) is None:
            raise StationError(f"no connector {connector_id} on EVSE {evse_id}")
        evse.plugged = True
        evse.plugged_connector = connector_id
        self.transactions.cancel_connection_timeout(evse)
        self.site.save_evse(evse)
        self._notify()
        if evse.lock_failure:  # G05: the connector does not lock; no charging
            self.events.lock_failed(evse.id, connector_id)
            return
        self.transactions.plugged_in(evse)

    def unplug(self, evse_id: int) -> None:
        """The EV's cable is removed (E09 stop, or E10 suspend)."""
        evse = self.site.evse(evse_id)
        if not evse.plugged:
            raise StationError(f"EVSE {evse_id} has no EV plugged in")
        evse.plugged = False
        self.transactions.unplugged(evse)
        self.site.save_evse(evse)
        self._notify()

    async def present_token(self, token: Token, evse_id: int | None = None) -> Auth:
        """The driver presents `token` at `evse_id` (None: the first EVSE free for it).

        The idToken of a running authorized transaction, or a valid cached one with the same
        groupIdToken, ends that transaction's authorization without an Authorize (C01.FR.03,
        E07.FR.01). Any other idToken is authorized (C01.FR.02); when the CSMS answers with the
        groupIdToken of a running transaction, that one ends too. With no EVSE free (each has a
        transaction) nothing starts: the status is returned, and the station logs it."""
        target = self.site.evse(evse_id) if evse_id is not None else None
        running = self._authorized_by(token, self.authorization.cached_group(token), evse_id)
        if running is not None:
            self.transactions.stop_by_token(running, token)
            return Auth.Accepted
        status, group = await self.authorization.authorize(token)
        if status is not Auth.Accepted:
            return status  # E05 if a transaction waits for it: no charging
        running = self._authorized_by(token, group, evse_id)
        if running is not None:
            self.transactions.stop_by_token(running, token)
            return status
        target = target or self._free_evse()
        if target is None:
            logger.info("idToken %s authorized, but no EVSE is free", token.id_token)
        else:
            self.transactions.authorized(target, token, v201.TriggerReasonEnumType.Authorized)
        return status

    def press_start_button(self, evse_id: int) -> None:
        """C02: a start button authorizes without an idToken (type NoAuthorization)."""
        token = Token(id_token="", type=v201.IdTokenEnumType.NoAuthorization)
        self.transactions.authorized(
            self.site.evse(evse_id), token, v201.TriggerReasonEnumType.Authorized
        )

    def _authorized_by(self, token: Token, group: Token | None, evse_id: int | None) -> Evse | None:
        """The EVSE whose authorized transaction `token` may stop: one it started (C01.FR.03)
        before one of its `group` (E07.FR.01 b), so a driver's card ends their own charge."""
        running: list[tuple[Evse, Transaction]] = []
        for evse in self.site.evses.values():
            tx = evse.transaction
            if evse_id not in (None, evse.id) or tx is None:
                continue
            if tx.id_token is not None and not tx.deauthorized:
                running.append((evse, tx))
        # Keys, not tokens: the held idToken may carry additionalInfo the presented one lacks.
        key = token_key(token)
        for evse, tx in running:
            if tx.id_token is not None and token_key(tx.id_token) == key:
                return evse
        for evse, tx in running:
            held = tx.group_id_token
            if group is not None and held is not None and token_key(held) == token_key(group):
                return evse
        return None

    def _free_evse(self) -> Evse | None:
        """Where a presented idToken goes: a plugged EVSE waiting for one, a transaction
        without one (E05 retry), then any idle EVSE; None if every EVSE is busy or
        Unavailable."""
        evses = self.site.evses.values()
        idle = [e for e in evses if e.transaction is None and self.availability.may_start(e)]
        candidates = [e for e in idle if e.plugged]
        candidates += [e for e in evses if e.transaction and e.transaction.id_token is None]
        candidates += [e for e in idle if e.authorization is None and not e.faulted]
        return candidates[0] if candidates else None

    def fault(self, evse_id: int, tech_info: str) -> None:
        """The EVSE becomes Faulted: StatusNotification Faulted and an N07 alert NotifyEvent."""
        evse = self.site.evse(evse_id)
        evse.faulted = True
        self.site.save_evse(evse)
        self._notify()
        self.events.faulted(evse.id, tech_info)

    def clear_fault(self, evse_id: int) -> None:
        evse = self.site.evse(evse_id)
        evse.faulted = False
        self.site.save_evse(evse)
        self._notify()
        self.events.fault_cleared(evse.id, self.availability.evse_state(evse.id).value)

    def set_lock_failure(self, evse_id: int, failing: bool) -> None:
        """Simulate a connector lock that fails (G05 on the next plug-in; UnlockFailed)."""
        evse = self.site.evse(evse_id)
        evse.lock_failure = failing
        self.site.save_evse(evse)
