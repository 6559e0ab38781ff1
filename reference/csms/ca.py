"""The CSMS's own certificate authority (A02/A03 SignCertificate, issue 17 item 1): a CA
certificate and its private key (PEM files, configurable), which signs a station's CSR into the
certificate sent back with CertificateSigned.

A CSR is signed only if it parses, its self-signature verifies, and its subject CN is the
station's identity (A00: a Charging Station certificate's CN is its identity; a CSR for another
identity is refused). A V2G (ISO 15118 SECC) certificate's CN is not the identity, but it may not
be another registered station's. The certificate keeps the CSR's subject and key, is valid for
`validity` from now, and is an end-entity certificate for client authentication (station) or
server authentication (V2G, the SECC is the TLS server towards the EV).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CertificateAuthority", "CsrRefused"]

_SIGNING_KEYS = (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)


class CsrRefused(ValueError):
    """The CSR cannot be signed; the message says why."""


@dataclass(frozen=True)
class CertificateAuthority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    validity: dt.timedelta = dt.timedelta(days=365)

    @classmethod
    def from_files(
        cls, certificate: str | Path, key: str | Path, *, validity_days: int = 365
    ) -> CertificateAuthority:
        cert = x509.load_pem_x509_certificate(Path(certificate).read_bytes())
        private = serialization.load_pem_private_key(Path(key).read_bytes(), password=None)
        if not isinstance(private, (*_SIGNING_KEYS, ed25519.Ed25519PrivateKey)):
            raise ValueError("the CA key must be an EC, RSA or Ed25519 private key")
        return cls(cert, private, dt.timedelta(days=validity_days))

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def check(
        self, csr_pem: str, identity: str, v2g: bool, is_station: Callable[[str], bool]
    ) -> x509.CertificateSigningRequest:
        """The CSR, if it may be signed for `identity`; CsrRefused otherwise."""
        try:
            csr = x509.load_pem_x509_csr(csr_pem.encode())
        except ValueError:
            raise CsrRefused("the CSR is not a PEM certificate signing request") from None
        if not csr.is_signature_valid:
            raise CsrRefused("the CSR's signature does not verify")
        names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        cn = str(names[0].value) if len(names) == 1 else None
        if cn is None:
            raise CsrRefused("the CSR's subject has no single common name (CN)")
        if not v2g and cn != identity:
            raise CsrRefused(f"the CSR's CN {cn[:64]!r} is not this station's identity")
        if v2g and cn != identity and is_station(cn):
            raise CsrRefused(f"the CSR's CN {cn[:64]!r} is another station's identity")
        if isinstance(csr.public_key(), (ed448.Ed448PublicKey,)):
            raise CsrRefused("Ed448 keys are not accepted")
        return csr

    def sign(self, csr: x509.CertificateSigningRequest, v2g: bool) -> x509.Certificate:
        """The end-entity certificate for a checked CSR."""
        now = dt.datetime.now(dt.UTC)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if v2g else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.certificate.subject)
            .public_key(csr.public_key())
            .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(min(now + self.validity, self.certificate.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        algorithm = hashes.SHA256() if isinstance(self.key, _SIGNING_KEYS) else None
        return builder.sign(self.key, algorithm)

    def chain_pem(self, certificate: x509.Certificate) -> str:
        """The certificate and the CA certificate, PEM (CertificateSigned's certificateChain)."""
        return certificate.public_bytes(serialization.Encoding.PEM).decode() + self.pem
