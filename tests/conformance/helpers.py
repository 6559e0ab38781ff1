"""What the conformance tests share: quick `Options`, the tester listening as a CSMS (behind a
mutant's rewriting proxy when given one), free ports and reading a report."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import AsyncIterator
from typing import Any

from ocppgen.conformance.checks import Options
from ocppgen.conformance.report import RunReport, Status
from ocppgen.conformance.runner import run_against_station
from ocppgen.conformance.versions import load
from tests.conformance.mutants import Rewrite, RewritingProxy, forward_from_sut, forward_to_sut

__all__ = [
    "QUICK",
    "derive",
    "failures",
    "free_port",
    "passed",
    "proxied",
    "station_tester",
    "status_of",
    "statuses",
]

QUICK = Options(
    max_examples=3,
    mutation_examples=1,
    seed=7,
    time_budget=60.0,
    call_timeout=3.0,
    silence=0.5,
    heartbeat_interval=1,
)
"""Small Hypothesis budgets and short waits: each test module starts from these."""


def derive(base: Options = QUICK, **changes: Any) -> Options:
    return dataclasses.replace(base, **changes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def failures(report: RunReport) -> list[str]:
    return [f"{r.id}: {r.detail}" for r in report.results if r.status is Status.FAIL]


def statuses(report: RunReport) -> dict[str, Status]:
    return {r.id: r.status for r in report.results}


def status_of(report: RunReport, check_id: str) -> Status | None:
    return statuses(report).get(check_id)


def passed(report: RunReport) -> set[str]:
    return {r.id for r in report.results if r.status is Status.PASS}


@contextlib.asynccontextmanager
async def proxied(
    url: str,
    *,
    sut_is_client: bool,
    version_name: str = "2.0.1",
    from_sut: Rewrite | None = None,
    to_sut: Rewrite | None = None,
) -> AsyncIterator[str]:
    """`url` (ws://host:port, no path) as the other side dials it: through a RewritingProxy
    when a rewrite is given, else unchanged."""
    if from_sut is None and to_sut is None:
        yield url
        return
    proxy = RewritingProxy(
        url,
        sut_is_client=sut_is_client,
        from_sut=from_sut or forward_from_sut,
        to_sut=to_sut or forward_to_sut,
        subprotocol=load(version_name)[0].subprotocol,
    )
    await proxy.start()
    try:
        yield proxy.url
    finally:
        await proxy.close()


@contextlib.asynccontextmanager
async def station_tester(
    run_options: Options,
    *,
    version_name: str = "2.0.1",
    wait: float = 10.0,
    from_sut: Rewrite | None = None,
    to_sut: Rewrite | None = None,
) -> AsyncIterator[tuple[str, asyncio.Task[RunReport]]]:
    """The tester listening as the CSMS: yields (the URL the station dials, the run). With a
    rewrite, the station dials a RewritingProxy in front of the tester instead."""
    listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    run = asyncio.create_task(
        run_against_station(
            "127.0.0.1",
            0,
            run_options,
            version_name=version_name,
            wait=wait,
            on_listening=listening.set_result,
        )
    )
    try:
        async with proxied(
            f"ws://127.0.0.1:{await listening}",
            sut_is_client=True,
            version_name=version_name,
            from_sut=from_sut,
            to_sut=to_sut,
        ) as url:
            yield url, run
    finally:
        if not run.done():
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
