"""Throughput and latency of OCPP-J endpoints: ours, the `ocpp` package, and a raw echo floor.

Run from the repository root:  python -m bench.bench_runtime [--seconds 3] [--connections 1,10,100]

For each implementation a CSMS runs in a child process (one core), and the Charging Station
clients run in this process (the other core). Workload per connection (bench/workload.py):
BootNotification, then TransactionEvent (Updated, one meterValue with 5 sampledValues) and
Heartbeat in a 4:1 mix, one outstanding call per connection. The floor is a raw `websockets`
echo: the server sends each CALL frame text straight back, the client sends and awaits it.

Printed per implementation and connection count: calls per second, p50/p99 latency, the CPU
time the CSMS process and the client process spent per call, and the ratios to the incumbent
(`ocpp` package) and to the floor. Then the in-process cost of one TransactionEvent CALL on our
core (decode, validate, dispatch, encode), without any socket.

On a shared machine the load changes from one second to the next, so the measurement runs in
`--rounds` rounds (implementations in a rotated order each round) and every ratio is computed
within a round, from measurements taken a few seconds apart; the summary gives the median and
the range over rounds. It also gives the CPU ratio: the CPU per call of the busier process of
each implementation, which bounds throughput when each process has a core to itself and moves
much less with the machine's load than throughput does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from bench.workload import MIX, PAYLOADS

SUBPROTOCOL = Subprotocol("ocpp2.0.1")
IMPLEMENTATIONS = ("raw", "ocpp", "ours")

# --------------------------------------------------------------------------------------------
# Servers (run in the child process)


READ_SIZE = 64 * 1024  # `runtime.endpoint.READ_SIZE`; not imported: the floor runs no ocppgen


def _limit_reads(websocket: Any) -> None:
    """The floor reads the socket in the same 64 KiB chunks as our endpoints (see
    `runtime.endpoint._limit_reads`), so that it never pays glibc's mmap per message either:
    the floor then measures `websockets` and the event loop, not the allocator's state."""
    websocket.transport.max_size = READ_SIZE


async def _serve_raw(port: int) -> None:
    async def echo(websocket: ServerConnection) -> None:
        _limit_reads(websocket)
        async for message in websocket:
            await websocket.send(message)

    async with serve(
        echo,
        "127.0.0.1",
        port,
        subprotocols=[SUBPROTOCOL],
        ping_interval=None,
        backlog=1024,
        compression=None,
    ) as server:
        _ready(server.sockets)
        await _until_stdin_closes()


async def _serve_ocpp(port: int) -> None:
    from tests.runtime.ocpp_peers import OcppPackageCsms

    csms = OcppPackageCsms(record=False)
    await csms.start(port=port)
    assert csms.server is not None
    _ready(csms.server.sockets)
    await _until_stdin_closes()
    await csms.close()


async def _serve_ours(port: int) -> None:
    from bench.ours import serve_ours

    await serve_ours(port, _ready, _until_stdin_closes)


def _ready(sockets: Any) -> None:
    print(next(iter(sockets)).getsockname()[1], flush=True)


async def _until_stdin_closes() -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


# --------------------------------------------------------------------------------------------
# Clients (run in this process)

Call = Callable[[str], Awaitable[None]]  # performs one call of the named action
Opener = Callable[[str, str], Awaitable[tuple[Call, Callable[[], Awaitable[None]]]]]


