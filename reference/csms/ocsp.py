"""GetCertificateStatus (M06, A00 OCSP): the CSMS asks the OCSP responder the station names
(RFC 6960 over HTTP POST) about the certificate the request identifies by hashes and serial
number, and passes the DER response on, base64 encoded. Anything else (a URL that is not
http(s), bad hex, an unreachable or slow responder, an answer that is not a successful OCSP
response for that serial number) is Failed, with the reason.

The station chooses the URL, so the CSMS makes an HTTP request where a station says: only
http and https, a short timeout and a bounded answer; an operator who must also restrict hosts
does so in the network around the CSMS.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from ocppgen.generated.v201 import OCSPRequestDataType

__all__ = ["MAX_OCSP_ANSWER", "OcspResult", "query_ocsp"]

MAX_OCSP_ANSWER: Final = 64 * 1024
MAX_OCSP_RESULT: Final = 5500  # GetCertificateStatusResponse.ocspResult maxLength
_HASHES: Final[dict[str, hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256(),
    "SHA384": hashes.SHA384(),
    "SHA512": hashes.SHA512(),
}


@dataclass(frozen=True)
class OcspResult:
    """The base64 OCSP response, or why there is none (`failure`)."""

    result: str | None = None
    failure: str | None = None
    bad_request: bool = False  # the station's data was wrong, not the responder


def ocsp_request(data: OCSPRequestDataType) -> bytes:
    """The DER OCSPRequest for the certificate `data` identifies (ValueError if it cannot)."""
    try:
        name_hash = bytes.fromhex(data.issuer_name_hash)
        key_hash = bytes.fromhex(data.issuer_key_hash)
        serial = int(data.serial_number, 16)
    except ValueError:
        raise ValueError("issuerNameHash, issuerKeyHash and serialNumber must be hex") from None
    algorithm = _HASHES[data.hash_algorithm.value]
    if len(name_hash) != algorithm.digest_size or len(key_hash) != algorithm.digest_size:
        raise ValueError(f"the hashes are not {data.hash_algorithm.value} digests")
    builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        name_hash, key_hash, serial, algorithm
    )
    return builder.build().public_bytes(serialization.Encoding.DER)


async def query_ocsp(data: OCSPRequestDataType, timeout: float) -> OcspResult:
    """Ask `data.responder_url` about the certificate `data` names."""
    url = data.responder_url
    if urlsplit(url).scheme not in ("http", "https"):
        return OcspResult(failure=f"responderURL {url[:80]!r} is not http(s)", bad_request=True)
    try:
        request = ocsp_request(data)
    except ValueError as error:
        return OcspResult(failure=str(error), bad_request=True)
    try:
        answer = await _post(url, request, timeout)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        return OcspResult(failure=f"OCSP responder unreachable: {type(error).__name__} {error}")
    return _checked(answer, int(data.serial_number, 16))


async def _post(url: str, request: bytes, timeout: float) -> bytes:
    headers = {"Content-Type": "application/ocsp-request"}
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.post(url, data=request, headers=headers, allow_redirects=False) as response,
    ):
        if response.status != 200:
            raise ValueError(f"HTTP {response.status}")
        body = await response.content.read(MAX_OCSP_ANSWER + 1)
    if len(body) > MAX_OCSP_ANSWER:
        raise ValueError("answer too large")
    return body


def _checked(answer: bytes, serial: int) -> OcspResult:
    try:
        response = ocsp.load_der_ocsp_response(answer)
    except ValueError:
        return OcspResult(failure="the responder's answer is not an OCSP response")
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return OcspResult(failure=f"OCSP response status {response.response_status.name}")
    try:
        about = response.serial_number  # ValueError if it holds several single responses
    except ValueError:
        about = None
    if about != serial:
        return OcspResult(failure="the OCSP response is not about that one certificate")
    encoded = base64.b64encode(answer).decode()
    if len(encoded) > MAX_OCSP_RESULT:
        return OcspResult(failure=f"the OCSP response is over {MAX_OCSP_RESULT} characters")
    return OcspResult(result=encoded)
