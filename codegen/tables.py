"""Our own tables (spec/<version>/messages.csv and usecases.csv), checked against the schemas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from ocppgen.codegen import naming
from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.ir import Action, UseCase
from ocppgen.codegen.load import Table

MESSAGE_COLUMNS = ("action", "initiator", "message_type", "functional_block", "use_cases")
USECASE_COLUMNS = ("id", "name", "functional_block", "initiator", "core", "core_choice", "messages")
_INITIATORS: Mapping[str, tuple[str, ...]] = {
    "ChargingStation": ("ChargingStation",),
    "CSMS": ("CSMS",),
    "Both": ("CSMS", "ChargingStation"),
}


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


def _header_ok(table: Table, columns: tuple[str, ...], diags: Diagnostics) -> bool:
    if table.header != columns:
        diags.error(
            table.path,
            "row 1",
            f"header must be {','.join(columns)}, found {','.join(table.header)}",
        )
        return False
    return True


def build_actions(
    table: Table,
    schema_files: Mapping[str, Mapping[str, str]],
    broken: set[str],
    diags: Diagnostics,
) -> list[Action]:
    """One Action per table row; `schema_files` maps action -> {"request"|"response": file}.

    Rows of `broken` actions (a schema of theirs failed and was reported) are skipped quietly.
    """
    if not _header_ok(table, MESSAGE_COLUMNS, diags):
        return []
    seen: dict[str, int] = {}
    actions: list[Action] = []
    for number, row in enumerate(table.rows, start=2):
        where = f"row {number}"
        name = row["action"].strip()
        if name in seen:
            diags.error(
                table.path, where, f"duplicate row for action {name!r} (first in row {seen[name]})"
            )
            continue
        seen[name] = number
        if name in broken:
            continue
        files = schema_files.get(name)
        if files is None:
            diags.error(
                table.path, where, f"unknown action {name!r}: no {name} schema in this version"
            )
            continue
        initiators = _INITIATORS.get(row["initiator"].strip())
        if initiators is None:
            diags.error(
                table.path,
                where,
                f"initiator must be ChargingStation, CSMS or Both, not {row['initiator']!r}",
            )
            continue
        kind = row["message_type"].strip()
        if kind not in ("CALL", "SEND"):
            diags.error(table.path, where, f"message_type must be CALL or SEND, not {kind!r}")
            continue
        message_type: Literal["CALL", "SEND"] = "CALL" if kind == "CALL" else "SEND"
        if "request" not in files:
            diags.error(table.path, where, f"action {name!r} has no request schema")
            continue
        if message_type == "CALL" and "response" not in files:
            diags.error(table.path, where, f"CALL action {name!r} has no response schema")
            continue
        if message_type == "SEND" and "response" in files:
            diags.error(
                table.path,
                where,
                f"SEND action {name!r} must not have a response schema ({files['response']})",
            )
            continue
        block = row["functional_block"].strip()
        if not block:
            diags.error(table.path, where, f"action {name!r} has no functional_block")
        actions.append(
            Action(
                name=name,
                request=naming.message_class(name, "request", message_type == "SEND"),
                response=naming.message_class(name, "response") if "response" in files else None,
                initiators=initiators,
                message_type=message_type,
                functional_block=block,
                use_cases=_split(row["use_cases"]),
            )
        )
    for name in sorted(schema_files.keys() - seen.keys()):
        some_file = sorted(schema_files[name].values())[0]
        diags.error(table.path, "", f"missing row for action {name!r} (schema {some_file})")
    return actions


def build_use_cases(table: Table, actions: set[str], diags: Diagnostics) -> list[UseCase]:
    if not _header_ok(table, USECASE_COLUMNS, diags):
        return []
    seen: dict[str, int] = {}
    use_cases: list[UseCase] = []
    for number, row in enumerate(table.rows, start=2):
        where = f"row {number}"
        ident = row["id"].strip()
        if not ident:
            diags.error(table.path, where, "use case without id")
            continue
        if ident in seen:
            diags.error(
                table.path, where, f"duplicate use case {ident!r} (first in row {seen[ident]})"
            )
            continue
        seen[ident] = number
        messages = _split(row["messages"])
        for message in messages:
            if message not in actions:
                diags.error(table.path, where, f"use case {ident} names unknown action {message!r}")
        core = row["core"].strip()
        if core not in ("yes", "no"):
            diags.error(table.path, where, f"core must be yes or no, not {core!r}")
        use_cases.append(
            UseCase(
                id=ident,
                name=row["name"].strip(),
                functional_block=row["functional_block"].strip(),
                initiator=row["initiator"].strip(),
                core=core == "yes",
                core_choice=row["core_choice"].strip(),
                messages=messages,
            )
        )
    return use_cases
