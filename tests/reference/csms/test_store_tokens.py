"""TokenStore alone (issue 14 item 1): tokens by (idToken, type) and their status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocppgen.reference.csms.store.tokens import TOKEN_STATUSES, TokenStore
from tests.reference.csms.store_parts import BACKENDS, database_url, migrated


@pytest.fixture(params=BACKENDS)
def tokens(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TokenStore]:
    with migrated(database_url(request, tmp_path)) as db:
        yield TokenStore(db)


def test_put_replaces_and_the_type_is_part_of_the_key(tokens: TokenStore) -> None:
    tokens.put_token("T1", "ISO14443", "Accepted", group_id="G", expires_at="2030-01-01T00:00Z")
    replaced = tokens.put_token("T1", "ISO14443", "Blocked")
    assert replaced == {
        "id_token": "T1",
        "type": "ISO14443",
        "status": "Blocked",
        "group_id": None,
        "expires_at": None,
    }
    tokens.put_token("T1", "Central", "Accepted")
    assert [(t["type"], t["status"]) for t in tokens.tokens()] == [
        ("Central", "Accepted"),
        ("ISO14443", "Blocked"),
    ]
    assert tokens.token("T1", "eMAID") is None


def test_a_status_outside_the_enumeration_is_refused(tokens: TokenStore) -> None:
    assert "NoCredit" in TOKEN_STATUSES
    for status in ("Fine", "ConcurrentTx"):  # ConcurrentTx: the CSMS's answer, not a token's
        with pytest.raises(ValueError, match="status must be one of"):
            tokens.put_token("T1", "ISO14443", status)
    assert tokens.tokens() == []


def test_delete(tokens: TokenStore) -> None:
    tokens.put_token("T1", "ISO14443", "Accepted")
    assert tokens.delete_token("T1", "ISO14443")
    assert not tokens.delete_token("T1", "ISO14443")
    assert tokens.token("T1", "ISO14443") is None
