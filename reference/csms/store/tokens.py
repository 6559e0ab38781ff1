"""The idTokens the CSMS authorizes, with their status (table `tokens`)."""

from __future__ import annotations

from typing import Any, Final

from ocppgen.reference.csms.db import Database

__all__ = ["TOKEN_STATUSES", "TokenStore"]

TOKEN_STATUSES: Final = (
    "Accepted",
    "Blocked",
    "Expired",
    "Invalid",
    "NoCredit",
    "NotAllowedTypeEVSE",
    "NotAtThisLocation",
    "NotAtThisTime",
    "Unknown",
)
"""AuthorizationStatusEnumType values a stored token may have. Not ConcurrentTx: that is how
the token is being used, which the CSMS answers only to a TransactionEvent Started (Part 2,
AuthorizationStatusEnumType); stored on a token it would be answered to every Authorize."""

_TOKEN_COLUMNS = "id_token, type, status, group_id, expires_at"


class TokenStore:
    """Tokens on one database, keyed by (idToken, type)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put_token(
        self,
        id_token: str,
        token_type: str,
        status: str,
        *,
        group_id: str | None = None,
        expires_at: str | None = None,
    ) -> dict[str, Any]:
        """Add the token or replace what is stored about it. ValueError for a bad status."""
        if status not in TOKEN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(TOKEN_STATUSES)}")
        self.db.execute(
            f"INSERT INTO tokens ({_TOKEN_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id_token, type) DO UPDATE SET "
            "status = excluded.status, group_id = excluded.group_id, "
            "expires_at = excluded.expires_at",
            (id_token, token_type, status, group_id, expires_at),
        )
        token = self.token(id_token, token_type)
        assert token is not None
        return token

    def token(self, id_token: str, token_type: str) -> dict[str, Any] | None:
        rows = self.db.query(
            f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE id_token = ? AND type = ?",
            (id_token, token_type),
        )
        return rows[0] if rows else None

    def tokens(self) -> list[dict[str, Any]]:
        return self.db.query(f"SELECT {_TOKEN_COLUMNS} FROM tokens ORDER BY type, id_token")

    def delete_token(self, id_token: str, token_type: str) -> bool:
        deleted = self.db.execute(
            "DELETE FROM tokens WHERE id_token = ? AND type = ?", (id_token, token_type)
        )
        return deleted > 0
