"""A02/A03 SignCertificate, M06 GetCertificateStatus and M01/M02 Get15118EVCertificate.

- SignCertificate: with a CA configured (`CertificateAuthority`), a CSR that passes its checks
  (`ca.CertificateAuthority.check`: parses, verifies, CN is the station's identity) is answered
  Accepted and, right after the answer, signed and sent to the station with CertificateSigned;
  the certificate (serial, validity) and the station's answer are the message's `outcome`. A
  CSR that fails is Rejected with the reason, stored as an anomaly. Without a CA: Rejected.
- GetCertificateStatus: the OCSP responder the request names is asked (`ocsp.query_ocsp`):
  Accepted with its answer, Failed (with the reason) when it cannot be had.
- Get15118EVCertificate: Failed, reason NoContractBackend: the CSMS has no connection to a
  contract certificate pool (Mobility Operator / CPS) to forward the EXI request to.
"""

from __future__ import annotations

import logging
from typing import Final

from cryptography import x509

from ocppgen.generated.v201 import (
    CertificateSignedRequest,
    Get15118EVCertificateRequest,
    Get15118EVCertificateResponse,
    GetCertificateStatusRequest,
    GetCertificateStatusResponse,
    SignCertificateRequest,
    SignCertificateResponse,
    StatusInfoType,
)
from ocppgen.generated.v201.enums import (
    CertificateSigningUseEnumType,
    GenericStatusEnumType,
    GetCertificateStatusEnumType,
    Iso15118EVCertificateStatusEnumType,
)
from ocppgen.generated.v201.handlers import CsmsCalls
from ocppgen.reference.csms.ca import CertificateAuthority, CsrRefused
from ocppgen.reference.csms.ocsp import query_ocsp
from ocppgen.reference.csms.station_messages import StationMessages
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.errors import OcppError

__all__ = ["Certificates"]

logger = logging.getLogger("ocppgen.reference.csms")

OCSP_TIMEOUT: Final = 5.0
"""Seconds the CSMS waits for an OCSP responder: the station waits for our answer meanwhile."""


def _info(reason: str, detail: str) -> StatusInfoType:
    return StatusInfoType(reason_code=reason, additional_info=detail[:512])


class Certificates(StationMessages):
    certificate_authority: CertificateAuthority | None = None
    """Signs stations' CSRs; None: SignCertificate is Rejected (set by `Csms` from its config)."""
    ocsp_timeout: float = OCSP_TIMEOUT

    async def on_sign_certificate(
        self, request: SignCertificateRequest, context: CallContext
    ) -> SignCertificateResponse:
        station_id = context.station_id
        v2g = request.certificate_type is CertificateSigningUseEnumType.V2GCertificate
        ca = self.certificate_authority
        csr: x509.CertificateSigningRequest | None = None
        anomaly = None
        if ca is None:
            info = _info("NoCA", "this CSMS has no certificate authority configured")
        else:
            try:
                csr = ca.check(request.csr, station_id, v2g, self._is_station)
                info = None
            except CsrRefused as refused:
                anomaly = str(refused)
                info = _info("InvalidCSR", anomaly)
        status = GenericStatusEnumType.Accepted if csr else GenericStatusEnumType.Rejected
        answer = SignCertificateResponse(status=status, status_info=info)
        seq = self._record(context, request, answer, status=status.value, anomaly=anomaly)
        if ca is not None and csr is not None:
            self._spawn(self._send_certificate(station_id, seq, ca, csr, request))
        return answer

    def _is_station(self, identity: str) -> bool:
        return self.store.station(identity) is not None

    async def _send_certificate(
        self,
        station_id: str,
        seq: int,
        ca: CertificateAuthority,
        csr: x509.CertificateSigningRequest,
        request: SignCertificateRequest,
    ) -> None:
        """Sign and send CertificateSigned (queued behind our SignCertificate answer)."""
        v2g = request.certificate_type is CertificateSigningUseEnumType.V2GCertificate
        certificate = ca.sign(csr, v2g)
        outcome: dict[str, object] = {
            "serial_number": format(certificate.serial_number, "x"),
            "not_after": certificate.not_valid_after_utc.isoformat(),
            "certificate_signed": None,
        }
        conn = self.connection_of(station_id)
        if conn is None:
            outcome["error"] = "not connected"
        else:
            call = CertificateSignedRequest(
                certificate_chain=ca.chain_pem(certificate),
                certificate_type=request.certificate_type,
            )
            try:
                response = await CsmsCalls(conn).certificate_signed(call)
                outcome["certificate_signed"] = response.status.value
            except (OcppError, TimeoutError, ConnectionError) as error:
                outcome["error"] = f"{type(error).__name__}: {error}"
        self.store.set_outcome(station_id, seq, outcome)
        logger.info("%s: CertificateSigned %s", station_id, outcome)

    async def on_get_certificate_status(
        self, request: GetCertificateStatusRequest, context: CallContext
    ) -> GetCertificateStatusResponse:
        found = await query_ocsp(request.ocsp_request_data, self.ocsp_timeout)
        if found.result is not None:
            answer = GetCertificateStatusResponse(
                status=GetCertificateStatusEnumType.Accepted, ocsp_result=found.result
            )
        else:
            answer = GetCertificateStatusResponse(
                status=GetCertificateStatusEnumType.Failed,
                status_info=_info("OCSPFailed", found.failure or ""),
            )
        anomaly = found.failure if found.bad_request else None
        self._record(context, request, answer, status=answer.status.value, anomaly=anomaly)
        return answer

    async def on_get15118_ev_certificate(
        self, request: Get15118EVCertificateRequest, context: CallContext
    ) -> Get15118EVCertificateResponse:
        answer = Get15118EVCertificateResponse(
            status=Iso15118EVCertificateStatusEnumType.Failed,
            status_info=_info(
                "NoContractBackend", "this CSMS has no contract certificate pool to ask"
            ),
            exi_response="",
        )
        self._record(context, request, answer, status=answer.status.value)
        return answer
