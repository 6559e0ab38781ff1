"""The reference CSMS's Basic auth handshake (issue 13, item 15): registered and unregistered
identities get the same answer after the same scrypt time, and failed passwords are limited."""

from __future__ import annotations

import time
from pathlib import Path

from websockets.typing import Subprotocol

from ocppgen.reference.csms.app import Csms
from ocppgen.runtime.security import AuthLimits
from tests.reference.csms.conftest import csms_config
from tests.runtime.test_server_auth import handshake_status

V201 = [Subprotocol("ocpp2.0.1")]


async def attempt(csms: Csms, identity: str, password: str, source: str = "127.0.0.1") -> int:
    """The handshake's HTTP status (101: connected, then closed again)."""
    return await handshake_status(csms.server, identity, password, source)


async def timed_attempts(csms: Csms, identity: str, count: int) -> tuple[set[int], float]:
    """The statuses of `count` wrong-password attempts and the fastest one's seconds."""
    statuses: set[int] = set()
    fastest = float("inf")
    for n in range(count):
        start = time.perf_counter()
        statuses.add(await attempt(csms, identity, f"wrong-{n}"))
        fastest = min(fastest, time.perf_counter() - start)
    return statuses, fastest


async def test_unregistered_identity_gets_the_same_401_after_the_same_work(
    tmp_path: Path,
) -> None:
    async with Csms(csms_config(str(tmp_path / "csms.sqlite3"))) as csms:
        csms.store.add_station("CS1", password="right-password-0123")
        known, known_time = await timed_attempts(csms, "CS1", 3)
        unknown, unknown_time = await timed_attempts(csms, "GHOST", 3)
        assert known == unknown == {401}
        # Both run one scrypt (tens of ms); a lookup alone would take well under 1 ms. The
        # fastest of each, so that a busy machine slowing some attempts does not decide.
        assert unknown_time > 0.4 * known_time, (unknown_time, known_time)
        assert await attempt(csms, "CS1", "right-password-0123") == 101


async def test_failed_passwords_lock_a_station_and_not_the_others(tmp_path: Path) -> None:
    config = csms_config(str(tmp_path / "csms.sqlite3"))
    config.auth_limits = AuthLimits(identity_burst=2, identity_refill=300.0)
    async with Csms(config) as csms:
        csms.store.add_station("CS1", password="cs1-password-0123")
        csms.store.add_station("CS2", password="cs2-password-0123")
        assert [await attempt(csms, "CS1", "guess") for _ in range(2)] == [401, 401]
        assert await attempt(csms, "CS1", "cs1-password-0123") == 429  # locked, not checked
        assert await attempt(csms, "CS2", "cs2-password-0123", "127.0.0.2") == 101
        assert await attempt(csms, "GHOST", "guess") == 401  # unknown ones are limited alike
        assert await attempt(csms, "GHOST", "guess") == 401
        assert await attempt(csms, "GHOST", "guess") == 429


async def test_a_reconnect_skips_scrypt_until_the_password_changes(tmp_path: Path) -> None:
    async with Csms(csms_config(str(tmp_path / "csms.sqlite3"))) as csms:
        csms.store.add_station("CS1", password="first-password-0123")
        assert await attempt(csms, "CS1", "first-password-0123") == 101  # scrypt, remembered
        assert await attempt(csms, "CS1", "first-password-0123") == 101
        assert csms.verified.hits == 1
        assert await attempt(csms, "CS1", "wrong-password-0123") == 401
        csms.store.update_station("CS1", password="second-password-0123")  # what the API calls
        assert await attempt(csms, "CS1", "first-password-0123") == 401
        assert await attempt(csms, "CS1", "second-password-0123") == 101
        assert await attempt(csms, "CS1", "second-password-0123") == 101
        assert csms.verified.hits == 2
        csms.store.delete_station("CS1")
        assert await attempt(csms, "CS1", "second-password-0123") == 401
