"""Station passwords as stored verifiers: the password itself is never stored.

Two kinds of verifier, chosen by `hash_password` from the password:

- `scrypt$N$r$p$salt$hash`: about 40 ms of CPU per check, on purpose. For any password a person
  may have chosen: if the stored verifier leaks, each guess costs the attacker a scrypt too.
- `hmac-sha256$salt$digest`: HMAC-SHA256 keyed with a random 16-byte salt, a few microseconds
  per check. Only for passwords `generated_password` made (recognised by `is_generated`).

Why the fast verifier is safe for generated passwords: a generated password is 28 characters
drawn uniformly from 62, about 166 bits, followed by a 4-character check. Someone holding a
leaked verifier can test guesses offline at GPU speed, say 10^11 HMACs per second; 2^166 /
10^11 per second is about 10^31 years, so the hash speed does not matter. A slow KDF multiplies
the cost of each guess by a constant (scrypt is about 10^5 times an HMAC): it only protects a
password whose space is small enough for that factor to count, that is one a person chose
(2^20..2^50 plausible guesses). The salt keeps equal passwords apart and precomputed tables
useless. A reconnect storm after a CSMS restart then costs one HMAC per station, not one scrypt
(10,000 stations: ~7 minutes of CPU on one check slot, against well under a second).

The rule that decides, `is_generated`, reads the password only: 32 alphanumeric characters
whose last 4 are the check of the first 28, and whose first 28 hold at least 16 distinct
characters. A person does not type a string carrying the right check by accident (1 in 62^4,
about 15 million); a tool that computes it over a weak body (repeated characters) is refused by
the distinct-character floor, which a uniform draw misses about once in 30,000 (the generator
draws again then). Any other password, however long, keeps scrypt: its length says
nothing about how it was chosen.

Old scrypt verifiers keep verifying; the CSMS replaces one with the fast kind after a successful
check when the password qualifies (`upgraded`), so a fleet of generated passwords stored before
this rule existed pays one scrypt per station once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import string
from collections.abc import Callable
from typing import Final

__all__ = [
    "FAST_SCHEME",
    "GENERATED_LENGTH",
    "generated_password",
    "hash_password",
    "is_fast",
    "is_generated",
    "scrypt_hash",
    "upgraded",
    "verify_password",
]

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
FAST_SCHEME: Final = "hmac-sha256"

_ALPHABET: Final = string.ascii_letters + string.digits  # no symbols: stations type them too
_BODY, _CHECK = 28, 4
GENERATED_LENGTH: Final = _BODY + _CHECK
"""32 characters: within OCPP's BasicAuthPassword (at most 40, passwordString)."""
_MIN_DISTINCT: Final = 16
"""Distinct characters a body must hold. 28 uniform draws from 62 give 22.4 on average (standard
deviation 1.7); 15 or fewer happen about once in 30,000 draws; 'aaaa...' or a short pattern
repeated has far fewer."""
_CHECK_KEY: Final = b"ocppgen generated station password v1"


def generated_password(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh random password that `is_generated` recognises (about 166 bits; see above).
    `choice` picks one character of a string: the default is the CSPRNG's; a seeded one is for
    benchmarks and tests that must make the same password twice, never for a station."""
    while True:
        body = "".join(choice(_ALPHABET) for _ in range(_BODY))
        if len(set(body)) >= _MIN_DISTINCT:
            return body + _check(body)


def is_generated(password: str) -> bool:
    """Whether `password` has the shape only `generated_password` gives (see the module
    docstring): such a password may be stored with the fast verifier."""
    if len(password) != GENERATED_LENGTH or not all(c in _ALPHABET for c in password):
        return False
    body, check = password[:_BODY], password[_BODY:]
    return len(set(body)) >= _MIN_DISTINCT and hmac.compare_digest(check, _check(body))


def _check(body: str) -> str:
    """4 alphanumeric characters derived from the body (a checksum, not a secret)."""
    number = int.from_bytes(hmac.digest(_CHECK_KEY, body.encode(), "sha256")[:8], "big")
    characters = []
    for _ in range(_CHECK):
        number, index = divmod(number, len(_ALPHABET))
        characters.append(_ALPHABET[index])
    return "".join(characters)


def hash_password(password: str) -> str:
    """A salted verifier for `password`: the fast kind for a generated password, scrypt for
    any other (see the module docstring)."""
    if not is_generated(password):
        return scrypt_hash(password)
    salt = os.urandom(16)
    digest = hmac.digest(salt, password.encode(), "sha256")
    return f"{FAST_SCHEME}${_b64(salt)}${_b64(digest)}"


def scrypt_hash(password: str) -> str:
    """`scrypt$N$r$p$salt$hash` (base64), whatever the password (as every hash was before the
    fast kind existed)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def is_fast(stored: str | None) -> bool:
    """Whether a stored verifier is the fast kind (checking it needs no thread)."""
    return stored is not None and stored.startswith(FAST_SCHEME + "$")


def upgraded(stored: str | None, password: str) -> str | None:
    """The fast verifier to store instead of the scrypt one `password` just matched, or None
    when it stays (the password is not a generated one, or `stored` is fast already)."""
    if stored is None or not stored.startswith("scrypt$") or not is_generated(password):
        return None
    return hash_password(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches a `hash_password` result of either kind (constant-time
    comparison)."""
    if not stored:
        return False
    try:
        scheme, *fields = stored.split("$")
        if scheme == FAST_SCHEME:
            salt, digest = fields
            actual = hmac.digest(base64.b64decode(salt), password.encode(), "sha256")
            return hmac.compare_digest(actual, base64.b64decode(digest))
        if scheme != "scrypt":
            return False
        n, r, p, salt, digest = fields
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
