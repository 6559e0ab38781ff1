"""Generated station passwords and their fast verifier (issue 15 item 4): the rule that decides
which passwords get it, and the CSMS handshake with both kinds of stored verifier."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import websockets

from ocppgen.reference.csms.app import Csms
from ocppgen.reference.csms.store import (
    generated_password,
    hash_password,
    is_fast,
    is_generated,
    scrypt_hash,
    upgraded,
    verify_password,
)
from ocppgen.reference.csms.store.passwords import GENERATED_LENGTH, _check
from ocppgen.reference.demo import OperatorClient
from tests.reference.csms.conftest import csms_config
from tests.reference.csms.ministation import MiniStation

HUMAN_CHOICES = [
    "correct horse battery staple",
    "MyPassWord2024IsVeryLongAndSafe!",
    "MyPassWord2024IsVeryLongAndSafe1",  # 32 alphanumeric characters, no check
    "CorrectHorseBatteryStaple2024abc",
    "P4ssw0rdP4ssw0rdP4ssw0rdP4ssw0rd",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "0123456789abcdefghijklmnopqrstuv",
    "9f86d081884c7d659a2feaa0c55ad015",  # 32 random hex digits: random, but not ours: scrypt
    "v4xRypVEW5H8_4e6qPWUZhjnxPtZ7SaP",  # token_urlsafe(24)
    "v4xRypVEW5H8a4e6qPWUZhjnxPtZ7SaP",  # 32 random alphanumerics without the check
    "",
]


def test_generated_passwords_have_the_shape_the_rule_recognises() -> None:
    passwords = {generated_password() for _ in range(2000)}
    assert len(passwords) == 2000
    for password in passwords:
        assert len(password) == GENERATED_LENGTH <= 40  # OCPP BasicAuthPassword: at most 40
        assert set(password) <= set(string.ascii_letters + string.digits)
        assert is_generated(password)


@pytest.mark.parametrize("password", HUMAN_CHOICES)
def test_other_passwords_do_not_pass_for_generated_ones(password: str) -> None:
    assert not is_generated(password)
    if password:
        assert not is_fast(hash_password(password))


def test_one_changed_character_breaks_the_check() -> None:
    password = generated_password()
    for at in range(len(password)):
        for replacement in "aZ7":
            changed = password[:at] + replacement + password[at + 1 :]
            assert changed == password or not is_generated(changed)


def test_a_weak_body_with_the_right_check_is_refused() -> None:
    # A tool that computes the check over a weak body gets no fast verifier: too few
    # distinct characters for a uniform draw.
    for body in ("a" * 28, "abcd" * 7, "Station0001Station0001Statio", "ab1" * 9 + "c"):
        assert len(body) == 28
        assert not is_generated(body + _check(body))
    body = string.ascii_letters[:28]  # 28 distinct characters: passes the floor
    assert is_generated(body + _check(body))


def test_generated_passwords_get_the_fast_verifier_others_scrypt() -> None:
    password = generated_password()
    first, second = hash_password(password), hash_password(password)
    assert first != second and is_fast(first) and password not in first  # salted
    assert verify_password(first, password)
    assert not verify_password(first, password.lower())
    assert not verify_password(first, generated_password())
    human = hash_password("a person's password")
    assert human.startswith("scrypt$") and not is_fast(human)
    assert verify_password(human, "a person's password")
    assert not verify_password("hmac-sha256$broken", password)


def test_an_old_scrypt_hash_of_a_generated_password_is_upgraded_once() -> None:
    password = generated_password()
    old = scrypt_hash(password)
    assert verify_password(old, password)
    new = upgraded(old, password)
    assert new is not None and is_fast(new) and verify_password(new, password)
    assert upgraded(new, password) is None  # already fast
    assert upgraded(scrypt_hash("a person's password"), "a person's password") is None
    assert upgraded(None, password) is None


async def _connects(csms: Csms, identity: str, password: str) -> int:
    """The HTTP status of the handshake (101 when it opened), closing what opened."""
    mini = MiniStation(csms.ocpp_url, identity, password)
    try:
        await mini.client.connect()
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    await mini.close()
    return 101


async def test_a_restarted_csms_checks_generated_passwords_without_scrypt(
    tmp_path: Path,
) -> None:
    database = str(tmp_path / "csms.sqlite3")
    generated, chosen = generated_password(), "a person's password"
    async with Csms(csms_config(database)) as csms:
        csms.store.add_station("GEN", password=generated)
        csms.store.add_station("OLD")
        csms.store.db.execute(  # stored before the fast kind existed
            "UPDATE stations SET password_hash = ? WHERE id = 'OLD'", (scrypt_hash(generated),)
        )
        csms.store.add_station("HUMAN", password=chosen)
    async with Csms(csms_config(database)) as csms:  # restarted: nothing verified in memory
        assert await _connects(csms, "GEN", generated) == 101
        assert csms.slow_checks == 0
        assert await _connects(csms, "OLD", generated) == 101
        assert csms.slow_checks == 1  # its scrypt hash, once: now upgraded
        assert is_fast(csms.store.password_hash("OLD"))
        assert await _connects(csms, "HUMAN", chosen) == 101
        assert csms.slow_checks == 2
        assert csms.store.password_hash("HUMAN").startswith("scrypt$")  # type: ignore[union-attr]
    async with Csms(csms_config(database)) as csms:  # again: the upgraded one is fast now
        assert await _connects(csms, "OLD", generated) == 101
        assert await _connects(csms, "GEN", generated) == 101
        assert csms.slow_checks == 0


async def test_a_wrong_password_costs_the_dummy_scrypt_like_an_unknown_identity(
    csms: Csms,
) -> None:
    # Refused as slowly as an unknown identity (one scrypt each), so the timing does not tell
    # that this identity is registered with a generated password.
    csms.store.add_station("GEN", password=generated_password())
    assert await _connects(csms, "GEN", generated_password()) == 401
    assert csms.slow_checks == 1
    assert await _connects(csms, "GHOST", generated_password()) == 401
    assert csms.slow_checks == 2


async def test_a_password_changed_during_the_upgrade_is_kept(csms: Csms) -> None:
    password = generated_password()
    csms.store.add_station("CS1", password="first")
    old = csms.store.password_hash("CS1")
    assert old is not None
    csms.store.update_station("CS1", password=password)  # changed meanwhile
    current = csms.store.password_hash("CS1")
    assert not csms.store.replace_password_hash("CS1", old, hash_password(password))
    assert csms.store.password_hash("CS1") == current


async def test_the_operator_api_generates_a_password_and_shows_it_once(
    csms: Csms, api: OperatorClient
) -> None:
    status, created = await api.request(
        "POST", "/api/stations", {"id": "CS1", "generate_password": True}
    )
    assert status == 201 and created["has_password"] is True
    password = created["password"]
    assert is_generated(password) and is_fast(csms.store.password_hash("CS1"))
    status, shown = await api.request("GET", "/api/stations/CS1")
    assert status == 200 and "password" not in shown
    assert await _connects(csms, "CS1", password) == 101
    assert csms.slow_checks == 0
    status, rekeyed = await api.request("PATCH", "/api/stations/CS1", {"generate_password": True})
    assert status == 200 and rekeyed["password"] != password
    assert await _connects(csms, "CS1", password) == 401  # the old one no longer works
    assert await _connects(csms, "CS1", rekeyed["password"]) == 101
    status, refused = await api.request(
        "POST", "/api/stations", {"id": "CS2", "password": "pw", "generate_password": True}
    )
    assert status == 400 and "not both" in str(refused)
