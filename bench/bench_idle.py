"""Idle scale: RSS per connection of one CSMS process holding many heartbeating stations.

Run from the repository root:  python -m bench.bench_idle [--stations 10000] [--interval 5]

For each CSMS (ours, then the `ocpp` package's, same run) a server runs in a child process; this
process opens the stations (minimal `websockets` clients, no compression, identical for both
CSMSs), each sending a Heartbeat CALL when connected and every `--interval` seconds after.
When all are connected and one more heartbeat round has been answered, the server's RSS
(VmRSS) is read; RSS per connection = (RSS now - RSS before any connection) / stations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol


def _raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def _serve(implementation: str) -> None:
    _raise_fd_limit()
    until = asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    if implementation == "ours":
        from bench.ours import serve_ours

        def ready(sockets: object) -> None:
            print(next(iter(sockets)).getsockname()[1], flush=True)  # type: ignore[call-overload]

        async def wait() -> None:
            await until

        await serve_ours(0, ready, wait, ping_interval=60.0)
    else:
        from tests.runtime.ocpp_peers import OcppPackageCsms

        csms = OcppPackageCsms(record=False)
        port = await csms.start()
        print(port, flush=True)
        await until
        await csms.close()


async def _station(
    url: str, identity: str, interval: float, beats: list[int], stop: asyncio.Event
) -> ClientConnection:
    websocket = await connect(
        url + identity,
        subprotocols=[Subprotocol("ocpp2.0.1")],
        compression=None,
        ping_interval=None,
        open_timeout=120,
    )

    async def beat() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await websocket.send(json.dumps([2, str(n), "Heartbeat", {}]))
            await websocket.recv()
            beats[0] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    asyncio.get_running_loop().create_task(beat())
    return websocket


async def _measure(implementation: str, stations: int, interval: float) -> tuple[float, float]:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_idle", "--serve", implementation],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        port = int(child.stdout.readline())
        url = f"ws://127.0.0.1:{port}/ocpp/"
        await asyncio.sleep(0.5)
        before = _rss_kib(child.pid)
        beats = [0]
        stop = asyncio.Event()
        began = time.perf_counter()
        sockets: list[ClientConnection] = []
        for start in range(0, stations, 200):
            sockets += await asyncio.gather(
                *(
                    _station(url, f"IDLE{n:05d}", interval, beats, stop)
                    for n in range(start, min(stations, start + 200))
                )
            )
        connected = time.perf_counter() - began
        target = beats[0] + stations  # one more full heartbeat round
        deadline = time.perf_counter() + interval * 3 + 30
        while beats[0] < target and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
        after = _rss_kib(child.pid)
        per = (after - before) / stations
        print(
            f"{implementation:>5}: {stations} stations connected in {connected:.1f}s;"
            f" CSMS RSS {before / 1024:.1f} MiB -> {after / 1024:.1f} MiB;"
            f" {per:.1f} KiB per connection; heartbeats answered {beats[0]}",
            flush=True,
        )
        stop.set()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        return per, connected
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description="Idle RSS per connection of a CSMS")
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=5.0, help="heartbeat interval, s")
    parser.add_argument("--implementations", default="ours,ocpp")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve))
        return
    limit = _raise_fd_limit()
    if limit < args.stations + 100:
        sys.exit(f"open-file limit {limit} is too low for {args.stations} stations")
    results = {
        name: asyncio.run(_measure(name, args.stations, args.interval))[0]
        for name in args.implementations.split(",")
    }
    if "ours" in results and "ocpp" in results:
        ratio = results["ours"] / results["ocpp"]
        print(f"ours / ocpp package, RSS per connection: {ratio:.2f} (target <= 1.00)")


if __name__ == "__main__":
    main()
