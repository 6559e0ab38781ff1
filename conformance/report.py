"""Results of a conformance run and their three renderings: console, JUnit XML, HTML.

A run is a list of `CheckResult`s. Each belongs to a group (a use case such as "B01", or
"framing", or "session") and has a status: pass, warn (a wrong but plausible answer, or
something the spec allows but discourages), fail, or skip (not applicable, not supported, out
of time). A failure carries its counterexample (for property checks the one Hypothesis shrank
to) and the exact frames exchanged while it failed.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO
from xml.etree import ElementTree as ET

from ocppgen.conformance.session import FrameRecord

__all__ = ["CheckResult", "RunReport", "Status", "render_console", "render_html", "render_junit"]


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


_ORDER = {Status.FAIL: 0, Status.WARN: 1, Status.PASS: 2, Status.SKIP: 3}


@dataclass
class CheckResult:
    """One check: e.g. `messages/Authorize/mutations` or `B01/boot-interval`."""

    id: str
    group: str  # use case id, "framing" or "session"
    title: str
    status: Status
    detail: str = ""
    requirement: str = ""  # e.g. "B01.FR.04" or "Part 4 §4.2.3"
    counterexample: str = ""
    frames: list[FrameRecord] = field(default_factory=list)
    examples: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    target: str  # "csms ws://..." or "station on 127.0.0.1:9001"
    version: str
    seed: int
    profile: Sequence[str]
    use_cases: dict[str, str]  # id -> name, in table order
    results: list[CheckResult] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    seconds: float = 0.0

    def counts(self) -> dict[Status, int]:
        counts = dict.fromkeys(Status, 0)
        for result in self.results:
            counts[result.status] += 1
        return counts

    @property
    def failed(self) -> bool:
        return any(r.status is Status.FAIL for r in self.results)

    def group_status(self, group: str) -> Status | None:
        statuses = [r.status for r in self.results if group in _groups(r)]
        return min(statuses, key=_ORDER.__getitem__) if statuses else None

    def groups(self) -> list[tuple[str, str]]:
        """(group, title) for the per-use-case table: use cases, then the other groups."""
        rows = list(self.use_cases.items())
        for result in self.results:
            for group in _groups(result):
                if group not in self.use_cases and group not in (g for g, _ in rows):
                    rows.append((group, _GROUP_TITLES.get(group, group)))
        return rows


_GROUP_TITLES = {
    "framing": "OCPP-J framing faults",
    "session": "behaviour on the connection",
    "messages": "messages outside the profile's use cases",
}


def _groups(result: CheckResult) -> list[str]:
    return result.group.split("+")


def _symbol(status: Status | None) -> str:
    return {
        Status.PASS: "PASS",
        Status.WARN: "WARN",
        Status.FAIL: "FAIL",
        Status.SKIP: "skip",
        None: "-",
    }[status]


def render_console(report: RunReport, out: TextIO, verbose: bool = False) -> None:
    counts = report.counts()
    out.write(f"\nOCPP {report.version} conformance: {report.target}\n")
    out.write(f"seed {report.seed}, profile {', '.join(report.profile)}\n\n")
    groups = report.groups()
    label = "profile" if report.version == "1.6" else "use case"  # 1.6: feature profiles
    width = max([10, *(len(group) for group, _ in groups)])
    out.write(f"{label:<{width}} {'status':<6} {'checks':>6} {'fail':>5} {'warn':>5}  name\n")
    for group, title in groups:
        mine = [r for r in report.results if group in _groups(r)]
        fails = sum(r.status is Status.FAIL for r in mine)
        warns = sum(r.status is Status.WARN for r in mine)
        status = _symbol(report.group_status(group))
        out.write(f"{group:<{width}} {status:<6} {len(mine):>6} {fails:>5} {warns:>5}  {title}\n")
    for result in sorted(report.results, key=lambda r: _ORDER[r.status]):
        if result.status is Status.PASS or (result.status is Status.SKIP and not verbose):
            continue
        out.write(f"\n{_symbol(result.status)} {result.id}: {result.title}")
        out.write(f" [{result.requirement}]\n" if result.requirement else "\n")
        if result.detail:
            out.write(_indent(result.detail, "    ") + "\n")
        if result.counterexample:
            out.write("    counterexample:\n" + _indent(result.counterexample, "      ") + "\n")
        if result.frames and (result.status is Status.FAIL or verbose):
            out.write("    frames:\n")
            for record in result.frames:
                out.write(_indent(_clip(record.render(), 400), "      ") + "\n")
    out.write(
        f"\n{len(report.results)} checks: {counts[Status.PASS]} passed, "
        f"{counts[Status.FAIL]} failed, {counts[Status.WARN]} warnings, "
        f"{counts[Status.SKIP]} skipped in {report.seconds:.1f} s\n"
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def render_junit(report: RunReport) -> str:
    """JUnit XML: one testsuite per group, one testcase per check; warnings pass with a
    `system-out` note (JUnit has no warning state), skips are `<skipped>`."""
    suites = ET.Element("testsuites", name=f"ocppgen conformance {report.version}")
    suites.set("tests", str(len(report.results)))
    suites.set("failures", str(report.counts()[Status.FAIL]))
    suites.set("time", f"{report.seconds:.3f}")
    by_group: dict[str, list[CheckResult]] = {}
    for result in report.results:
        by_group.setdefault(result.group, []).append(result)
    for group, results in by_group.items():
        suite = ET.SubElement(suites, "testsuite", name=group)
        suite.set("tests", str(len(results)))
        suite.set("failures", str(sum(r.status is Status.FAIL for r in results)))
        suite.set("skipped", str(sum(r.status is Status.SKIP for r in results)))
        suite.set("time", f"{sum(r.seconds for r in results):.3f}")
        for result in results:
            case = ET.SubElement(suite, "testcase", classname=group, name=result.id)
            case.set("time", f"{result.seconds:.3f}")
            body = _plain(result)
            if result.status is Status.FAIL:
                failure = ET.SubElement(case, "failure", message=result.title)
                failure.text = body
            elif result.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=result.detail or result.title)
            elif body:
                out = ET.SubElement(case, "system-out")
                out.text = ("WARNING\n" if result.status is Status.WARN else "") + body
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _plain(result: CheckResult) -> str:
    parts = []
    if result.requirement:
        parts.append(f"requirement: {result.requirement}")
    if result.detail:
        parts.append(result.detail)
    if result.counterexample:
        parts.append("counterexample:\n" + result.counterexample)
    if result.frames:
        parts.append("frames:\n" + "\n".join(r.render() for r in result.frames))
    return "\n".join(parts)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;
text-align:left}.pass{background:#dfd}.fail{background:#fcc}.warn{background:#ffd}
.skip{background:#eee}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}
details{margin:.4em 0}summary{cursor:pointer}
"""


