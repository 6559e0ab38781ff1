"""What the runtime needs to know about a version's actions; generated code fills it in.

The runtime never imports generated code: an endpoint is given a `VersionSpec` (for example
`ocppgen.generated.v201.VERSION`) and learns every action's classes and direction from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ocppgen.runtime.model import OcppModel

__all__ = ["ActionSpec", "MessageType", "Role", "VersionSpec"]


class Role(StrEnum):
    """The two ends of an OCPP connection (OCPP 1.6 calls them Charge Point and Central System)."""

    CHARGING_STATION = "ChargingStation"
    CSMS = "CSMS"

    @property
    def peer(self) -> Role:
        return Role.CSMS if self is Role.CHARGING_STATION else Role.CHARGING_STATION


class MessageType(StrEnum):
    """How an action travels: a CALL answered by a CALLRESULT, or (OCPP 2.1) a one-way SEND."""

    CALL = "CALL"
    SEND = "SEND"


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One OCPP action: its classes, who sends it, and where the spec describes it."""

    action: str
    request: type[OcppModel]
    response: type[OcppModel] | None  # None for a SEND, which has no reply
    initiators: frozenset[Role]
    message_type: MessageType
    functional_block: str
    use_cases: tuple[str, ...]

    def sent_by(self, role: Role) -> bool:
        return role in self.initiators

    def received_by(self, role: Role) -> bool:
        return role.peer in self.initiators


@dataclass(frozen=True, slots=True)
class VersionSpec:
    """One OCPP version as the runtime sees it."""

    name: str  # "1.6", "2.0.1", "2.1"
    subprotocol: str  # "ocpp1.6", "ocpp2.0.1", "ocpp2.1"
    actions: Mapping[str, ActionSpec]
    # A vendor package generated for a subset (profiles, actions): the version's actions it
    # leaves out. The spec knows them, so a CALL for one is NotSupported, not NotImplemented.
    left_out: frozenset[str] = frozenset()
