"""`ocppgen diff` output: text for people, Markdown for review comments, JSON for tools.

All three carry the same facts in the same order (`Change` order), so a golden file of one
format pins the others' content too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ocppgen.codegen.diff_rules import Change, Kind

# The four verdict groups, in the order they are printed.
_GROUPS: tuple[tuple[str, Callable[[Change], bool]], ...] = (
    ("Breaking for senders and receivers", lambda c: c.sender_breaking and c.receiver_breaking),
    ("Breaking for senders only", lambda c: c.sender_breaking and not c.receiver_breaking),
    ("Breaking for receivers only", lambda c: c.receiver_breaking and not c.sender_breaking),
    ("Compatible", lambda c: not c.breaking),
)


@dataclass(frozen=True)
class Report:
    old: str
    new: str
    old_actions: int
    new_actions: int
    changes: tuple[Change, ...]

    def summary(self) -> dict[str, object]:
        kinds = Counter(c.kind.value for c in self.changes)
        return {
            "actions": {
                "old": self.old_actions,
                "new": self.new_actions,
                "added": kinds[Kind.ACTION_ADDED],
                "removed": kinds[Kind.ACTION_REMOVED],
                "renamed": kinds[Kind.ACTION_RENAMED],
            },
            "changes": len(self.changes),
            "breaking_for_senders": sum(c.sender_breaking for c in self.changes),
            "breaking_for_receivers": sum(c.receiver_breaking for c in self.changes),
            "compatible": sum(not c.breaking for c in self.changes),
            "by_kind": {kind.value: kinds[kind] for kind in Kind if kinds[kind]},
        }


def _headline(report: Report) -> list[str]:
    s = report.summary()
    actions = s["actions"]
    assert isinstance(actions, dict)
    kinds = s["by_kind"]
    assert isinstance(kinds, dict)
    return [
        f"actions: {actions['old']} -> {actions['new']} ({actions['added']} added, "
        f"{actions['removed']} removed, {actions['renamed']} renamed)",
        f"changes: {s['changes']} ({s['breaking_for_senders']} breaking for senders, "
        f"{s['breaking_for_receivers']} breaking for receivers, {s['compatible']} compatible)",
        "by kind: " + ", ".join(f"{kind} {count}" for kind, count in kinds.items()),
    ]


def _where(change: Change) -> str:
    """The messages a change reaches, when its location does not already say it."""
    messages = change.messages
    if messages == (change.location.split("/")[0],):
        return ""
    if len(messages) <= 3:
        return " (in " + ", ".join(messages) + ")"
    return f" (in {len(messages)} messages)"


def render_text(report: Report) -> str:
    lines = [f"ocppgen diff {report.old} -> {report.new}", *("  " + h for h in _headline(report))]
    for title, member in _GROUPS:
        group = [c for c in report.changes if member(c)]
        if group:
            lines += ["", f"{title} ({len(group)}):"]
            lines += [
                f"  {c.location}: {c.kind.value}" + (f" {c.detail}" if c.detail else "") + _where(c)
                for c in group
            ]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: Report) -> str:
    lines = [f"# OCPP {report.old} -> {report.new}", ""]
    lines += [f"- {h}" for h in _headline(report)]
    for title, member in _GROUPS:
        group = [c for c in report.changes if member(c)]
        if not group:
            continue
        lines += ["", f"## {title} ({len(group)})", "", "| Location | Change | Detail | Messages |"]
        lines.append("|---|---|---|---|")
        for c in group:
            messages = ", ".join(c.messages) if len(c.messages) <= 3 else f"{len(c.messages)}"
            lines.append(
                f"| `{_cell(c.location)}` | {c.kind.value} | {_cell(c.detail)} | {messages} |"
            )
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    verdict = {True: "breaking", False: "compatible"}
    document = {
        "old": report.old,
        "new": report.new,
        "summary": report.summary(),
        "changes": [
            {
                "location": c.location,
                "kind": c.kind.value,
                "detail": c.detail,
                "sender": verdict[c.sender_breaking],
                "receiver": verdict[c.receiver_breaking],
                "messages": list(c.messages),
            }
            for c in report.changes
        ],
    }
    return json.dumps(document, indent=2) + "\n"


RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
