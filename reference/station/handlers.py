"""The CALLs a station receives: the generated `ChargingStationHandlers`, typed per action.

Each supported `on_<action>` delegates to the component that owns the behaviour; the actions
not overridden stay NotSupported (the generated base answers them). Every CALL is first checked
against the registration state in `handle` (B02, B03), the one place for that rule.
"""

from __future__ import annotations

from collections.abc import Callable

from ocppgen.generated import v201
from ocppgen.generated.v201.handlers import ChargingStationHandlers
from ocppgen.reference.station.authorization import Authorization
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.configuration import Configuration
from ocppgen.reference.station.remote import RemoteControl
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.errors import ErrorCode, OcppError
from ocppgen.runtime.model import OcppModel

__all__ = ["PENDING_ALLOWED", "StationHandlers"]

Reg = v201.RegistrationStatusEnumType

# Actions a station may answer while its registration is Pending (B02.FR.01: configuration,
# plus what B02.FR.05 answers Rejected and TriggerMessage for a new boot).
PENDING_ALLOWED = frozenset(
    {
        "GetVariables",
        "SetVariables",
        "GetBaseReport",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "TriggerMessage",
        "Reset",
        "ChangeAvailability",
        "DataTransfer",
        "ClearCache",
        "UnlockConnector",
    }
)


def check_registration(registration: Reg | None, action: str) -> None:
    """B03.FR.08: a Rejected station answers nothing; B02.FR.01: a Pending (or not yet booted)
    one only `PENDING_ALLOWED`."""
    if registration is Reg.Rejected:
        raise OcppError(ErrorCode.SECURITY_ERROR, "the CSMS has rejected this station")
    if registration is not Reg.Accepted and action not in PENDING_ALLOWED:
        raise OcppError(ErrorCode.SECURITY_ERROR, "registration is not accepted yet")


class StationHandlers(ChargingStationHandlers):
    """The runtime `Handler` of one station: each CALL goes to the component that owns it."""

    def __init__(
        self,
        registration: Callable[[], Reg | None],
        *,
        configuration: Configuration,
        remote: RemoteControl,
        availability: Availability,
        authorization: Authorization,
    ) -> None:
        self._registration = registration
        self.configuration = configuration
        self.remote = remote
        self.availability = availability
        self.authorization = authorization

    async def handle(
        self, action: str, request: OcppModel, context: CallContext
    ) -> OcppModel | None:
        check_registration(self._registration(), action)
        return await super().handle(action, request, context)

    async def on_get_variables(
        self, request: v201.GetVariablesRequest, context: CallContext
    ) -> v201.GetVariablesResponse:
        return self.configuration.get_variables(request)

    async def on_set_variables(
        self, request: v201.SetVariablesRequest, context: CallContext
    ) -> v201.SetVariablesResponse:
        return self.configuration.set_variables(request)

    async def on_get_base_report(
        self, request: v201.GetBaseReportRequest, context: CallContext
    ) -> v201.GetBaseReportResponse:
        return self.configuration.get_base_report(request)

    async def on_change_availability(
        self, request: v201.ChangeAvailabilityRequest, context: CallContext
    ) -> v201.ChangeAvailabilityResponse:
        return self.availability.change(request)

    async def on_clear_cache(
        self, request: v201.ClearCacheRequest, context: CallContext
    ) -> v201.ClearCacheResponse:
        return self.authorization.clear_cache()

    async def on_reset(
        self, request: v201.ResetRequest, context: CallContext
    ) -> v201.ResetResponse:
        return self.remote.reset(request)

    async def on_request_start_transaction(
        self, request: v201.RequestStartTransactionRequest, context: CallContext
    ) -> v201.RequestStartTransactionResponse:
        return self.remote.request_start(request)

    async def on_request_stop_transaction(
        self, request: v201.RequestStopTransactionRequest, context: CallContext
    ) -> v201.RequestStopTransactionResponse:
        return self.remote.request_stop(request)

    async def on_trigger_message(
        self, request: v201.TriggerMessageRequest, context: CallContext
    ) -> v201.TriggerMessageResponse:
        return self.remote.trigger_message(request)

    async def on_unlock_connector(
        self, request: v201.UnlockConnectorRequest, context: CallContext
    ) -> v201.UnlockConnectorResponse:
        return self.remote.unlock_connector(request)

    async def on_data_transfer(
        self, request: v201.DataTransferRequest, context: CallContext
    ) -> v201.DataTransferResponse:
        return self.remote.data_transfer(request)
