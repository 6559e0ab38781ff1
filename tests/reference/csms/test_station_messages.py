"""Issue 17 item 1, over real sockets: every station-initiated OCPP 2.0.1 message is handled,
stored and visible in the operator API with the answer the spec requires, never a CALLERROR for
a valid message; nonsense content (unknown EVSE, request or reservation, a CSR for another
identity, bad OCSP data) gets the answer the spec gives and is stored as an anomaly. The
`MiniStation` sends the exact messages; the operator drives the CSMS-initiated side through
the API. Certificates: the CSMS's CA signs CSRs; a real local OCSP responder answers."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from ocppgen.generated import v201
from ocppgen.generated.v201.handlers import CSMS_HANDLER_METHODS, CsmsHandlers
from ocppgen.reference.csms.app import Csms
from ocppgen.reference.csms.ca import CertificateAuthority
from ocppgen.reference.csms.handlers import CsmsBehaviour
from ocppgen.reference.demo import OperatorClient
from ocppgen.runtime.actions import Role
from ocppgen.runtime.security import client_ssl_context, server_ssl_context
from tests.certs import Pki, make_csr, write_ca
from tests.reference.csms.conftest import StationFactory, csms_config
from tests.reference.csms.helpers import eventually, stamp
from tests.reference.csms.ministation import MiniStation


@pytest.fixture
async def csms(tmp_path: Path) -> AsyncIterator[Csms]:
    """The CSMS with its own CA configured (SignCertificate)."""
    ca = write_ca(tmp_path / "ca")
    config = csms_config(str(tmp_path / "csms.sqlite3"))
    config.ca_certificate, config.ca_key = str(ca.cert), str(ca.key)
    config.ocsp_timeout = 2.0
    async with Csms(config) as running:
        yield running


async def _messages(api: OperatorClient, station: str, query: str = "") -> list[dict[str, Any]]:
    status, found = await api.request("GET", f"/api/stations/{station}/messages{query}")
    assert status == 200
    return list(found)


def test_every_station_initiated_action_is_handled() -> None:
    """No station-initiated 2.0.1 action is left to the generated base's NotSupported."""
    sent_by_station = [n for n, s in v201.ACTIONS.items() if s.sent_by(Role.CHARGING_STATION)]
    assert len(sent_by_station) == 25
    for action in sent_by_station:
        if action == "DataTransfer":
            continue  # handled: unknown vendors get UnknownVendorId
        name = CSMS_HANDLER_METHODS[action]
        assert getattr(CsmsBehaviour, name) is not getattr(CsmsHandlers, name), action


