"""The reference CSMS under a fleet's load, beside the bare `CsmsServer` in the same run.

Run from the repository root:  python -m bench.bench_csms [--quick | --full] [options]

Four scenarios (`--scenarios`), each CSMS in a child process (`bench/csms_load.py`), stations
as raw `websockets` clients in this process, one outstanding CALL per connection:

- throughput: N stations (`--stations`) each boot, then send TransactionEvents (one meterValue
  with 5 sampledValues, `bench/workload.py`) in transactions of `--transaction-length` events
  (Started, then Updated) until `--events` events in all were answered: events/s and CSMS CPU
  per event, for the bare server with fixed answers and for the reference CSMS on each database
  (`--databases`), levels interleaved;
- length: `--length-stations` stations each in one transaction; CPU per event measured in a
  window of events ending at each transaction length (`--lengths`): flat means constant work
  per stored event;
- storm: N stations (`--storm-stations`, security profiles `--storm-profiles`; profile 2 (TLS +
  Basic auth) with `--tls-storm-stations`) connect and boot, then all lose their connection at
  once (`--storm-kinds` blip: the CSMS stays up; restart: the CSMS process is stopped and a new
  one started on the same database, with nothing in memory) and reconnect within
  `--storm-spread` seconds, retrying after 1-2 s (or a refusal's Retry-After, if longer) on
  failure: time until all are booted again, errors by kind. Passwords (`--passwords`): made by
  the CSMS's generator (fast verifier) or chosen (scrypt);
- idle: N stations (`--idle-stations`) heartbeating every `--interval` s: CSMS RSS per
  connection, beside the bare server's.

CPU is the CSMS process's own `time.process_time()` (all threads), asked through a pipe; RSS is
read from /proc/PID/status.
Provisioning (stations, password hashes) happens before the CSMS starts and is not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import InvalidStatus

from bench.csms_load import (
    PASSWORD_KINDS,
    Child,
    Hashes,
    Station,
    in_batches,
    make_certificates,
    provision,
    raise_fd_limit,
    source_address,
    throwaway_database,
)

SCENARIOS = ("throughput", "length", "storm", "idle")

# Sizes: the default finishes in a few minutes on the shared 2-core machine, --quick in about
# one, --full is the (issue 15 item 5).
PRESETS: dict[str, dict[str, Any]] = {
    "default": {
        "stations": "10,100,1000",
        "events": 3000,
        "lengths": "10,100,500",
        "length_stations": 2,
        "length_timeout": 150.0,
        "storm_stations": 500,
        "tls_storm_stations": 100,
        "storm_timeout": 120.0,
        "idle_stations": 500,
        "interval": 10.0,
    },
    "quick": {
        "stations": "10,100",
        "events": 500,
        "lengths": "10,100",
        "length_stations": 2,
        "length_timeout": 30.0,
        "storm_stations": 100,
        "tls_storm_stations": 20,
        "storm_timeout": 60.0,
        "idle_stations": 100,
        "interval": 2.0,
    },
    "full": {
        "stations": "10,100,1000",
        "events": 20000,
        "lengths": "10,1000,10000",
        "length_stations": 10,
        "length_timeout": 1800.0,
        "storm_stations": 10000,
        "tls_storm_stations": 1000,
        "storm_timeout": 300.0,
        "idle_stations": 10000,
        "interval": 10.0,
    },
}


@dataclass
class Run:
    """What one stretch of calls cost: events answered, wall seconds, CSMS CPU seconds."""

    events: int
    seconds: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_event(self) -> float:
        return self.cpu / max(self.events, 1)


async def _measured(child: Child, work: Awaitable[Any], events: int) -> Run:
    cpu, began = child.cpu(), time.perf_counter()
    await work
    return Run(events, time.perf_counter() - began, child.cpu() - cpu)


async def _open_and_boot(stations: list[Station]) -> None:
    await in_batches(station.open() for station in stations)
    await in_batches(station.boot() for station in stations)


# --------------------------------------------------------------------------------------------
# throughput


def _throughput_ids(count: int) -> list[str]:
    return [f"LOAD{n:05d}" for n in range(count)]


def _length_ids(count: int) -> list[str]:
    return [f"LONG{n:05d}" for n in range(count)]


async def _level(child: Child, count: int, events: int, length: int) -> Run:
    stations = [Station(child.url, identity) for identity in _throughput_ids(count)]
    try:
        await _open_and_boot(stations)
        await asyncio.gather(*(station.send_stream(1, length) for station in stations))
        each = max(1, events // count)
        work = asyncio.gather(*(station.send_stream(each, length) for station in stations))
        return await _measured(child, work, each * count)
    finally:
        await asyncio.gather(*(station.close() for station in stations))


def _throughput(args: argparse.Namespace, directory: Path) -> None:
    levels = [int(n) for n in args.stations.split(",")]
    print(
        f"\n== throughput: TransactionEvents with 5 sampled values, ~{args.events} per level,"
        f" transactions of {args.transaction_length} events"
    )
    with contextlib.ExitStack() as stack:
        children = {"bare": Child("bare")}
        stack.callback(children["bare"].stop)
        for backend in args.databases.split(","):
            url = stack.enter_context(throwaway_database(backend, directory))
            provision(
                url, _throughput_ids(max(levels)) + _length_ids(args.length_stations), 0, None
            )
            children[backend] = child = Child("csms", url)
            stack.callback(child.stop)
        for count in levels if "throughput" in args.scenarios else []:
            runs = {
                name: asyncio.run(_level(child, count, args.events, args.transaction_length))
                for name, child in children.items()
            }
            _print_level(count, runs)
        if "length" in args.scenarios:
            for backend, child in children.items():
                if backend != "bare":
                    _lengths(args, backend, child)


def _print_level(count: int, runs: dict[str, Run]) -> None:
    bare = runs["bare"]
    for name, run in runs.items():
        line = (
            f"throughput {name:<8} {count:>5} stations: {run.rate:>8,.0f} events/s,"
            f" CSMS CPU {run.cpu_per_event * 1e6:>8.1f} us/event"
        )
        if name != "bare" and bare.cpu_per_event and bare.rate:
            line += (
                f"; / bare: CPU {run.cpu_per_event / bare.cpu_per_event:.1f}x,"
                f" events/s {run.rate / bare.rate:.0%}"
            )
        print(line, flush=True)


# --------------------------------------------------------------------------------------------
# length


def _windows(lengths: list[int]) -> list[tuple[int, int, int]]:
    """(length, first seqNo, end seqNo) of the measured window ending at each length: the last
    10% of the events up to it (at least 10, never seqNo 0, the Started event)."""
    windows, done = [], 1
    for length in sorted(lengths):
        first = max(done, length - max(10, length // 10))
        if length > first:
            windows.append((length, first, length))
            done = length
    return windows


async def _length_run(child: Child, count: int, lengths: list[int], timeout: float) -> list[Any]:
    stations = [Station(child.url, identity) for identity in _length_ids(count)]
    results: list[tuple[int, Run | None]] = []
    deadline = time.perf_counter() + timeout
    try:
        await _open_and_boot(stations)
        await asyncio.gather(*(station.send_events(0, 1) for station in stations))
        sent = 1
        for length, first, end in _windows(lengths):
            try:
                fill = asyncio.gather(*(s.send_events(sent, first) for s in stations))
                await asyncio.wait_for(fill, max(deadline - time.perf_counter(), 0.01))
                window = asyncio.gather(*(s.send_events(first, end) for s in stations))
                run = _measured(child, window, (end - first) * count)
                left = deadline - time.perf_counter()
                results.append((length, await asyncio.wait_for(run, max(left, 0.01))))
            except TimeoutError:
                results.append((length, None))
                break
            sent = end
        return results
    finally:
        for station in stations:
            station.drop()


def _lengths(args: argparse.Namespace, backend: str, child: Child) -> None:
    lengths = [int(n) for n in args.lengths.split(",")]
    count = args.length_stations
    print(f"\n== length ({backend}): {count} stations, one transaction each", flush=True)
    results = asyncio.run(_length_run(child, count, lengths, args.length_timeout))
    costs = {}
    for length, run in results:
        if run is None:
            limit = args.length_timeout
            print(f"length {backend:<8} {length:>6} events: not reached in {limit:.0f} s")
            continue
        costs[length] = run.cpu_per_event
        print(
            f"length {backend:<8} {length:>6} events: CSMS CPU {run.cpu_per_event * 1e6:>9.1f}"
            f" us/event, {run.rate:>8,.0f} events/s ({run.events} events measured)",
            flush=True,
        )
    if len(costs) > 1:
        shortest, longest = min(costs), max(costs)
        growth = costs[longest] / costs[shortest] if costs[shortest] else float("inf")
        print(
            f"length {backend:<8} flatness: cost at {longest} / at {shortest} = {growth:.2f}x"
            " (target <= 1.20x)"
        )


# --------------------------------------------------------------------------------------------
# storm


@dataclass
class Storm:
    errors: Counter[str] = field(default_factory=Counter)
    booted_at: list[float] = field(default_factory=list)


def _errors(storm: Storm) -> str:
    kinds = ", ".join(f"{kind} {n}" for kind, n in storm.errors.most_common()) or "none"
    return f"errors {sum(storm.errors.values())} ({kinds})"


def _retry_after(error: BaseException) -> float:
    """The seconds form of a refusal's Retry-After (429/503), which a station honours as
    `runtime.client.StationClient` does (not imported: the benchmark runs on older trees too)."""
    if not isinstance(error, InvalidStatus):
        return 0.0
    value = error.response.headers.get("Retry-After", "").strip()
    return min(float(value), 3600.0) if value.isdigit() else 0.0


def _error_kind(error: BaseException) -> str:
    if isinstance(error, InvalidStatus):
        return f"HTTP {error.response.status_code}"
    return type(error).__name__


async def _until_booted(
    station: Station, delay: float, storm: Storm, context: ssl.SSLContext | None, began: float
) -> None:
    """Connect and boot, retrying after 1-2 s (the station's back-off) or the refusal's
    Retry-After, whichever is longer, until it works."""
    await asyncio.sleep(delay)
    while True:
        try:
            await station.open(context)
            await station.boot()
        except Exception as error:  # every failure a station can see counts
            storm.errors[_error_kind(error)] += 1
            station.drop()
            await asyncio.sleep(max(random.uniform(1.0, 2.0), _retry_after(error)))
        else:
            storm.booted_at.append(time.perf_counter() - began)
            return


def _stations(child: Child, identities: list[str], hashes: Hashes | None) -> list[Station]:
    """One station per identity, each from its own address, with its password if `hashes`."""
    return [
        Station(child.url, i, hashes.password(i) if hashes else None, source_address(n))
        for n, i in enumerate(identities)
    ]


async def _storm_run(
    child: Child,
    identities: list[str],
    hashes: Hashes | None,
    context: ssl.SSLContext | None,
    args: Any,
) -> tuple[Storm, float, Storm, float, float]:
    stations = _stations(child, identities, hashes)
    first, began = Storm(), time.perf_counter()
    try:
        await in_batches(_until_booted(s, 0, first, context, began) for s in stations)
        connect = time.perf_counter() - began
        for station in stations:
            station.drop()
        return first, connect, *await _reconnect_all(stations, child, context, args)
    finally:
        await asyncio.gather(*(station.close() for station in stations))


async def _reconnect_all(
    stations: list[Station],
    child: Child,
    context: ssl.SSLContext | None,
    args: argparse.Namespace,
) -> tuple[Storm, float, float]:
    """Every station reconnects at a random moment within the spread and boots again: the
    storm's counts, its wall time and the CSMS CPU it took."""
    storm, cpu, began = Storm(), child.cpu(), time.perf_counter()
    spread = args.storm_spread
    work = asyncio.gather(
        *(_until_booted(s, random.uniform(0, spread), storm, context, began) for s in stations)
    )
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(work, args.storm_timeout)
    return storm, time.perf_counter() - began, child.cpu() - cpu


def _storm(args: argparse.Namespace, directory: Path, hashes: Hashes) -> None:
    # The idle scenario uses the same identities: their password hashes are made once.
    profiles = [int(p) for p in args.storm_profiles.split(",") if p]
    kinds = args.storm_kinds.split(",")
    print(
        f"\n== storm ({', '.join(kinds)}): all stations lose their connection at once (blip), or"
        f" the CSMS process is restarted (restart); they reconnect within {args.storm_spread} s;"
        f" {hashes.kind} passwords"
    )
    for profile in profiles:
        count = args.tls_storm_stations if profile == 2 else args.storm_stations
        identities = [f"STATION{n:05d}" for n in range(count)]
        for kind in kinds:
            with throwaway_database("sqlite", directory) as url:
                provision(url, identities, profile, hashes if profile >= 1 else None)
                _storm_kind(args, directory, url, kind, profile, identities, hashes)


def _storm_kind(
    args: argparse.Namespace,
    directory: Path,
    url: str,
    kind: str,
    profile: int,
    identities: list[str],
    hashes: Hashes,
) -> None:
    tls, context = "", None
    if profile == 2:
        ca, cert, key = make_certificates(directory / "pki")
        tls, context = f"{cert},{key}", ssl.create_default_context(cafile=str(ca))
    passwords = hashes if profile >= 1 else None
    if kind == "restart":
        result = asyncio.run(_restart_run(url, profile, tls, identities, passwords, context, args))
    else:
        child = Child("csms", url, profile, tls)
        try:
            result = asyncio.run(_storm_run(child, identities, passwords, context, args))
        finally:
            child.stop()
    _print_storm(kind, profile, len(identities), *result, args.storm_timeout)


async def _restart_run(
    url: str,
    profile: int,
    tls: str,
    identities: list[str],
    hashes: Hashes | None,
    context: ssl.SSLContext | None,
    args: Any,
) -> tuple[Storm, float, Storm, float, float]:
    """All stations connect and boot; the CSMS process stops (closing every connection) and a
    new one starts on the same database, its memory empty; every station reconnects within
    the spread. The new process's CPU counts from its start."""
    child = Child("csms", url, profile, tls)
    stations = _stations(child, identities, hashes)
    first, began = Storm(), time.perf_counter()
    try:
        await in_batches(_until_booted(s, 0, first, context, began) for s in stations)
        connect = time.perf_counter() - began
        await asyncio.to_thread(child.stop)
        for station in stations:
            station.drop()
        child = Child("csms", url, profile, tls)
        for station in stations:
            station.url = child.url + station.identity  # a new port: same CSMS, restarted
        return first, connect, *await _reconnect_all(stations, child, context, args)
    finally:
        await asyncio.gather(*(station.close() for station in stations))
        child.stop()


def _print_storm(
    kind: str,
    profile: int,
    count: int,
    first: Storm,
    connect: float,
    storm: Storm,
    took: float,
    cpu: float,
    timeout: float,
) -> None:
    booted = len(storm.booted_at)
    within = sum(1 for t in storm.booted_at if t <= 10.0)
    done = (
        f"all booted again in {max(storm.booted_at):.1f} s"
        if booted == count
        else (f"only {booted} booted again within {timeout:.0f} s")
    )
    print(
        f"storm {kind:<7} profile {profile} {count:>5} stations: {done}; {within} within 10 s;"
        f" {_errors(storm)};"
        f" CSMS CPU {cpu / max(booted, 1) * 1e3:.1f} ms per reconnect;"
        f" first connect of all {connect:.1f} s ({_errors(first)}, retried)",
        flush=True,
    )


# --------------------------------------------------------------------------------------------
# idle


async def _heartbeats(station: Station, interval: float, beats: list[int]) -> None:
    await asyncio.sleep(random.uniform(0, interval))
    while True:
        await station.call("Heartbeat", "{}")
        beats[0] += 1
        await asyncio.sleep(interval)


async def _idle_run(
    child: Child, identities: list[str], hashes: Hashes | None, interval: float
) -> tuple[int, Storm]:
    """KiB the CSMS's RSS grew by, from before any connection to all connected and one more
    heartbeat round answered; the failed connection attempts on the way (retried)."""
    await asyncio.sleep(0.5)
    before = child.rss()
    stations = _stations(child, identities, hashes)
    beats = [0]
    tasks: list[asyncio.Task[None]] = []
    connecting, began = Storm(), time.perf_counter()
    try:
        await in_batches(_until_booted(s, 0, connecting, None, began) for s in stations)
        tasks = [asyncio.create_task(_heartbeats(s, interval, beats)) for s in stations]
        target, deadline = beats[0] + len(stations), time.perf_counter() + interval * 3 + 30
        while beats[0] < target and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
        if beats[0] < target:
            raise RuntimeError(f"only {beats[0]} of {target} heartbeats answered")
        return child.rss() - before, connecting
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(station.close() for station in stations))


