"""The conformance tester speaking OCPP 1.6 and 2.1: correct targets pass, mutants fail.

Targets: a CSMS and a station per version on our runtime with the generated handler bases
(tests/conformance/targets.py); mutants put them behind the rewriting proxy of mutants.py.
Real loopback sockets; small Hypothesis budgets.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from ocpp.v16 import ChargePoint as OcppChargePoint16
from ocpp.v16 import call_result as call_result16
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from ocppgen.conformance.checks import Options
from ocppgen.conformance.report import RunReport, Status
from ocppgen.conformance.runner import run_against_csms
from ocppgen.conformance.versions import load
from ocppgen.generated import v16, v21
from ocppgen.runtime.dispatch import CallContext
from tests.conformance.helpers import (
    QUICK,
    derive,
    failures,
    passed,
    proxied,
    station_tester,
    status_of,
)
from tests.conformance.mutants import Link, Rewrite, rewrite_result
from tests.conformance.targets import (
    BAD,
    GOOD,
    Csms16,
    Csms21,
    Station16,
    Station21,
    now,
    serve_csms,
    station_client,
)
from tests.runtime.ocpp_peers import on

BASE = derive(QUICK, seed=11, silence=0.3, accepted_token=GOOD, blocked_token=BAD)


async def _csms_run(
    version: Any,
    handler: Any,
    run_options: Options,
    *,
    from_sut: Rewrite | None = None,
    to_sut: Rewrite | None = None,
) -> RunReport:
    async with (
        serve_csms(version, handler) as server,
        proxied(
            server.url().rstrip("/"),
            sut_is_client=False,
            version_name=version.name,
            from_sut=from_sut,
            to_sut=to_sut,
        ) as url,
    ):
        return await run_against_csms(url + "/", "CS001", run_options, version_name=version.name)


async def _station_run(
    version: Any,
    handler: Station16 | Station21,
    run_options: Options,
    from_sut: Rewrite | None = None,
) -> RunReport:
    async with (
        station_tester(run_options, version_name=version.name, from_sut=from_sut) as (url, run),
        station_client(url, "CS002", version, handler),
    ):
        return await run


# -- grouping --------------------------------------------------------------------------------------


def test_v16_groups_by_feature_profile() -> None:
    version, groups = load("1.6")
    assert version.subprotocol == "ocpp1.6"
    assert [g.id for g in groups.values() if g.core] == ["Core"]
    assert {"StartTransaction", "RemoteStartTransaction", "GetConfiguration"} <= set(
        groups["Core"].actions
    )
    assert "ReserveNow" in groups["Reservation"].actions


def test_v21_borrows_the_201_use_cases() -> None:
    version, groups = load("2.1")
    assert version.subprotocol == "ocpp2.1"
    assert groups["B01"].actions[0] == "BootNotification" and groups["B11"].core
    assert all(a in version.actions for g in groups.values() for a in g.actions)


# -- OCPP 1.6 ------------------------------------------------------------------------------------


async def test_v16_csms_passes() -> None:
    report = await _csms_run(v16.VERSION, Csms16(), BASE)
    assert report.version == "1.6"
    assert failures(report) == []
    assert {
        "Core/boot/interval",
        "Core/boot/current-time",
        "Core/authorize/blocked-tag",
        "Core/transaction/new-transaction-id",
        "Core/blocked-transaction/not-accepted",
        "messages/StartTransaction/valid",
        "messages/StartTransaction/mutations",
        "framing/not-json",
        "framing/unknown-message-type",  # 1.6: ignored, not answered
        "framing/duplicate-id",
    } <= passed(report)


async def test_v16_station_passes() -> None:
    report = await _station_run(v16.VERSION, Station16(), BASE)
    assert failures(report) == []
    assert {
        "Core/boot/boot-first",
        "Core/heartbeat/heartbeat",
        "Core/configuration/interval-adopted",
        "Core/configuration/unknown-key",
        "Core/configuration/change-unknown-key",
        "Core/configuration/read-back",
        "Core/remote-transaction/stopped",
        "Core/availability/inoperative-status",
        "Core/availability/operative-status",
        "Core/reset-soft/disconnects",
        "Core/reset-soft/boot-first",
        "Core/reset-hard/disconnects",
        "Core/reset-hard/boot-first",
        "Core/reset-hard/status-after-boot",
        "session/transaction-ids",
        "messages/ChangeConfiguration/mutations",
        "framing/own-role-action",
    } <= passed(report)


async def _spell_2x(link: Link, text: str, frame: list[Any]) -> None:
    """A 1.6 CSMS that answers with the 2.x spellings of two error codes."""
    if len(frame) == 5 and frame[0] == 4:
        spelled = {
            "FormationViolation": "FormatViolation",
            "OccurenceConstraintViolation": "OccurrenceConstraintViolation",
        }
        frame[2] = spelled.get(frame[2], frame[2])
        text = json.dumps(frame)
    await link.to_tester(text)


async def test_v16_mutant_with_2x_error_codes_fails() -> None:
    options = derive(BASE, only=["framing/not-json", "messages/Authorize/mutations", "Core/boot"])
    report = await _csms_run(v16.VERSION, Csms16(), options, from_sut=_spell_2x)
    assert status_of(report, "Core/boot/accepted") is Status.PASS
    assert status_of(report, "framing/not-json") is Status.FAIL
    assert status_of(report, "messages/Authorize/mutations") is Status.FAIL
    detail = next(r.detail for r in report.results if r.id == "framing/not-json")
    assert "not an error code of OCPP 1.6" in detail


class Station16Idle(Station16):
    """A 1.6 Charge Point that accepts ChangeAvailability and Reset and then does nothing: no
    StatusNotification of the new status, no reboot."""

    async def on_change_availability(
        self, request: v16.ChangeAvailabilityRequest, context: CallContext
    ) -> v16.ChangeAvailabilityResponse:
        return v16.ChangeAvailabilityResponse.from_json_dict({"status": "Accepted"})

    async def on_reset(self, request: v16.ResetRequest, context: CallContext) -> v16.ResetResponse:
        return v16.ResetResponse.from_json_dict({"status": "Accepted"})


async def test_v16_mutant_without_status_or_reboot_fails() -> None:
    only = ["Core/boot", "Core/availability", "Core/reset-soft"]
    report = await _station_run(
        v16.VERSION, Station16Idle(), derive(BASE, only=only, call_timeout=1.0)
    )
    assert status_of(report, "Core/boot/boot-first") is Status.PASS
    assert status_of(report, "Core/availability/inoperative-status") is Status.FAIL
    assert status_of(report, "Core/availability/operative-status") is Status.FAIL
    assert status_of(report, "Core/reset-soft/disconnects") is Status.FAIL
    assert status_of(report, "Core/reset-hard/disconnects") is None  # not wanted


# -- OCPP 2.1 ------------------------------------------------------------------------------------


async def test_v21_csms_passes() -> None:
    report = await _csms_run(v21.VERSION, Csms21(), BASE)
    assert report.version == "2.1"
    assert failures(report) == []
    assert {
        "B01/boot/interval",
        "C01/authorize/blocked-token",
        "E05/blocked-token/not-accepted",
        "messages/TransactionEvent/valid",
        "messages/Authorize/mutations",
        "framing/unknown-message-type",  # 2.1: ignored, not answered
        "framing/send",
        "framing/send-unknown-action",
        "framing/unknown-callresulterror",
    } <= passed(report)


async def test_v21_station_passes() -> None:
    report = await _station_run(v21.VERSION, Station21(), BASE)
    assert failures(report) == []
    assert {
        "B01/boot/status-after-boot",
        "B06/get-variables/interval-adopted",
        "B07/base-report/seqno",
        "G03/change-availability/inoperative-status",
        "E01/remote-transaction/seqno",
        "framing/invalid-callresult",  # the station answered with a CALLRESULTERROR
        "framing/send",
        "B11/boot/boot-reason",
    } <= passed(report)


async def _answer_send(link: Link, text: str, frame: list[Any]) -> None:
    """A 2.1 CSMS that answers a SEND with a CALLERROR (the spec forbids any answer)."""
    if len(frame) == 4 and frame[0] == 6:
        await link.to_tester(json.dumps([4, frame[1], "NotSupported", "", {}]))
        return
    await link.to_sut(text)


async def test_v21_mutant_answering_send_fails() -> None:
    options = derive(BASE, only=["framing/send", "B01/boot"])
    report = await _csms_run(v21.VERSION, Csms21(), options, to_sut=_answer_send)
    assert status_of(report, "B01/boot/accepted") is Status.PASS
    assert status_of(report, "framing/send") is Status.FAIL


async def test_v21_invalid_callresult_gets_callresulterror() -> None:
    """A 2.1 CSMS whose HeartbeatResponse lacks currentTime: the tester answers that
    CALLRESULT with a CALLRESULTERROR (as 2.1 requires) and still reports the failure."""
    only = ["B01/boot", "B01/after-boot", "messages/Heartbeat/valid"]
    report = await _csms_run(
        v21.VERSION,
        Csms21(),
        derive(BASE, only=only),
        from_sut=rewrite_result("Heartbeat", lambda payload: payload.pop("currentTime")),
    )
    assert status_of(report, "B01/boot/accepted") is Status.PASS
    failing = [r for r in report.results if r.status is Status.FAIL]
    assert {r.id for r in failing} >= {
        "B01/after-boot/Heartbeat-response",
        "messages/Heartbeat/valid",
    }
    for result in failing:
        sent = [json.loads(f.text) for f in result.frames if f.direction == "tester->sut"]
        beats = {e[1] for e in sent if e[:1] == [2] and e[2] == "Heartbeat"}
        answers = [json.loads(f.text) for f in result.frames if f.direction == "sut->tester"]
        invalid = {a[1] for a in answers if a[:1] == [3] and a[1] in beats}
        errors = [e for e in sent if e[:1] == [5]]
        assert invalid and {e[1] for e in errors} == invalid, result.frames
        assert all(e[2] == "OccurrenceConstraintViolation" for e in errors), errors


async def _drop_result_errors(link: Link, text: str, frame: list[Any]) -> None:
    """A 2.1 station that never sends CALLRESULTERROR."""
    if frame[:1] != [5]:
        await link.to_tester(text)


async def test_v21_mutant_without_callresulterror_fails() -> None:
    options = derive(BASE, only=["framing/invalid-callresult", "B01/boot"], call_timeout=1.5)
    report = await _station_run(v21.VERSION, Station21(), options, from_sut=_drop_result_errors)
    assert status_of(report, "framing/invalid-callresult") is Status.FAIL


# -- an independent 1.6 CSMS: the `ocpp` package's v16 ChargePoint --------------------------------


class OcppPackageCsms16(OcppChargePoint16):  # type: ignore[misc]  # untyped package
    """A 1.6 Central System built as the `ocpp` package documents it (boot, heartbeat, status
    and Authorize handlers; nothing else)."""

    @on("BootNotification")
    def on_boot_notification(self, **payload: Any) -> Any:
        return call_result16.BootNotification(current_time=now(), interval=300, status="Accepted")

    @on("Heartbeat")
    def on_heartbeat(self, **payload: Any) -> Any:
        return call_result16.Heartbeat(current_time=now())

    @on("StatusNotification")
    def on_status_notification(self, **payload: Any) -> Any:
        return call_result16.StatusNotification()

    @on("Authorize")
    def on_authorize(self, id_tag: str, **payload: Any) -> Any:
        status = {GOOD: "Accepted", BAD: "Blocked"}.get(id_tag, "Invalid")
        return call_result16.Authorize(id_tag_info={"status": status})


async def test_v16_ocpp_package_csms() -> None:
    """The tester runs to the end against another 1.6 implementation and reports what differs:
    that package answers 1.6 payload faults with the 2.x spelling FormatViolation."""

    async def handler(websocket: ServerConnection) -> None:
        assert websocket.request is not None
        side = OcppPackageCsms16(websocket.request.path.rsplit("/", 1)[-1], websocket)
        with contextlib.suppress(Exception):
            await side.start()

    server = await serve(handler, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")])
    port = next(iter(server.sockets)).getsockname()[1]
    only = ["Core/boot", "Core/authorize", "messages/Heartbeat", "framing/unknown-message-type"]
    try:
        report = await run_against_csms(
            f"ws://127.0.0.1:{port}/",
            "CS001",
            derive(BASE, only=[*only, "session"], call_timeout=1.5),
            version_name="1.6",
        )
    finally:
        server.close()
        await server.wait_closed()
    assert {
        "Core/boot/interval",
        "Core/authorize/blocked-tag",
        "messages/Heartbeat/valid",
        "framing/unknown-message-type",
        "session/schema-valid-requests",
    } <= passed(report)
    assert status_of(report, "messages/Heartbeat/mutations") is Status.FAIL
    detail = next(r.detail for r in report.results if r.id == "messages/Heartbeat/mutations")
    assert "'FormatViolation' is not an error code of OCPP 1.6" in detail