async def test_a04_security_events_stored_critical_ones_flagged(
    station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    for kind in ("TamperDetectionActivated", "InvalidTLSVersion", "VendorSpecificThing"):
        answer = await mini.send(
            "SecurityEventNotification", {"type": kind, "timestamp": stamp(), "techInfo": "x"}
        )
        assert answer == {}
    stored = await _messages(api, "CS1", "?action=SecurityEventNotification")
    assert [(m["status"], m["critical"], m["anomaly"]) for m in stored] == [
        ("TamperDetectionActivated", True, None),
        ("InvalidTLSVersion", False, None),
        ("VendorSpecificThing", False, None),
    ]
    critical = await _messages(api, "CS1", "?critical=true")
    assert [m["payload"]["type"] for m in critical] == ["TamperDetectionActivated"]


async def test_l01_l03_firmware_and_publish_status_history_per_request(
    station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    mini.answers["UpdateFirmware"] = {"status": "Accepted"}
    firmware = {"location": "https://fw.example/1.bin", "retrieveDateTime": stamp()}
    status, _ = await api.call("CS1", "UpdateFirmware", {"requestId": 7, "firmware": firmware})
    assert status == 200
    for state in ("Downloading", "Downloaded", "Installing", "Installed"):
        assert (
            await mini.send("FirmwareStatusNotification", {"status": state, "requestId": 7}) == {}
        )
    await mini.send("FirmwareStatusNotification", {"status": "Idle"})  # after TriggerMessage
    await mini.send("FirmwareStatusNotification", {"status": "Downloading", "requestId": 99})
    status, history = await api.request(
        "GET", "/api/stations/CS1/status-history/FirmwareStatusNotification"
    )
    assert status == 200
    assert [(h["request_id"], [s["status"] for s in h["statuses"]]) for h in history] == [
        (7, ["Downloading", "Downloaded", "Installing", "Installed"]),
        (None, ["Idle"]),
        (99, ["Downloading"]),
    ]
    mini.answers["PublishFirmware"] = {"status": "Accepted"}
    publish = {"location": "https://fw.example/1.bin", "checksum": "ab" * 16, "requestId": 8}
    assert (await api.call("CS1", "PublishFirmware", publish))[0] == 200
    await mini.send("PublishFirmwareStatusNotification", {"status": "Downloaded", "requestId": 8})
    await mini.send(
        "PublishFirmwareStatusNotification",
        {"status": "Published", "requestId": 8, "location": ["http://cs1.local/fw.bin"]},
    )
    await mini.send("PublishFirmwareStatusNotification", {"status": "Published", "requestId": 8})
    status, anomalies = await api.request("GET", "/api/anomalies")
    assert [(a["action"], a["request_id"], a["anomaly"]) for a in anomalies] == [
        (
            "FirmwareStatusNotification",
            99,
            "no UpdateFirmware with id 99 was sent to this station",
        ),
        ("PublishFirmwareStatusNotification", 8, "Published without a location"),
    ]


async def test_n01_h03_log_status_and_reservation_updates_match_our_requests(
    station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    mini.answers["GetLog"] = {"status": "Rejected"}
    log = {"log": {"remoteLocation": "ftp://logs.example/"}, "logType": "DiagnosticsLog"}
    assert (await api.call("CS1", "GetLog", {**log, "requestId": 3}))[0] == 200
    mini.answers["GetLog"] = {"status": "Accepted"}
    assert (await api.call("CS1", "GetLog", {**log, "requestId": 4}))[0] == 200
    for request_id, state in ((4, "Uploading"), (4, "Uploaded"), (3, "Uploading")):
        await mini.send("LogStatusNotification", {"status": state, "requestId": request_id})
    mini.answers["ReserveNow"] = {"status": "Accepted"}
    reserve = {
        "id": 5,
        "expiryDateTime": stamp(600),
        "idToken": {"idToken": "T", "type": "Central"},
    }
    assert (await api.call("CS1", "ReserveNow", reserve))[0] == 200
    for reservation in (5, 6):
        answer = await mini.send(
            "ReservationStatusUpdate",
            {"reservationId": reservation, "reservationUpdateStatus": "Expired"},
        )
        assert answer == {}
    stored = await _messages(api, "CS1", "?anomalies=true")
    assert [(m["action"], m["request_id"], m["anomaly"]) for m in stored] == [
        ("LogStatusNotification", 3, "the station rejected GetLog 3"),
        ("ReservationStatusUpdate", 6, "no ReserveNow with id 6 was sent to this station"),
    ]
    status, history = await api.request(
        "GET", "/api/stations/CS1/status-history/LogStatusNotification"
    )
    assert status == 200
    assert [(h["request_id"], len(h["statuses"])) for h in history] == [(4, 2), (3, 1)]


async def test_k09_k12_k13_k15_k17_charging_limits_and_ev_needs(
    station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    await mini.status(1, "Occupied")
    mini.answers["GetChargingProfiles"] = {"status": "Accepted"}
    get_profiles = {"requestId": 11, "chargingProfile": {"chargingProfilePurpose": "TxProfile"}}
    assert (await api.call("CS1", "GetChargingProfiles", get_profiles))[0] == 200
    profile = {
        "id": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            }
        ],
    }
    report = {"requestId": 11, "chargingLimitSource": "CSO", "evseId": 1}
    assert await mini.send("ReportChargingProfiles", {**report, "chargingProfile": [profile]}) == {}
    limit = {"chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": True}, "evseId": 1}
    assert await mini.send("NotifyChargingLimit", limit) == {}
    assert await mini.send("ClearedChargingLimit", {"chargingLimitSource": "SO", "evseId": 9}) == {}
    needs = {"chargingNeeds": {"requestedEnergyTransfer": "AC_three_phase"}}
    known = await mini.send("NotifyEVChargingNeeds", {**needs, "evseId": 1})
    assert known["status"] == "Rejected" and known["statusInfo"]["reasonCode"] == "NoSchedule"
    unknown = await mini.send("NotifyEVChargingNeeds", {**needs, "evseId": 9})
    assert unknown["statusInfo"]["reasonCode"] == "UnknownEvse"
    schedule = {
        "timeBase": stamp(),
        "chargingSchedule": profile["chargingSchedule"][0],  # type: ignore[index]
    }
    assert (await mini.send("NotifyEVChargingSchedule", {**schedule, "evseId": 1})) == {
        "status": "Accepted"
    }
    refused = await mini.send("NotifyEVChargingSchedule", {**schedule, "evseId": 9})
    assert refused["status"] == "Rejected"
    stored = await _messages(api, "CS1")
    assert [
        (m["action"], m["evse_id"], m["critical"], m["anomaly"] is not None) for m in stored
    ] == [
        ("ReportChargingProfiles", 1, False, False),
        ("NotifyChargingLimit", 1, True, False),
        ("ClearedChargingLimit", 9, False, True),
        ("NotifyEVChargingNeeds", 1, False, False),
        ("NotifyEVChargingNeeds", 9, False, True),
        ("NotifyEVChargingSchedule", 1, False, False),
        ("NotifyEVChargingSchedule", 9, False, True),
    ]
    assert stored[3]["answer"]["status"] == "Rejected"


async def test_n02_n10_o04_multi_part_reports_of_monitoring_customers_and_display(
    station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    calls = {
        "GetMonitoringReport": {"requestId": 21},
        "CustomerInformation": {"requestId": 22, "report": True, "clear": False},
        "GetDisplayMessages": {"requestId": 23},
    }
    for action, payload in calls.items():
        mini.answers[action] = {"status": "Accepted"}
        assert (await api.call("CS1", action, payload))[0] == 200
    for seq_no, tbc in ((0, True), (1, False)):
        part = {"seqNo": seq_no, "tbc": tbc, "generatedAt": stamp()}
        assert await mini.send("NotifyMonitoringReport", {**part, "requestId": 21}) == {}
        assert (
            await mini.send("NotifyCustomerInformation", {**part, "requestId": 22, "data": "d"})
            == {}
        )
    message = {"id": 1, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hi"}}
    assert (
        await mini.send("NotifyDisplayMessages", {"requestId": 23, "messageInfo": [message]}) == {}
    )
    assert await mini.send("NotifyDisplayMessages", {"requestId": 77}) == {}
    stored = await _messages(api, "CS1")
    assert [(m["action"], m["request_id"]) for m in stored] == [
        ("NotifyMonitoringReport", 21),
        ("NotifyCustomerInformation", 22),
        ("NotifyMonitoringReport", 21),
        ("NotifyCustomerInformation", 22),
        ("NotifyDisplayMessages", 23),
        ("NotifyDisplayMessages", 77),
    ]
    assert [m["anomaly"] is not None for m in stored] == [False] * 5 + [True]


async def test_a02_sign_certificate_signed_by_the_csms_ca_and_sent(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    await station("CS2")
    mini.answers["CertificateSigned"] = {"status": "Accepted"}
    answer = await mini.send("SignCertificate", {"csr": make_csr("CS1")})
    assert answer == {"status": "Accepted"}
    await eventually(lambda: mini.requests)
    [(action, signed)] = mini.requests
    assert action == "CertificateSigned"
    chain = x509.load_pem_x509_certificates(signed.to_json_dict()["certificateChain"].encode())
    ca = csms.behaviour.certificate_authority
    assert ca is not None and chain[1] == ca.certificate
    chain[0].verify_directly_issued_by(ca.certificate)
    [cn] = chain[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert cn.value == "CS1"

    def outcome() -> Any:
        [message] = csms.store.messages("CS1", action="SignCertificate")
        return message["outcome"]

    done = await eventually(outcome)
    assert done["certificate_signed"] == "Accepted"
    assert done["serial_number"] == format(chain[0].serial_number, "x")
    # A CSR for another station's identity, and one that is not a CSR: Rejected, anomalies.
    for csr in (make_csr("CS2"), "-----BEGIN CERTIFICATE REQUEST-----\nxx\n"):
        refused = await mini.send("SignCertificate", {"csr": csr})
        assert refused["status"] == "Rejected"
    anomalies = [m["anomaly"] for m in await _messages(api, "CS1", "?anomalies=true")]
    assert anomalies == [
        "the CSR's CN 'CS2' is not this station's identity",
        "the CSR is not a PEM certificate signing request",
    ]
    assert len(mini.requests) == 1  # nothing was signed for them


async def test_a02_sign_certificate_without_a_ca_rejected(
    csms: Csms, station: StationFactory
) -> None:
    csms.behaviour.certificate_authority = None
    mini = await station("CS1")
    answer = await mini.send("SignCertificate", {"csr": make_csr("CS1")})
    assert answer["status"] == "Rejected" and answer["statusInfo"]["reasonCode"] == "NoCA"


class _Responder:
    """A real OCSP responder (RFC 6960 over HTTP POST) for one certificate, signed by its CA."""

    def __init__(self, ca: CertificateAuthority, certificate: x509.Certificate) -> None:
        self.ca, self.certificate = ca, certificate
        self.asked = 0

    async def answer(self, request: web.Request) -> web.Response:
        self.asked += 1
        asked = ocsp.load_der_ocsp_request(await request.read())
        assert asked.serial_number == self.certificate.serial_number
        now = dt.datetime.now(dt.UTC)
        response = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=self.certificate,
                issuer=self.ca.certificate,
                algorithm=hashes.SHA256(),
                cert_status=ocsp.OCSPCertStatus.GOOD,
                this_update=now,
                next_update=now + dt.timedelta(hours=1),
                revocation_time=None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca.certificate)
            .sign(self.ca.key, hashes.SHA256())
        )
        der = response.public_bytes(serialization.Encoding.DER)
        return web.Response(body=der, content_type="application/ocsp-response")


async def test_m06_get_certificate_status_asks_the_ocsp_responder(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    ca = csms.behaviour.certificate_authority
    assert ca is not None
    certificate = ca.sign(ca.check(make_csr("CS1"), "CS1", False, lambda _: False), False)
    responder = _Responder(ca, certificate)
    app = web.Application()
    app.router.add_post("/ocsp", responder.answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        mini = await station("CS1")
        built = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(certificate, ca.certificate, hashes.SHA256())
            .build()
        )
        data = {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": built.issuer_name_hash.hex(),
            "issuerKeyHash": built.issuer_key_hash.hex(),
            "serialNumber": format(built.serial_number, "x"),
            "responderURL": f"http://127.0.0.1:{port}/ocsp",
        }
        answer = await mini.send("GetCertificateStatus", {"ocspRequestData": data})
        assert answer["status"] == "Accepted" and responder.asked == 1
        result = ocsp.load_der_ocsp_response(base64.b64decode(answer["ocspResult"]))
        assert result.certificate_status is ocsp.OCSPCertStatus.GOOD
        assert result.serial_number == certificate.serial_number
    finally:
        await runner.cleanup()
    # The responder is gone: Failed, with the reason; not an anomaly of the station's.
    gone = await mini.send("GetCertificateStatus", {"ocspRequestData": data})
    assert gone["status"] == "Failed" and "unreachable" in gone["statusInfo"]["additionalInfo"]
    bad = {**data, "responderURL": "file:///etc/passwd"}
    refused = await mini.send("GetCertificateStatus", {"ocspRequestData": bad})
    assert refused["status"] == "Failed"
    not_hex = {**data, "serialNumber": "zz"}
    assert (await mini.send("GetCertificateStatus", {"ocspRequestData": not_hex}))[
        "status"
    ] == "Failed"
    stored = await _messages(api, "CS1", "?action=GetCertificateStatus")
    assert [(m["status"], m["anomaly"] is not None) for m in stored] == [
        ("Accepted", False),
        ("Failed", False),
        ("Failed", True),
        ("Failed", True),
    ]


async def test_m01_get_15118_ev_certificate_failed_without_a_contract_backend(
    station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    answer = await mini.send(
        "Get15118EVCertificate",
        {
            "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
            "action": "Install",
            "exiRequest": "AA==",
        },
    )
    assert answer["status"] == "Failed"
    assert answer["statusInfo"]["reasonCode"] == "NoContractBackend"
    [stored] = await _messages(api, "CS1")
    assert (stored["action"], stored["status"]) == ("Get15118EVCertificate", "Failed")


async def test_messages_of_an_unknown_station_404(api: OperatorClient) -> None:
    assert (await api.request("GET", "/api/stations/NOPE/messages"))[0] == 404
    status, _ = await api.request("GET", "/api/stations/NOPE/status-history/Nonsense")
    assert status in (400, 404)


async def test_a02_certificate_the_csms_signed_opens_security_profile_3(
    tmp_path: Path, pki: Pki
) -> None:
    """A02 over a profile 3 listener: the station (its certificate from the installer's CA)
    has a CSR signed; on its next connection the certificate the CSMS's own CA signed is the
    one that authenticates it: the listener trusts that CA too."""
    ca = write_ca(tmp_path / "ca")
    config = csms_config(str(tmp_path / "csms.sqlite3"))
    config.security_profile = 3
    config.ssl_context = server_ssl_context(pki.server.cert, pki.server.key, client_ca=pki.ca)
    config.ca_certificate, config.ca_key = str(ca.cert), str(ca.key)
    async with Csms(config) as running:
        running.store.add_station("CS001", security_profile=3)
        url = running.server.url(host="localhost")
        installed = pki.client("CS001")
        trusted = client_ssl_context(pki.ca, certificate=installed.cert, key=installed.key)
        first = MiniStation(url, "CS001", ssl_context=trusted)
        await first.start()
        assert (await first.boot()).status == "Accepted"
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CS001")])
        builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
        csr = builder.sign(key, hashes.SHA256())
        first.answers["CertificateSigned"] = {"status": "Accepted"}
        pem = csr.public_bytes(serialization.Encoding.PEM).decode()
        assert await first.send("SignCertificate", {"csr": pem}) == {"status": "Accepted"}
        await eventually(lambda: first.requests)
        chain = first.requests[0][1].to_json_dict()["certificateChain"]
        await first.close()
        (tmp_path / "renewed.pem").write_text(chain)
        (tmp_path / "renewed.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        renewed = MiniStation(
            url,
            "CS001",
            ssl_context=client_ssl_context(
                pki.ca, certificate=tmp_path / "renewed.pem", key=tmp_path / "renewed.key"
            ),
        )
        try:
            await renewed.start()
            assert (await renewed.boot()).status == "Accepted"
            connection = running.server.stations["CS001"]
            assert connection.extra["certificate_identity"] == "CS001"
        finally:
            await renewed.close()
