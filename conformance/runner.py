"""One conformance run, against a CSMS (we dial it) or a Charging Station (it dials us).

Order: connect (and boot, against a CSMS), the use-case scenarios, the message checks of every
action the SUT must answer in the profile's use cases, the framing faults, the disruptive Reset
last (it reboots the station: B11 in 2.x, Core/reset-soft and -hard in 1.6), then the checks
over the whole connection. Against a CSMS, B02/B03 run after that on connections of their own
(`boot_policies.py`). Everything is bounded by `Options.time_budget`; checks that find no time
left are reported as skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable, Sequence
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from ocppgen.conformance.boot_policies import run_boot_policies
from ocppgen.conformance.checks import Context, Options, message_checks, received_actions
from ocppgen.conformance.dial import connect_error, dial
from ocppgen.conformance.framing import framing_checks
from ocppgen.conformance.report import CheckResult, RunReport, Status
from ocppgen.conformance.session import RawSession, Transcript
from ocppgen.conformance.versions import load, scenario_set
from ocppgen.runtime.actions import Role, VersionSpec

__all__ = [
    "connect_error",
    "profile_use_cases",
    "run_against_csms",
    "run_against_station",
]


def profile_use_cases(use_cases: Any, chosen: Sequence[str]) -> list[Any]:
    """`core` (default): the core use cases of the table; otherwise the ids given."""
    if not chosen or list(chosen) == ["core"]:
        return [u for u in use_cases.values() if u.core]
    if "all" in chosen:
        return list(use_cases.values())
    missing = [c for c in chosen if c not in use_cases]
    if missing:
        raise ValueError(f"unknown use cases: {', '.join(missing)}")
    return [use_cases[c] for c in chosen]


def _groups(version: VersionSpec, sut: Role, chosen: list[Any]) -> dict[str, str]:
    groups: dict[str, list[str]] = {}
    for use_case in chosen:
        for action in use_case.actions:
            spec = version.actions.get(action)
            if spec is not None and spec.received_by(sut):
                groups.setdefault(action, []).append(use_case.id)
    return {action: "+".join(ids) for action, ids in groups.items()}


_TLS_HINT = (
    "; over wss:// a failed TLS handshake looks the same: the station must trust the CA that "
    "signed --cert and, with --ca, present a client certificate signed by that CA"
)


def _report(target: str, version: VersionSpec, options: Options, chosen: list[Any]) -> RunReport:
    return RunReport(
        target=target,
        version=version.name,
        seed=options.seed,
        profile=[u.id for u in chosen],
        use_cases={u.id: u.name for u in chosen},
    )


async def run_against_csms(
    url: str,
    identity: str,
    options: Options,
    *,
    version_name: str = "2.0.1",
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    progress: Callable[[CheckResult], None] = lambda _: None,
) -> RunReport:
    version, use_cases = load(version_name)
    chosen = profile_use_cases(use_cases, options.use_cases)
    scenarios = scenario_set(version.name)
    report = _report(f"CSMS at {url} as {identity}", version, options, chosen)
    transcript = Transcript()
    ctx = Context(
        version, Role.CSMS, options, transcript, asyncio.get_running_loop(), progress=progress
    )
    ctx.deadline = time.monotonic() + options.time_budget
    sessions: list[RawSession] = []

    async def open_session() -> bool:
        try:
            websocket = await dial(
                url,
                identity,
                version,
                password=password,
                ssl_context=ssl_context,
                timeout=options.call_timeout,
            )
        except Exception as exc:
            ctx.add(
                CheckResult(
                    "connect", "session", "connect to the CSMS", Status.FAIL, connect_error(exc)
                )
            )
            return False
        if websocket.subprotocol != version.subprotocol:
            ctx.add(
                CheckResult(
                    "connect/subprotocol",
                    "session",
                    "subprotocol agreed",
                    Status.FAIL,
                    f"got {websocket.subprotocol!r}",
                )
            )
        session = RawSession(
            websocket, version, Role.CHARGING_STATION, transcript, scenarios.station_answer(ctx)
        )
        session.start()
        sessions.append(session)
        ctx.session = session
        return await scenarios.csms_boot(ctx)

    started = time.monotonic()
    try:
        if await open_session():
            await scenarios.csms_scenarios(ctx)
            actions = received_actions(version, Role.CSMS, chosen)
            await message_checks(ctx, actions, _groups(version, Role.CSMS, chosen))
            await framing_checks(ctx, open_session)
            scenarios.session_checks(ctx, sessions)
    finally:
        for session in sessions:
            await session.close()
    report.results = ctx.results
    # B02/B03 boot as other identities (options.pending_id / rejected_id), on their own connections
    await run_boot_policies(
        report,
        url,
        options,
        version=version,
        use_cases=use_cases,
        password=password,
        ssl_context=ssl_context,
        progress=progress,
        deadline=ctx.deadline,
    )
    report.seconds = time.monotonic() - started
    return report


async def run_against_station(
    host: str,
    port: int,
    options: Options,
    *,
    version_name: str = "2.0.1",
    wait: float = 60.0,
    ssl_context: ssl.SSLContext | None = None,
    on_listening: Callable[[int], None] = lambda _: None,
    progress: Callable[[CheckResult], None] = lambda _: None,
) -> RunReport:
    version, use_cases = load(version_name)
    chosen = profile_use_cases(use_cases, options.use_cases)
    scenarios = scenario_set(version.name)
    transcript = Transcript()
    ctx = Context(
        version,
        Role.CHARGING_STATION,
        options,
        transcript,
        asyncio.get_running_loop(),
        progress=progress,
    )
    arrivals: asyncio.Queue[RawSession] = asyncio.Queue()
    sessions: list[RawSession] = []
    identity: list[str] = []

    async def handler(websocket: ServerConnection) -> None:
        assert websocket.request is not None
        identity.append(websocket.request.path.rstrip("/").rsplit("/", 1)[-1])
        session = RawSession(websocket, version, Role.CSMS, transcript, scenarios.csms_answer(ctx))
        session.start()
        sessions.append(session)
        await arrivals.put(session)
        await session.closed.wait()

    server = await serve(
        handler,
        host,
        port,
        subprotocols=[Subprotocol(version.subprotocol)],
        ssl=ssl_context,
        ping_interval=None,
        max_size=None,
    )
    bound = int(next(iter(server.sockets)).getsockname()[1])
    report = _report(f"Charging Station connecting to {host}:{bound}", version, options, chosen)
    on_listening(bound)

    async def next_session(timeout: float) -> RawSession | None:
        try:
            async with asyncio.timeout(timeout):
                session = await arrivals.get()
        except TimeoutError:
            return None
        ctx.session = session
        return session

    async def reconnect() -> bool:
        session = await next_session(options.call_timeout * 4)
        return session is not None

    started = time.monotonic()
    try:
        session = await next_session(wait)
        ctx.deadline = time.monotonic() + options.time_budget
        if session is None:
            ctx.add(
                CheckResult(
                    "connect",
                    "session",
                    "the station connects",
                    Status.FAIL,
                    f"no station connected within {wait} s" + (_TLS_HINT if ssl_context else ""),
                )
            )
        else:
            report.target = f"Charging Station {identity[0]} (connected to {host}:{bound})"
            if await scenarios.station_boot(ctx, session):
                await scenarios.station_scenarios(ctx, reconnect)
                actions = received_actions(version, Role.CHARGING_STATION, chosen)
                groups = _groups(version, Role.CHARGING_STATION, chosen)
                await message_checks(ctx, actions, groups)
                await framing_checks(ctx, reconnect)
                reset, group = scenarios.station_reset, scenarios.reset_use_case
                if ctx.wanted(group) and group in report.use_cases:
                    await reset(ctx, reconnect)  # last: the station reboots
            scenarios.session_checks(ctx, sessions)
    finally:
        for s in sessions:
            await s.close()
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 5)
    report.results = ctx.results
    report.seconds = time.monotonic() - started
    return report