async def _open_raw(url: str, identity: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    websocket = await connect(
        url + identity,
        subprotocols=[SUBPROTOCOL],
        ping_interval=None,
        open_timeout=60,
        compression=None,
    )
    _limit_reads(websocket)
    bodies = {action: json.dumps(body, separators=(",", ":")) for action, body in PAYLOADS.items()}
    counter = 0

    async def call(action: str) -> None:
        nonlocal counter
        counter += 1
        await websocket.send(f'[2,"{counter}","{action}",{bodies[action]}]')
        await websocket.recv()

    return call, websocket.close


async def _open_ocpp(url: str, identity: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    from ocpp.charge_point import camel_to_snake_case
    from ocpp.v201 import call as ocpp_call

    from tests.runtime.ocpp_peers import connect_ocpp_station

    handle = await connect_ocpp_station(url + identity, identity)
    requests = {
        action: getattr(ocpp_call, action)(**camel_to_snake_case(body))
        for action, body in PAYLOADS.items()
    }

    async def call(action: str) -> None:
        await handle.station.call(requests[action], suppress=False)

    return call, handle.close


async def _open_ours(url: str, identity: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    from bench.ours import open_ours

    return await open_ours(url, identity)


OPENERS: dict[str, Opener] = {"raw": _open_raw, "ocpp": _open_ocpp, "ours": _open_ours}


@dataclass
class Result:
    implementation: str
    connections: int
    calls: int
    seconds: float
    latencies: list[float]
    server_cpu: float  # seconds of CPU used by the CSMS process in the window
    client_cpu: float  # seconds of CPU used by this process in the window

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds

    @property
    def cpu_per_call(self) -> float:
        """CPU seconds per call of the busier side (CSMS or clients)."""
        return max(self.server_cpu, self.client_cpu) / max(self.calls, 1)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _process_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run_level(
    implementation: str, url: str, server_pid: int, connections: int, warmup: float, seconds: float
) -> Result:
    opener = OPENERS[implementation]
    opened = []
    for start in range(0, connections, 50):  # open in batches to keep the handshakes bounded
        opened += await asyncio.gather(
            *(opener(url, f"BENCH{n:05d}") for n in range(start, min(connections, start + 50)))
        )
    await asyncio.gather(*(call("BootNotification") for call, _ in opened))

    latencies: list[float] = []
    measuring = False
    stop = False

    async def worker(call: Call) -> None:
        index = 0
        clock = time.perf_counter
        while not stop:
            action = MIX[index % len(MIX)]
            index += 1
            began = clock()
            await call(action)
            if measuring:
                latencies.append(clock() - began)

    gc.collect()
    tasks = [asyncio.create_task(worker(call)) for call, _ in opened]
    await asyncio.sleep(warmup)
    server_cpu, client_cpu, began = (
        _process_cpu(server_pid),
        time.process_time(),
        time.perf_counter(),
    )
    measuring = True
    await asyncio.sleep(seconds)
    measuring = False
    elapsed = time.perf_counter() - began
    server_cpu = _process_cpu(server_pid) - server_cpu
    client_cpu = time.process_time() - client_cpu
    stop = True
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*(close() for _, close in opened), return_exceptions=True)
    return Result(
        implementation,
        connections,
        len(latencies),
        elapsed,
        latencies,
        server_cpu,
        client_cpu,
    )


async def _bench(
    implementation: str, levels: list[int], warmup: float, seconds: float
) -> list[Result]:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_runtime", "--serve", implementation],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        port = int(child.stdout.readline())
        url = f"ws://127.0.0.1:{port}/ocpp/"
        results = []
        for connections in levels:
            result = await _run_level(implementation, url, child.pid, connections, warmup, seconds)
            _print_result(result)
            results.append(result)
        return results
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def _print_result(r: Result) -> None:
    print(
        f"{r.implementation:>5} {r.connections:>4} conns: {r.throughput:>9.0f} calls/s"
        f"  p50 {r.percentile(0.50) * 1e6:>8.0f} us  p99 {r.percentile(0.99) * 1e6:>8.0f} us"
        f"  CSMS CPU/call {r.server_cpu / max(r.calls, 1) * 1e6:>6.1f} us"
        f"  client CPU/call {r.client_cpu / max(r.calls, 1) * 1e6:>6.1f} us",
        flush=True,
    )


Rounds = list[dict[str, dict[int, Result]]]  # per round: implementation -> connections -> Result


def _spread(values: list[float], fmt: str) -> str:
    ordered = sorted(values)
    median = statistics.median(ordered)
    if len(ordered) == 1:
        return format(median, fmt)
    return f"{median:{fmt}} [{ordered[0]:{fmt}}..{ordered[-1]:{fmt}}]"


def _print_summary(rounds: Rounds, levels: list[int]) -> None:
    print(f"\nSummary over {len(rounds)} round(s): median [min..max]")
    for connections in levels:
        print(f"{connections:>4} conns:")
        for name in IMPLEMENTATIONS:
            got = [r[name][connections] for r in rounds if connections in r.get(name, {})]
            if got:
                calls = _spread([g.throughput for g in got], ".0f")
                busier = _spread([g.cpu_per_call * 1e6 for g in got], ".1f")
                print(f"    {name:>5}: {calls} calls/s, CPU/call busier side {busier} us")
        for other, target, fmt in (
            ("ocpp", "throughput >= 10x", ".1f"),
            ("raw", "throughput >= 60%", ".0%"),
        ):
            pairs = [
                (r["ours"][connections], r[other][connections])
                for r in rounds
                if connections in r.get("ours", {}) and connections in r.get(other, {})
            ]
            if not pairs:
                continue
            speed = [mine.throughput / base.throughput for mine, base in pairs]
            cpu = [base.cpu_per_call / mine.cpu_per_call for mine, base in pairs]
            unit = "x" if fmt == ".1f" else ""
            print(
                f"    ours / {other:<4}: throughput {_spread(speed, fmt)}{unit}"
                f"  (target: {target});  CPU ratio {_spread(cpu, fmt)}{unit}"
            )


def _in_process() -> None:
    try:
        from bench.ours import in_process_cost
    except ImportError as error:  # pragma: no cover - before the generated bindings exist
        print(f"\nIn-process cost: not measured ({error})")
        return
    per_call, breakdown = in_process_cost()
    print(
        f"\nIn-process, one TransactionEvent CALL through our core (decode + validate + dispatch"
        f" + encode): {per_call * 1e6:.1f} us CPU (target <= 30 us)"
    )
    for name, seconds in breakdown.items():
        print(f"    {name:<40} {seconds * 1e6:6.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured window per level")
    parser.add_argument("--warmup", type=float, default=0.7)
    parser.add_argument("--connections", default="1,10,100")
    parser.add_argument("--implementations", default=",".join(IMPLEMENTATIONS))
    parser.add_argument("--rounds", type=int, default=3, help="repeat, rotating the order")
    parser.add_argument("--serve", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        server = {"raw": _serve_raw, "ocpp": _serve_ocpp, "ours": _serve_ours}[args.serve]
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(server(args.port))
        return

    levels = [int(n) for n in args.connections.split(",")]
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.seconds}s per level,"
        f" {args.rounds} round(s), load average {os.getloadavg()[0]:.1f}"
    )
    names = args.implementations.split(",")
    rounds: Rounds = []
    for number in range(args.rounds):
        shift = number % len(names)
        print(f"-- round {number + 1}", flush=True)
        results: dict[str, dict[int, Result]] = {}
        for implementation in names[shift:] + names[:shift]:
            measured = asyncio.run(_bench(implementation, levels, args.warmup, args.seconds))
            results[implementation] = {r.connections: r for r in measured}
        rounds.append(results)
    _print_summary(rounds, levels)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    _in_process()


if __name__ == "__main__":
    main()
