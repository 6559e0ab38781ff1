"""The fold state of recently written transaction rows, kept in memory so that the next event of
a transaction needs no read of its row (`TransactionStore.add_transaction_event`).

An entry is only a guess of what the row holds: the store writes the next fold only where the
row's `fold_state` column is still the text the entry was made with (`UPDATE ... WHERE
fold_state = ?`), and otherwise reads the row and folds again. So a row changed behind the
cache (a rebuild, a rolled-back batch, a station deleted with its transactions) costs one
retry, never a wrong summary. Bounded: least recently written entries go first; a transaction's
entry goes when its Ended event is folded (late events are rare and read the row).
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from ocppgen.reference.csms.store.summary import FoldState

__all__ = ["CACHED_TRANSACTIONS", "FoldCache", "Folded"]

CACHED_TRANSACTIONS: Final = 10_000
"""Ongoing transactions whose fold state stays in memory (~2 KiB each): one per station of a
fleet of 10,000 charging at once."""

Key = tuple[str, str]


class Folded(NamedTuple):
    """A row as last written: its fold state (never changed in place), the `fold_state` text
    written for it, its listed seqNo gaps and its other columns as stored (so that the next
    write sets only the columns that change)."""

    state: FoldState
    text: str
    missing: list[int]
    columns: dict[str, Any]


class FoldCache:
    """(station id, transaction id) -> `Folded`, least recently written first."""

    def __init__(self, size: int = CACHED_TRANSACTIONS) -> None:
        self.size = size
        self._rows: dict[Key, Folded] = {}

    def take(self, key: Key) -> Folded | None:
        """The entry, removed: `put` it back once the row is written (a write that fails
        leaves the transaction uncached)."""
        return self._rows.pop(key, None)

    def put(self, key: Key, folded: Folded) -> None:
        self._rows[key] = folded
        if len(self._rows) > self.size:
            del self._rows[next(iter(self._rows))]

    def forget(self, key: Key | None = None) -> None:
        """Drop one entry, or all of them."""
        if key is None:
            self._rows.clear()
        else:
            self._rows.pop(key, None)

    def __len__(self) -> int:
        return len(self._rows)
