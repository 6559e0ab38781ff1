"""EVSE and connector state: what the simulated EV and driver did, availability, transaction.

The state here is plain data, saved as JSON next to the outbound queue after every change (so
a restarted station knows its EVs, availability and running transactions); the rules that move
it (TxStartPoint, TxStopPoint, ...) live in `transactions.py`. The connector status that
StatusNotification reports is derived, never stored (`Evse.connector_status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ocppgen.generated import v201
from ocppgen.reference.station.meter import Meter

__all__ = ["Connector", "Evse", "Transaction", "token_from_json", "token_json", "token_key"]

Status = v201.ConnectorStatusEnumType


@dataclass
class Transaction:
    id: str
    started_at: str  # RFC 3339
    id_token: v201.IdTokenType | None = None  # once authorized
    group_id_token: v201.IdTokenType | None = None
    charging_state: v201.ChargingStateEnumType | None = None  # last reported
    remote_start_id: int | None = None
    deauthorized: bool = False
    # Samples (MeterValueType, wire form) for the Ended event, in time order: J01 clock-aligned
    # (AlignedDataCtrlr.TxEndedInterval) and J02 periodic (SampledDataCtrlr.TxEndedInterval);
    # saved with the transaction so a restart keeps them.
    ended_samples: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The saved (and `Station.snapshot`) form: tokens in their wire form."""
        data = dict(self.__dict__)
        data["id_token"] = token_json(self.id_token)
        data["group_id_token"] = token_json(self.group_id_token)
        data["charging_state"] = self.charging_state.value if self.charging_state else None
        data["ended_samples"] = list(self.ended_samples)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transaction:
        state = data.get("charging_state")
        return cls(
            **{
                **data,
                "id_token": token_from_json(data.get("id_token")),
                "group_id_token": token_from_json(data.get("group_id_token")),
                "charging_state": v201.ChargingStateEnumType(state) if state else None,
            }
        )


def token_json(token: v201.IdTokenType | None) -> dict[str, Any] | None:
    return token.to_json_dict() if token is not None else None


def token_from_json(data: dict[str, Any] | None) -> v201.IdTokenType | None:
    return v201.IdTokenType.from_json_dict(data) if data is not None else None


def token_key(token: v201.IdTokenType) -> str:
    """An idToken's identity: type and value (not additionalInfo, which one copy may lack)."""
    return f"{token.type.value}:{token.id_token}"


@dataclass
class Connector:
    id: int
    operative: bool = True


@dataclass
class Evse:
    id: int
    connectors: list[Connector]
    operative: bool = True
    plugged: bool = False  # the simulated EV's cable (on connector `plugged_connector`)
    plugged_connector: int = 1
    faulted: bool = False
    lock_failure: bool = False  # simulate a connector lock that fails to lock/unlock
    authorization: v201.IdTokenType | None = None  # before a transaction starts
    transaction: Transaction | None = None
    scheduled_operative: bool | None = None  # ChangeAvailability waiting for the tx to end
    scheduled_connector: int | None = None  # ... for this connector only (None: the EVSE)
    meter: Meter = field(default_factory=Meter)

    def connector(self, connector_id: int) -> Connector | None:
        for connector in self.connectors:
            if connector.id == connector_id:
                return connector
        return None

    def connector_status(self, connector: Connector, station_operative: bool) -> Status:
        """Occupied only while the EV's cable is in this connector (E02.FR.05, G01.FR.03/04):
        a transaction started before the plug-in (E03, remote start) leaves it Available. The
        other connectors of a multi-connector EVSE keep their status while one is plugged, as
        G01.FR.08 asks (no report for them, though they cannot be used meanwhile).

        Inoperative wins over a plugged cable (G03.FR.06, G04.FR.07): Inoperative with a
        transaction running is Scheduled, so it only takes effect once no transaction is
        left; from then on the connector is Unavailable, whether or not a cable is in."""
        if self.faulted:
            return Status.Faulted
        if not self.operative_for(connector, station_operative):
            return Status.Unavailable
        if self.plugged and self.plugged_connector == connector.id:
            return Status.Occupied
        return Status.Available

    def operative_for(self, connector: Connector, station_operative: bool) -> bool:
        """Whether ChangeAvailability left `connector` Operative at every level (G03, G04)."""
        return station_operative and self.operative and connector.operative

    def may_start_transaction(self, station_operative: bool) -> bool:
        """A new transaction needs the plugged (or, unplugged, every) connector Operative:
        an Unavailable connector takes no new session."""
        if self.plugged:
            connector = self.connector(self.plugged_connector)
            return connector is not None and self.operative_for(connector, station_operative)
        return any(self.operative_for(c, station_operative) for c in self.connectors)

    def to_json(self) -> dict[str, Any]:
        return {
            "operative": self.operative,
            "connectors": {str(c.id): c.operative for c in self.connectors},
            "plugged": self.plugged,
            "plugged_connector": self.plugged_connector,
            "faulted": self.faulted,
            "lock_failure": self.lock_failure,
            "authorization": token_json(self.authorization),
            "transaction": self.transaction.to_json() if self.transaction else None,
            "scheduled_operative": self.scheduled_operative,
            "scheduled_connector": self.scheduled_connector,
            "energy_wh": self.meter.energy_wh,
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.operative = bool(data["operative"])
        for connector in self.connectors:
            connector.operative = bool(data["connectors"].get(str(connector.id), True))
        self.plugged = bool(data["plugged"])
        self.plugged_connector = int(data["plugged_connector"])
        self.faulted = bool(data["faulted"])
        self.lock_failure = bool(data["lock_failure"])
        self.authorization = token_from_json(data["authorization"])
        tx = data["transaction"]
        self.transaction = Transaction.from_json(tx) if tx else None
        self.scheduled_operative = data["scheduled_operative"]
        self.scheduled_connector = data["scheduled_connector"]
        self.meter.energy_wh = float(data["energy_wh"])