def _idle(args: argparse.Namespace, directory: Path, hashes: Hashes) -> None:
    count = args.idle_stations
    identities = [f"STATION{n:05d}" for n in range(count)]
    print(f"\n== idle: {count} stations, a Heartbeat every {args.interval:g} s")
    child = Child("bare")
    try:
        bare = asyncio.run(_idle_run(child, identities, None, args.interval))[0] / count
    finally:
        child.stop()
    print(f"idle bare            {count:>5} stations: {bare:6.1f} KiB per connection", flush=True)
    for profile in [int(p) for p in args.idle_profiles.split(",") if p]:
        with throwaway_database("sqlite", directory) as url:
            provision(url, identities, profile, hashes if profile >= 1 else None)
            child = Child("csms", url, profile)
            try:
                passwords = hashes if profile >= 1 else None
                grown, connecting = asyncio.run(
                    _idle_run(child, identities, passwords, args.interval)
                )
            finally:
                child.stop()
        per = grown / count
        print(
            f"idle csms profile {profile} {count:>5} stations: {per:6.1f} KiB per connection"
            f" ({_ratio(per, bare)} bare; target <= 12 KiB);"
            f" {_errors(connecting)} while connecting, retried",
            flush=True,
        )


# --------------------------------------------------------------------------------------------


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "n/a x"


