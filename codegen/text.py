"""Schema descriptions as plain text, and plain text wrapped for docstrings.

The OCPP 2.x schema descriptions are AsciiDoc fragments, HTML-escaped: cross references
(`&lt;&lt;configkey-currency,Currency&gt;&gt;`), hard line breaks (` +` at a line's end),
*bold*, _italic_ and `monospace` text, `* ` list items, `image::` block macros and `\\|` (a pipe
escaped for a table cell). `plain_text` renders them as a reader of the specification sees
them; everything else stays verbatim, line breaks included (the 2.0.1 descriptions put a data
dictionary name, an URN and the definition on lines of their own).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# <<id,text>> or <<id>> (after the HTML entities are decoded).
_XREF = re.compile(r"<<([^<>,\n]+?)(?:,([^<>\n]*))?>>")
# Id prefixes of the specification's anchors: common datatypes, references, configuration keys.
_XREF_PREFIXES = ("cmn_", "ref-", "configkey-")
_IMAGE = re.compile(r"^image::\S*\[[^\]\n]*\]$")
_HARD_BREAK = re.compile(r"[ \t]+\+$")
# Constrained AsciiDoc quotes: the marks hug the text and are not inside a word
# (`AC_ Charging_ Parameters` and `BPT_AC/DC_CPDReq` are names, not italics).
_BOLD = re.compile(r"(?<![\w*\\])\*(?=\S)(.*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w\\])_(?=\S)(.*?\S)_(?!\w)")
_MONOSPACE = re.compile(r"`([^`\n]+)`")
_LIST_ITEM = re.compile(r"^\*+ ")
_SPACES = re.compile(r"[ \t]+")


def plain_text(description: str, names: Iterable[str] = ()) -> str:
    """An AsciiDoc schema description as plain text: `&lt;&lt;ref-RFC5646,[RFC5646]&gt;&gt;` ->
    `RFC5646`; `<<cmn_derunitenumtype>>` -> the one of `names` it points to (`DERUnitEnumType`);
    `*(2.1)* Required. +` -> `(2.1) Required.`; `_chargingRateUnit_ = \\`W\\`` ->
    `chargingRateUnit = W`; `* item` -> `- item`; figures dropped; runs of blanks made one."""
    text = html.unescape(description.replace("\r\n", "\n").replace("\r", "\n"))
    by_lower = {name.lower(): name for name in names}
    text = _XREF.sub(lambda m: _xref_text(m.group(1), m.group(2), by_lower), text)
    lines = [_plain_line(line) for line in text.split("\n") if not _IMAGE.match(line.strip())]
    return _tidy_blank_lines(lines)


def _xref_text(target: str, label: str | None, by_lower: dict[str, str]) -> str:
    if label is not None and label.strip():
        label = label.strip()
        # `<<ref-RFC5646,[RFC5646]>>`: the brackets only mark a bibliography entry
        return label[1:-1] if label.startswith("[") and label.endswith("]") else label
    ident = target.strip()
    for prefix in _XREF_PREFIXES:
        ident = ident.removeprefix(prefix)
    return by_lower.get(ident.lower(), ident)


def _plain_line(line: str) -> str:
    line = _SPACES.sub(" ", _HARD_BREAK.sub("", line.rstrip())).strip()
    if line == "+":  # a list continuation on its own line
        return ""
    line = _LIST_ITEM.sub("- ", line)
    line = _BOLD.sub(r"\1", line)
    line = _ITALIC.sub(r"\1", line)
    line = _MONOSPACE.sub(r"\1", line)
    return line.replace("\\|", "|")


def _tidy_blank_lines(lines: list[str]) -> str:
    """No blank lines at either end, never two in a row (a dropped figure leaves a gap)."""
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


def wrap(text: str, width: int, first_width: int | None = None) -> list[str]:
    """`text` as lines of at most `width` characters (the first at most `first_width`): every
    line of `text` is wrapped on its own, so paragraphs and line breaks stay where they are; a
    `- ` list item continues under its text. A word longer than the width stays whole."""
    out: list[str] = []
    for line in text.split("\n"):
        room = width if out or first_width is None else first_width
        out.extend(_fill(line, room, width))
    return out


def _fill(line: str, first_width: int, width: int) -> list[str]:
    """One line, greedily filled; its leading blanks kept on the first line."""
    if len(line) <= first_width:
        return [line]
    lead = line[: len(line) - len(line.lstrip())]
    indent = lead + ("  " if line.lstrip().startswith("- ") else "")
    words: list[str] = []
    for word in line.split():
        if word == "-" and words:  # `0 - 100` must not wrap into a line that reads as a list item
            words[-1] += " -"
        else:
            words.append(word)
    lines: list[str] = []
    current = lead + words[0]
    for word in words[1:]:
        limit = width if lines else first_width
        if len(current) + 1 + len(word) <= limit:
            current += " " + word
        else:
            lines.append(current)
            current = indent + word
    lines.append(current)
    return lines
