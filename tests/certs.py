"""Throwaway PKI for the TLS tests (security profiles 2 and 3), generated with `cryptography`.

`make_pki(directory)` writes, as PEM files:

- a CA and a server certificate signed by it, valid for 127.0.0.1, ::1 and localhost;
- a client certificate per requested station identity (subject CN = identity, as OCPP 2.x
  security profile 3 requires), signed by the same CA;
- a client certificate with a correct-looking CN signed by an unrelated "rogue" CA, which the
  server must refuse at the TLS handshake;
- for the first identity, certificates signed by the trusted CA that are not station
  certificates: a CA certificate (basicConstraints CA:TRUE, with clientAuth), one whose extended
  key usage is serverAuth only, and an end-entity one without extended key usage.

Keys are EC P-256: generating them takes microseconds, unlike RSA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CertPair", "Pki", "make_pki"]


@dataclass(frozen=True)
class CertPair:
    """A certificate and its private key, as PEM file paths."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    """Everything the TLS tests need."""

    directory: Path
    ca: Path  # the trusted CA certificate (PEM)
    server: CertPair  # signed by `ca`, SAN 127.0.0.1, ::1, localhost
    clients: dict[str, CertPair] = field(default_factory=dict)  # identity -> cert signed by `ca`
    rogue_ca: Path | None = None  # an unrelated CA
    rogue_client: CertPair | None = None  # signed by `rogue_ca`, CN = the first identity
    ca_client: CertPair | None = None  # signed by `ca`, CN = the first identity, CA:TRUE
    server_usage_client: CertPair | None = None  # signed by `ca`, CN = first identity, serverAuth
    no_usage_client: CertPair | None = None  # signed by `ca`, CN = first identity, no EKU

    def client(self, identity: str) -> CertPair:
        return self.clients[identity]


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ocppgen tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
    )


def _make_ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    name = _name(common_name)
    cert = (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _make_leaf(
    common_name: str,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    *,
    server: bool,
    is_ca: bool = False,
    usages: list[x509.ObjectIdentifier] | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate signed by `ca`; `usages` (default: serverAuth or clientAuth, [] for no
    extended key usage) and `is_ca` make certificates that are not proper station ones."""
    ca_cert, ca_key = ca
    key = _key()
    if usages is None:
        usages = [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
    builder = _builder(_name(common_name), ca_cert.subject, key.public_key()).add_extension(
        x509.BasicConstraints(ca=is_ca, path_length=None), critical=True
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
        critical=False,
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256()), key


def _write_cert(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _write_pair(
    directory: Path, stem: str, pair: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> CertPair:
    cert, key = pair
    key_path = directory / f"{stem}.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return CertPair(cert=_write_cert(directory / f"{stem}.pem", cert), key=key_path)


def make_pki(directory: Path, identities: tuple[str, ...] = ("CS001", "CS002")) -> Pki:
    """Generate a CA, a server certificate, one client certificate per identity and a rogue one."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = _make_ca("ocppgen test CA")
    rogue = _make_ca("ocppgen rogue CA")
    clients = {
        identity: _write_pair(
            directory, f"client-{identity}", _make_leaf(identity, ca, server=False)
        )
        for identity in identities
    }
    return Pki(
        directory=directory,
        ca=_write_cert(directory / "ca.pem", ca[0]),
        server=_write_pair(directory, "server", _make_leaf("localhost", ca, server=True)),
        clients=clients,
        rogue_ca=_write_cert(directory / "rogue-ca.pem", rogue[0]),
        rogue_client=_write_pair(
            directory, "client-rogue", _make_leaf(identities[0], rogue, server=False)
        ),
        ca_client=_write_pair(
            directory, "client-ca", _make_leaf(identities[0], ca, server=False, is_ca=True)
        ),
        server_usage_client=_write_pair(
            directory,
            "client-server-usage",
            _make_leaf(identities[0], ca, server=False, usages=[ExtendedKeyUsageOID.SERVER_AUTH]),
        ),
        no_usage_client=_write_pair(
            directory, "client-no-usage", _make_leaf(identities[0], ca, server=False, usages=[])
        ),
    )


def write_ca(directory: Path, common_name: str = "ocppgen test CSMS CA") -> CertPair:
    """A CA certificate and its private key (PEM files): what the CSMS signs CSRs with."""
    directory.mkdir(parents=True, exist_ok=True)
    return _write_pair(directory, "csms-ca", _make_ca(common_name))


def make_csr(common_name: str) -> str:
    """A PEM certificate signing request with subject CN = `common_name` (a fresh P-256 key)."""
    csr = x509.CertificateSigningRequestBuilder().subject_name(_name(common_name))
    return csr.sign(_key(), hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()