def render_html(report: RunReport) -> str:
    """A self-contained HTML page: summary, per-use-case table, every non-passing check with
    its counterexample and frames, then the list of all checks."""
    e = html.escape
    counts = report.counts()
    rows = []
    for group, title in report.groups():
        status = report.group_status(group)
        cls = status.value if status else ""
        n = sum(group in _groups(r) for r in report.results)
        rows.append(
            f"<tr class='{cls}'><td>{e(group)}</td><td>{e(title)}</td>"
            f"<td>{_symbol(status)}</td><td>{n}</td></tr>"
        )
    details = []
    for result in sorted(report.results, key=lambda r: (_ORDER[r.status], r.id)):
        parts = [f"<p>{e(result.detail)}</p>" if result.detail else ""]
        if result.requirement:
            parts.append(f"<p>requirement: {e(result.requirement)}</p>")
        if result.counterexample:
            parts.append(f"<p>counterexample</p><pre>{e(result.counterexample)}</pre>")
        if result.frames:
            frames = "\n".join(r.render() for r in result.frames)
            parts.append(f"<p>frames</p><pre>{e(frames)}</pre>")
        if result.notes:
            parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in result.notes) + "</ul>")
        opened = " open" if result.status is Status.FAIL else ""
        details.append(
            f"<details class='{result.status.value}'{opened}><summary>"
            f"<b>{_symbol(result.status)}</b> {e(result.id)}: {e(result.title)} "
            f"({result.examples} examples, {result.seconds:.2f} s)</summary>"
            f"{''.join(parts)}</details>"
        )
    summary = (
        f"{len(report.results)} checks: {counts[Status.PASS]} passed, "
        f"{counts[Status.FAIL]} failed, {counts[Status.WARN]} warnings, "
        f"{counts[Status.SKIP]} skipped in {report.seconds:.1f} s"
    )
    meta = json.dumps({"seed": report.seed, "profile": list(report.profile)})
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>OCPP {e(report.version)} conformance</title><style>{_CSS}</style></head><body>"
        f"<h1>OCPP {e(report.version)} conformance</h1><p>{e(report.target)}</p>"
        f"<p>{e(summary)}</p><p><code>{e(meta)}</code></p>"
        "<h2>Per use case</h2><table><tr><th>id</th><th>name</th><th>status</th>"
        f"<th>checks</th></tr>{''.join(rows)}</table>"
        f"<h2>Checks</h2>{''.join(details)}</body></html>\n"
    )


def merge_notes(results: Iterable[CheckResult]) -> list[str]:
    return [note for result in results for note in result.notes]
