"""Schema descriptions as plain text, wrapped docstrings, and no alias that repeats a field name:
over real descriptions of the OCPP 2.0.1 and 2.1 schemas (CRLF and entities as in the files)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ocppgen.codegen.ir import Field, StringType
from ocppgen.codegen.render import annotation
from ocppgen.codegen.templating import LINE_LENGTH, docstring
from ocppgen.codegen.text import plain_text, wrap

GENERATED = Path(__file__).resolve().parents[2] / "generated"


@pytest.mark.parametrize(
    ("description", "text"),
    [
        (  # v201 MessageContentType.language: a bibliography reference
            "Message language identifier. Contains a language code as defined in "
            "&lt;&lt;ref-RFC5646,[RFC5646]&gt;&gt;.\r\n",
            "Message language identifier. Contains a language code as defined in RFC5646.",
        ),
        (  # v201 ClearChargingProfileType.chargingProfileId: a configuration key
            "List of all the chargingProfileIds clear. This field SHALL NOT contain more ids than "
            "set in &lt;&lt;configkey-charging-profile-entries,ChargingProfileEntries.maxLimit"
            "&gt;&gt;\r\n\r\n",
            "List of all the chargingProfileIds clear. This field SHALL NOT contain more ids than "
            "set in ChargingProfileEntries.maxLimit",
        ),
        (  # v21 CostDetailsType.totalCost: a blank before the text, monospace inside
            "In the currency configured with the configuration Variable: "
            "[&lt;&lt;configkey-currency, Currency&gt;&gt;]\r\n\r\n",
            "In the currency configured with the configuration Variable: [Currency]",
        ),
        (
            "Configuration Variable: &lt;&lt;configkey-currency,`Currency`&gt;&gt;. When omitted",
            "Configuration Variable: Currency. When omitted",
        ),
        (  # entities outside cross references
            "This contains a number (&gt;0) designating an EVSE. (charging &amp; idle)",
            "This contains a number (>0) designating an EVSE. (charging & idle)",
        ),
        (  # v21 DERCurvePointsType.y: a bare reference names the definition
            "depending on the  &lt;&lt;cmn_derunitenumtype&gt;&gt; of the curve. If _y_ is power",
            "depending on the DERUnitEnumType of the curve. If y is power",
        ),
        (  # hard line breaks, bold, italics; names with underscores are not italics
            "*(2.1)* Absent during ISO 15118-2 session. +\r\n*ISO 15118-20*: "
            "DER_BPT_AC_CPDReqEnergyTransferModeType: EVMinimumDischargeReactivePower_L3\r\n",
            "(2.1) Absent during ISO 15118-2 session.\n"
            "ISO 15118-20: DER_BPT_AC_CPDReqEnergyTransferModeType: "
            "EVMinimumDischargeReactivePower_L3",
        ),
        (
            "only _startPeriod_, _limit_, _limit_L2_, _limit_L3_ are relevant.",
            "only startPeriod, limit, limit_L2, limit_L3 are relevant.",
        ),
        (  # v201 data dictionary names are not italics
            "AC_ Charging_ Parameters. EV_ Max. Voltage\r\nurn:x-oca:ocpp:uid:1:569214\r\n",
            "AC_ Charging_ Parameters. EV_ Max. Voltage\nurn:x-oca:ocpp:uid:1:569214",
        ),
        (  # a list, indented continuation lines, a tab
            "Allowed values. \r\n\r\n* OptionList: a single value.\r\n\r\n* MemberList: may  be a "
            "set.\r\n    If end time &lt; start time. +\r\n\tMeasure",
            "Allowed values.\n\n- OptionList: a single value.\n\n- MemberList: may be a set.\n"
            "If end time < start time.\nMeasure",
        ),
        (  # a figure (not in the repository) is dropped with its blank lines
            "describing the amount of power.\r\n\r\nimage::images/ChargingProfile-Simple.png[]"
            "\r\n\r\nNext.\r\n\r\n",
            "describing the amount of power.\n\nNext.",
        ),
        (  # a pipe escaped for an AsciiDoc table; an unconstrained asterisk stays
            "Regex: ([0-1][0-9]\\|2[0-3]):[0-5][0-9]\r\namount * 10 ^ amountMultiplier",
            "Regex: ([0-1][0-9]|2[0-3]):[0-5][0-9]\namount * 10 ^ amountMultiplier",
        ),
        ("Plain text stays as it is: 'WriteOnly', a_salesTariff_.", None),
    ],
)
def test_plain_text_renders_asciidoc_as_read(description: str, text: str | None) -> None:
    expected = description if text is None else text
    assert plain_text(description, ["DERUnitEnumType", "IdTokenType"]) == expected


def test_wrap_keeps_line_breaks_and_lines_within_the_width() -> None:
    text = "short\n\n" + " ".join(["word"] * 30) + "\n- item " + " ".join(["more"] * 20)
    lines = wrap(text, 40, first_width=30)
    assert lines[:2] == ["short", ""]
    assert all(len(line) <= 40 for line in lines)
    item = next(i for i, line in enumerate(lines) if line.startswith("- item"))
    assert len(lines) > item + 1
    assert all(line.startswith("  more") for line in lines[item + 1 :])
    assert " ".join(" ".join(lines).split()) == " ".join(text.split())


def test_wrap_never_starts_a_line_with_a_lone_dash() -> None:
    lines = wrap("Percentage of SoC (possible values: 0 - 100)", 39)
    assert lines == ["Percentage of SoC (possible values: 0 -", "100)"]


def test_docstrings_fit_the_line_length_even_after_black() -> None:
    """A one-line body too long for its closing quotes wraps (black would join it back)."""
    body = "x" * (LINE_LENGTH - 4 - 6 + 1)
    rendered = docstring(body, 4)
    assert "\n" in rendered.strip()
    assert docstring("y" * (LINE_LENGTH - 4 - 6), 4) == '"""' + "y" * 90 + '"""'


def test_generated_files_have_no_line_beyond_the_line_length() -> None:
    long = [
        f"{path.relative_to(GENERATED)}:{number}"
        for path in sorted(GENERATED.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > LINE_LENGTH
    ]
    assert long == []


def test_no_asciidoc_or_entities_left_in_generated_docstrings() -> None:
    for path in sorted(GENERATED.glob("*/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                doc = node.value.value
                if isinstance(doc, str):
                    for mark in ("&lt;", "&gt;", "&amp;", "<<", " +\n", "*(2.1)*", "image::"):
                        assert mark not in doc, (path.name, doc)


def test_an_alias_only_where_the_wire_name_differs() -> None:
    same = Field("certificate", "certificate", StringType(max_length=5500), False, "", None)
    other = Field("evseId", "evse_id", StringType(), True, "", None)
    optional = "Annotated[String | None, Field(max_length=5500), NoJsonNull] = None"
    assert annotation(same) == optional
    assert annotation(other) == 'Annotated[String, Field(alias="evseId")]'
    bare = Field("status", "status", StringType(), True, "", None)
    assert annotation(bare) == "String"
    generated = (GENERATED / "v201" / "messages.py").read_text(encoding="utf-8")
    assert 'alias="certificate"' not in generated
    assert 'alias="evseId"' in generated