def _tree() -> str:
    """The commit measured, and how many files of the measured code are uncommitted (other
    engineers' work in progress is part of what runs)."""

    def git(*command: str) -> str:
        return subprocess.run(
            ["git", *command], capture_output=True, text=True, check=False
        ).stdout.strip()

    changed = git("status", "--porcelain", "--", "reference", "runtime", "generated").splitlines()
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"commit {commit} (+{len(changed)} uncommitted files)"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="smoke sizes: about one minute")
    sizes.add_argument("--full", action="store_true", help="the issue's sizes (long)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument("--stations", help="throughput: station counts, comma-separated")
    parser.add_argument("--events", type=int, help="throughput: measured events per level")
    parser.add_argument(
        "--transaction-length", type=int, default=20, help="throughput: events per transaction"
    )
    parser.add_argument("--lengths", help="length: transaction lengths, comma-separated")
    parser.add_argument("--length-stations", type=int, help="length: stations")
    parser.add_argument("--length-timeout", type=float, help="length: give up after, s")
    parser.add_argument("--storm-stations", type=int, help="storm: stations (profiles 0, 1)")
    parser.add_argument("--storm-profiles", default="0,1,2", help="storm: security profiles")
    parser.add_argument("--tls-storm-stations", type=int, help="storm: stations on profile 2")
    parser.add_argument(
        "--storm-spread", type=float, default=1.0, help="storm: reconnect within, s"
    )
    parser.add_argument(
        "--storm-kinds", default="blip,restart", help="storm: blip and/or restart (see above)"
    )
    parser.add_argument(
        "--passwords",
        choices=PASSWORD_KINDS,
        default="generated",
        help="storm, idle: station passwords the CSMS generated, or chosen ones (scrypt)",
    )
    parser.add_argument("--storm-timeout", type=float, help="storm: give up after, s")
    parser.add_argument("--idle-stations", type=int, help="idle: stations")
    parser.add_argument("--idle-profiles", default="0,1", help="idle: security profiles")
    parser.add_argument("--interval", type=float, help="idle: heartbeat interval, s")
    args = parser.parse_args()
    preset = PRESETS["quick" if args.quick else "full" if args.full else "default"]
    for name, value in preset.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.scenarios = args.scenarios.split(",")
    return args


def main() -> None:
    args = _arguments()
    raise_fd_limit()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {_tree()},"
        f" load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    hashes = Hashes(args.passwords)
    with tempfile.TemporaryDirectory(prefix="bench-csms-") as temporary:
        directory = Path(temporary)
        if "throughput" in args.scenarios or "length" in args.scenarios:
            _throughput(args, directory)
        if "storm" in args.scenarios:
            _storm(args, directory, hashes)
        if "idle" in args.scenarios:
            _idle(args, directory, hashes)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
