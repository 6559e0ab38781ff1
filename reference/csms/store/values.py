"""Helpers every part of the CSMS store shares: timestamps, JSON text, numbers from the wire.

Numbers from meters are decimals (`Decimal`), exactly as sent: a JSON number parsed with
`json.loads(text, parse_float=Decimal)` keeps its digits (`2935.600`), a float (what the
runtime's pydantic models hold) becomes the decimal its shortest repr writes (`2935.6`: the
number the station sent, never the binary expansion of the double), and unit multipliers move
the decimal point. They are stored as decimal text.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_LISTED_GAPS",
    "decimal_text",
    "exact",
    "gap_ranges",
    "larger",
    "listed_gaps",
    "missing_numbers",
    "now",
    "scaled",
    "to_json",
]

MAX_LISTED_GAPS = 100

_PLAIN_DIGITS = 30
"""Decimals within 10^-30..10^30 are written without exponent (`1500`, not `1.5E+3`)."""


def now() -> str:
    """The current UTC time as OCPP writes it (RFC 3339, milliseconds, `Z`)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@functools.lru_cache(maxsize=4096)  # an event and its meter values share their time
def sortable_time(text: str) -> str:
    """A station's RFC 3339 date-time as UTC with exactly 3 fractional digits and `Z`, so that
    text order is time order in both engines. As written on the wire, `12:00:00Z` sorts after
    `12:00:00.500Z` ('Z' > '.') and offsets other than Z do not sort at all. A time without
    an offset (never valid on the wire) is taken as UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


_ENCODE = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=_refuse).encode
"""json.dumps with these options, without making an encoder per call."""


def to_json(value: Any) -> str:
    """Compact, key-sorted JSON text: how payloads and lists are stored in TEXT columns.
    Decimals are written as the JSON numbers they are, digit for digit."""
    try:  # the C encoder: payloads from the runtime's models hold floats, never Decimals
        return _ENCODE(value)
    except TypeError:
        return _json_with_decimals(value)


def _json_with_decimals(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return str(value)
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{json.dumps(k)}:{_json_with_decimals(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_with_decimals(item) for item in value) + "]"
    return json.dumps(value)


def exact(value: Decimal | float) -> Decimal:
    """A number from a payload as a decimal: a Decimal as it is, an int exactly, a float as
    its shortest repr (the digits that round-trip to it, i.e. what was sent)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value))


def scaled(value: Decimal | float, multiplier: int) -> Decimal | None:
    """value x 10^multiplier exactly (the decimal point moved), or None when that is not a
    finite double's magnitude (as before decimals: such a reading is no reading).

    The multiplier is any 32-bit integer on the wire: the exponent is added to, never a power
    computed (`10 ** multiplier` on ints would have two billion digits and stall the CSMS).
    (The event log keeps the sample as sent either way.)
    """
    if not multiplier and type(value) is float:  # the runtime's models: finite floats
        return Decimal(repr(value)) if math.isfinite(value) else None
    number = exact(value)
    if not number.is_finite():
        return None
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    result = Decimal((sign, digits, exponent + multiplier))
    return result if math.isfinite(float(result)) else None


def decimal_text(value: Decimal) -> str:
    """How a decimal is stored: its digits as sent, without exponent where that stays short
    (`1500` for 1.5 kWh in Wh, `2935.600` as it came)."""
    text = str(value)
    if "E" not in text:  # str wrote it without exponent: as format(value, "f") does
        return text
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= -_PLAIN_DIGITS and value.adjusted() <= _PLAIN_DIGITS:
        return format(value, "f")
    return str(value)


def larger(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """The larger of two readings (None: no reading). Equal values written differently
    (`1500` / `1500.0`) are ordered by `compare_total`, so the winner never depends on the
    order the readings arrived in."""
    if a is None:
        return b
    if b is None:
        return a
    return b if a.compare_total(b) < 0 else a


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


def gap_ranges(seen: Iterable[int]) -> list[tuple[int, int]]:
    """The ranges (first, last) of numbers 0..max(seen) not in `seen`: how a transaction's
    missing seqNos are kept (a range per gap, however long)."""
    ranges: list[tuple[int, int]] = []
    expected = 0
    for number in sorted({n for n in seen if n >= 0}):
        if number > expected:
            ranges.append((expected, number - 1))
        expected = number + 1
    return ranges


def listed_gaps(ranges: Iterable[tuple[int, int]]) -> list[int]:
    """The first MAX_LISTED_GAPS numbers of the ranges (in order), as `missing_numbers` lists."""
    missing: list[int] = []
    for first, last in ranges:
        missing.extend(range(first, min(last, first + MAX_LISTED_GAPS - len(missing) - 1) + 1))
        if len(missing) >= MAX_LISTED_GAPS:
            break
    return missing
