"""Helpers every part of the CSMS store shares: timestamps, JSON text, numbers from the wire."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

__all__ = ["MAX_LISTED_GAPS", "missing_numbers", "now", "scaled", "to_json"]

MAX_LISTED_GAPS = 100


def now() -> str:
    """The current UTC time as OCPP writes it (RFC 3339, milliseconds, `Z`)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_json(value: Any) -> str:
    """Compact, key-sorted JSON text: how payloads and lists are stored in TEXT columns."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def scaled(value: float, multiplier: int) -> float | None:
    """value x 10^multiplier, or None when that is not a finite double.

    The multiplier is any 32-bit integer on the wire: `10 ** multiplier` on Python ints would
    compute a number with two billion digits and stall the CSMS; float powers overflow at once.
    (The event log keeps the sample as sent either way.)
    """
    try:
        result = float(value) * 10.0**multiplier
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def missing_numbers(seen: Iterable[int], end: int) -> list[int]:
    """The numbers 0..end that are not in `seen`, at most MAX_LISTED_GAPS of them.

    Walks the gaps between the numbers seen instead of building 0..end: a station may send any
    32-bit seqNo, and a set of two billion numbers would stall the CSMS.
    """
    missing: list[int] = []
    expected = 0
    for number in [*sorted({n for n in seen if 0 <= n <= end}), end + 1]:
        while expected < number and len(missing) < MAX_LISTED_GAPS:
            missing.append(expected)
            expected += 1
        expected = number + 1
    return missing
