"""The verified-credential cache in front of a slow password hash (issue 15 item 4): a password
that verified once costs an HMAC next time; a wrong one never gets in; a changed stored
credential misses by itself; the cache is bounded and holds no password."""

from __future__ import annotations

import pytest

from ocppgen.runtime.security import CachedBasicAuth, VerifiedCredentials

PASSWORD = "Zx8-kQ2m_Lr5vT9wYb3n"


class SlowBook:
    """Stored credentials by identity, and a 'slow' verification that counts its calls."""

    def __init__(self) -> None:
        self.stored: dict[str, str] = {"CS1": "hash-1", "CS2": "hash-2"}
        self.passwords: dict[str, str] = {"hash-1": PASSWORD, "hash-2": "other-password-0123"}
        self.slow_checks: list[str | None] = []

    async def lookup(self, identity: str) -> str | None:
        return self.stored.get(identity)

    async def verify(self, stored: str | None, password: str) -> bool:
        self.slow_checks.append(stored)
        return stored is not None and self.passwords.get(stored) == password


def cached(book: SlowBook, cache: VerifiedCredentials | None = None) -> CachedBasicAuth:
    return CachedBasicAuth(book.lookup, book.verify, cache)


async def test_a_verified_password_is_checked_slowly_once() -> None:
    book = SlowBook()
    check = cached(book)
    assert [await check("CS1", PASSWORD) for _ in range(3)] == [True, True, True]
    assert book.slow_checks == ["hash-1"]
    assert (check.cache.hits, len(check.cache)) == (2, 1)


async def test_a_wrong_password_never_enters_and_is_always_checked_slowly() -> None:
    book = SlowBook()
    check = cached(book)
    assert await check("CS1", "wrong-password-01234") is False
    assert len(check.cache) == 0
    assert await check("CS1", PASSWORD) is True
    assert await check("CS1", "wrong-password-01234") is False  # a miss, then the slow check
    assert await check("CS1", PASSWORD + "x") is False
    assert book.slow_checks == ["hash-1"] * 4
    assert check.cache.hits == 0


async def test_a_changed_or_deleted_credential_misses_by_itself() -> None:
    book = SlowBook()
    check = cached(book)
    assert await check("CS1", PASSWORD) is True
    book.stored["CS1"] = "hash-1b"  # a new password: a new salted hash
    book.passwords["hash-1b"] = "new-password-456789"
    assert await check("CS1", PASSWORD) is False
    assert await check("CS1", "new-password-456789") is True
    assert await check("CS1", "new-password-456789") is True
    assert book.slow_checks == ["hash-1", "hash-1b", "hash-1b"]
    del book.stored["CS1"]
    assert await check("CS1", "new-password-456789") is False
    assert book.slow_checks[-1] is None  # the dummy's time, as for any unknown identity


async def test_an_identity_does_not_get_in_with_anothers_entry() -> None:
    book = SlowBook()
    book.stored["CS3"] = "hash-1"  # even with the same stored value and password
    check = cached(book)
    assert await check("CS1", PASSWORD) is True
    assert check.cache.verified("CS3", "hash-1", PASSWORD) is False


def test_bounded_least_recently_verified_first() -> None:
    cache = VerifiedCredentials(max_entries=2)
    cache.remember("CS1", "h1", "p1")
    cache.remember("CS2", "h2", "p2")
    assert cache.verified("CS1", "h1", "p1")  # CS1 is now the most recently used
    cache.remember("CS3", "h3", "p3")
    assert len(cache) == 2
    assert not cache.verified("CS2", "h2", "p2")
    assert cache.verified("CS1", "h1", "p1") and cache.verified("CS3", "h3", "p3")
    cache.forget("CS1")
    assert not cache.verified("CS1", "h1", "p1")
    with pytest.raises(ValueError):
        VerifiedCredentials(max_entries=0)


def test_entries_hold_no_password_and_depend_on_a_per_process_key() -> None:
    first, second = VerifiedCredentials(), VerifiedCredentials()
    for cache in (first, second):
        cache.remember("CS1", "hash-1", PASSWORD)
    (digest,) = first._entries.values()
    assert len(digest) == 32 and PASSWORD.encode() not in digest
    assert digest != next(iter(second._entries.values()))  # another key, another digest
    # the parts are length-prefixed: moving characters between them changes the digest
    assert not first.verified("CS1", "hash-1" + PASSWORD[:1], PASSWORD[1:])
