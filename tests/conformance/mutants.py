"""Deliberately broken variants of the reference CSMS and Charging Station.

Most mutants are the reference app behind a rewriting WebSocket proxy on loopback (real
sockets, the app itself untouched): the proxy changes, drops, injects or answers frames the way
a buggy implementation would. One changes the CSMS's behaviour by subclassing its handler.
Each names the checks that must report it as a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol

from ocppgen.generated.v201 import AuthorizeRequest, AuthorizeResponse, IdTokenInfoType
from ocppgen.generated.v201.enums import AuthorizationStatusEnumType
from ocppgen.reference.csms.handlers import CsmsBehaviour
from ocppgen.runtime.dispatch import CallContext

__all__ = ["MUTANTS", "AcceptsEveryToken", "Link", "Mutant", "RewritingProxy"]


@dataclass
class Link:
    """One proxied connection: `client` dialled the proxy, `upstream` is where it forwards."""

    client: ServerConnection
    upstream: ClientConnection
    sut_is_client: bool
    actions: dict[str, str] = field(default_factory=dict)  # CALL id -> action (both ways)
    state: dict[str, Any] = field(default_factory=dict)

    async def to_sut(self, text: str) -> None:
        await (self.client if self.sut_is_client else self.upstream).send(text)

    async def to_tester(self, text: str) -> None:
        await (self.upstream if self.sut_is_client else self.client).send(text)

    async def close(self) -> None:
        await self.client.close()
        await self.upstream.close()


Rewrite = Callable[[Link, str, list[Any]], Any]
"""`(link, text, frame)` -> awaitable; decides what to do with one frame (the default
forwards it unchanged)."""


async def forward_from_sut(link: Link, text: str, frame: list[Any]) -> None:
    await link.to_tester(text)


async def forward_to_sut(link: Link, text: str, frame: list[Any]) -> None:
    await link.to_sut(text)


@dataclass
class RewritingProxy:
    """Listens on loopback and forwards each connection to `upstream` + its path."""

    upstream: str  # ws://host:port (no trailing slash)
    sut_is_client: bool
    from_sut: Rewrite = forward_from_sut
    to_sut: Rewrite = forward_to_sut
    subprotocol: str = "ocpp2.0.1"
    server: Server | None = None
    port: int = 0

    async def start(self) -> int:
        self.server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            subprotocols=[Subprotocol(self.subprotocol)],
            ping_interval=None,
            max_size=None,
        )
        self.port = int(next(iter(self.server.sockets)).getsockname()[1])
        return self.port

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 3)

    async def _handle(self, client: ServerConnection) -> None:
        assert client.request is not None
        headers = {}
        auth = client.request.headers.get("Authorization")
        if auth:
            headers["Authorization"] = auth
        try:
            upstream = await connect(
                self.upstream + client.request.path,
                subprotocols=[Subprotocol(self.subprotocol)],
                additional_headers=headers,
                ping_interval=None,
                max_size=None,
            )
        except Exception:
            await client.close(1011, "upstream refused")
            return
        link = Link(client, upstream, self.sut_is_client)
        sut, tester = (client, upstream) if self.sut_is_client else (upstream, client)

        async def pump(source: Any, rewrite: Rewrite) -> None:
            with contextlib.suppress(Exception):
                async for message in source:
                    text = message if isinstance(message, str) else message.decode()
                    try:
                        frame = json.loads(text)
                    except ValueError:
                        frame = None
                    if isinstance(frame, list) and len(frame) == 4 and frame[0] == 2:
                        link.actions[str(frame[1])] = str(frame[2])
                    await rewrite(link, text, frame if isinstance(frame, list) else [])
            with contextlib.suppress(Exception):
                await link.close()

        await asyncio.gather(pump(sut, self.from_sut), pump(tester, self.to_sut))


def _dump(frame: list[Any]) -> str:
    return json.dumps(frame, separators=(",", ":"))


def _result_of(link: Link, frame: list[Any], action: str) -> bool:
    return len(frame) == 3 and frame[0] == 3 and link.actions.get(str(frame[1])) == action


def _call_of(frame: list[Any], action: str) -> bool:
    return len(frame) == 4 and frame[0] == 2 and frame[2] == action


# -- the rewrites ---------------------------------------------------------------------------------


def rewrite_result(action: str, change: Callable[[dict[str, Any]], None]) -> Rewrite:
    async def run(link: Link, text: str, frame: list[Any]) -> None:
        if _result_of(link, frame, action) and isinstance(frame[2], dict):
            change(frame[2])
            text = _dump(frame)
        await link.to_tester(text)

    return run


def rewrite_error_code(old: str, new: str) -> Rewrite:
    async def run(link: Link, text: str, frame: list[Any]) -> None:
        if len(frame) == 5 and frame[0] == 4 and frame[2] == old:
            frame[2] = new
            text = _dump(frame)
        await link.to_tester(text)

    return run


async def accept_invalid(link: Link, text: str, frame: list[Any]) -> None:
    """Validation CALLERRORs become empty CALLRESULTs: the SUT 'accepts' invalid payloads."""
    if len(frame) == 5 and frame[0] == 4 and str(frame[2]).endswith("Violation"):
        text = _dump([3, frame[1], {}])
    await link.to_tester(text)


async def silent_on_unreadable(link: Link, text: str, frame: list[Any]) -> None:
    """CALLERRORs for frames whose id could not be read (id "-1") are never sent."""
    if len(frame) == 5 and frame[0] == 4 and frame[1] == "-1":
        return
    await link.to_tester(text)


async def close_on_garbage(link: Link, text: str, frame: list[Any]) -> None:
    """The SUT drops the connection when it receives text that is not JSON."""
    if not frame:
        with contextlib.suppress(ValueError):
            json.loads(text)
            await link.to_sut(text)
            return
        await link.close()
        return
    await link.to_sut(text)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.pop(key, None)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.__setitem__(key, value)


def _local_time(payload: dict[str, Any]) -> None:
    payload["currentTime"] = str(payload["currentTime"]).replace("Z", "").split("+")[0]


async def seqno_gap(link: Link, text: str, frame: list[Any]) -> None:
    """TransactionEvent seqNo skips one after the first event."""
    if _call_of(frame, "TransactionEvent") and frame[3].get("seqNo", 0) >= 1:
        frame[3]["seqNo"] += 1
        text = _dump(frame)
    await link.to_tester(text)


async def second_call_in_flight(link: Link, text: str, frame: list[Any]) -> None:
    """With each CALL of the station, another CALL goes out before the first is answered
    (its answer is swallowed): the one-outstanding-CALL rule is broken."""
    await link.to_tester(text)
    if len(frame) == 4 and frame[0] == 2 and frame[2] != "BootNotification":
        n = link.state["extra"] = link.state.get("extra", 0) + 1
        extra_id = f"mutant-extra-{n}"
        link.state.setdefault("swallow", set()).add(extra_id)
        await link.to_tester(_dump([2, extra_id, "Heartbeat", {}]))


async def swallow_extra_answers(link: Link, text: str, frame: list[Any]) -> None:
    if len(frame) >= 2 and frame[0] in (3, 4) and frame[1] in link.state.get("swallow", ()):
        return
    await link.to_sut(text)


async def hide_unavailable(link: Link, text: str, frame: list[Any]) -> None:
    """StatusNotification Unavailable never reaches the CSMS (the proxy answers it)."""
    if _call_of(frame, "StatusNotification") and frame[3].get("connectorStatus") == "Unavailable":
        await link.to_sut(_dump([3, frame[1], {}]))
        return
    await link.to_tester(text)


async def report_never_ends(link: Link, text: str, frame: list[Any]) -> None:
    """Every NotifyReport part says tbc: the report is never complete."""
    if _call_of(frame, "NotifyReport"):
        frame[3]["tbc"] = True
        text = _dump(frame)
    await link.to_tester(text)


def _drop_attribute_status(payload: dict[str, Any]) -> None:
    for result in payload.get("getVariableResult", []):
        result.pop("attributeStatus", None)


class AcceptsEveryToken(CsmsBehaviour):
    """Authorize answers Accepted for every idToken, blocked ones included."""

    async def on_authorize(
        self, request: AuthorizeRequest, context: CallContext
    ) -> AuthorizeResponse:
        return AuthorizeResponse(
            id_token_info=IdTokenInfoType(status=AuthorizationStatusEnumType.Accepted)
        )


@dataclass(frozen=True)
class Mutant:
    name: str
    target: str  # "csms" or "station"
    what: str
    catches: tuple[str, ...]  # check-id prefixes; at least one must FAIL
    from_sut: Rewrite = forward_from_sut
    to_sut: Rewrite = forward_to_sut
    behaviour: type[CsmsBehaviour] | None = None  # a CSMS handler subclass instead of a proxy


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "csms-1.6-error-code",
        "csms",
        "OccurrenceConstraintViolation spelled the 1.6 way (OccurenceConstraintViolation)",
        ("messages/BootNotification/mutations",),
        from_sut=rewrite_error_code(
            "OccurrenceConstraintViolation", "OccurenceConstraintViolation"
        ),
    ),
    Mutant(
        "csms-accepts-invalid",
        "csms",
        "answers CALLRESULT {} where it should reject an invalid payload",
        ("messages/Heartbeat/mutations",),
        from_sut=accept_invalid,
    ),
    Mutant(
        "csms-heartbeat-no-time",
        "csms",
        "HeartbeatResponse without its required currentTime",
        ("B01/after-boot/Heartbeat-response", "messages/Heartbeat/valid"),
        from_sut=rewrite_result("Heartbeat", _drop("currentTime")),
    ),
    Mutant(
        "csms-boot-interval-0",
        "csms",
        "an Accepted BootNotification with interval 0",
        ("B01/boot/interval",),
        from_sut=rewrite_result("BootNotification", _set("interval", 0)),
    ),
    Mutant(
        "csms-local-time",
        "csms",
        "currentTime without a time zone",
        ("B01/boot/current-time", "B01/boot/BootNotification-response"),
        from_sut=rewrite_result("BootNotification", _local_time),
    ),
    Mutant(
        "csms-accepts-blocked-token",
        "csms",
        "Authorize answers Accepted for a blocked token",
        ("C01/authorize/blocked-token",),
        behaviour=AcceptsEveryToken,
    ),
    Mutant(
        "csms-silent-on-garbage",
        "csms",
        "no CALLERROR for a frame it cannot read",
        ("framing/not-json",),
        from_sut=silent_on_unreadable,
    ),
    Mutant(
        "csms-closes-on-garbage",
        "csms",
        "closes the connection on text that is not JSON",
        ("framing/not-json",),
        to_sut=close_on_garbage,
    ),
    Mutant(
        "station-seqno-gap",
        "station",
        "TransactionEvent seqNo skips a number",
        ("E01/remote-transaction/seqno", "session/transaction-seqno"),
        from_sut=seqno_gap,
    ),
    Mutant(
        "station-two-calls-in-flight",
        "station",
        "sends a second CALL before the first is answered",
        ("session/one-outstanding-CALL",),
        from_sut=second_call_in_flight,
        to_sut=swallow_extra_answers,
    ),
    Mutant(
        "station-no-status-after-availability",
        "station",
        "no StatusNotification Unavailable after ChangeAvailability Inoperative",
        ("G03/change-availability/inoperative-status",),
        from_sut=hide_unavailable,
    ),
    Mutant(
        "station-report-never-ends",
        "station",
        "every NotifyReport part has tbc true",
        ("B07/base-report/complete",),
        from_sut=report_never_ends,
    ),
    Mutant(
        "station-getvariables-missing-field",
        "station",
        "GetVariablesResult without its required attributeStatus",
        (
            "messages/GetVariables/valid",
            "B06/get-variables/GetVariables-HeartbeatInterval-response",
        ),
        from_sut=rewrite_result("GetVariables", _drop_attribute_status),
    ),
    Mutant(
        "station-internal-error-code",
        "station",
        "answers InternalError where a payload has the wrong type",
        ("messages/SetVariables/mutations",),
        from_sut=rewrite_error_code("TypeConstraintViolation", "InternalError"),
    ),
)


# -- mutants of the B02/B03 and driven-station scenarios (tests/conformance/test_boot_policies.py,
# test_driven.py); not in MUTANTS, whose runs have neither boot policies nor a driver ----------


class AcceptsPendingStation(CsmsBehaviour):
    """BootNotification answers Accepted where the station's boot policy says Pending."""

    async def on_boot_notification(self, request: Any, context: CallContext) -> Any:
        response = await super().on_boot_notification(request, context)
        if response.status == "Pending":
            return response.model_copy(update={"status": type(response.status)("Accepted")})
        return response


async def answer_authorize_locally(link: Link, text: str, frame: list[Any]) -> None:
    """The station's Authorize never reaches the CSMS: the proxy answers it Accepted itself
    (like a station that trusts every card without asking)."""
    if _call_of(frame, "Authorize"):
        await link.to_sut(_dump([3, frame[1], {"idTokenInfo": {"status": "Accepted"}}]))
        return
    await link.to_tester(text)
