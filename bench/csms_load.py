"""Parts of `bench_csms`: the CSMS child process, provisioning, raw station clients, /proc readings.

The child (`python -m bench.csms_load --serve bare|csms ...`) runs either the bare `CsmsServer`
with fixed answers (`bench.ours`) or the reference CSMS (`reference.csms.app.Csms`, which stores
what it receives) on an already provisioned database, prints its OCPP port and serves until its
stdin closes, answering each line it reads there with the CPU seconds it has used. The stations
are minimal `websockets` clients (no OCPP library), so the station side costs the same whichever
CSMS runs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import os
import random
import resource
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.workload import BOOT, TRANSACTION_EVENT
from tests.pg import throwaway_postgres

SUBPROTOCOL = Subprotocol("ocpp2.0.1")

# --------------------------------------------------------------------------------------------
# Process readings


def raise_fd_limit() -> int:
    """The open-file limit raised to the hard limit (10,000 stations need ~10,100 each side)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# --------------------------------------------------------------------------------------------
# Databases and provisioning (in the parent, before the CSMS starts: not in its CPU figures)


@contextlib.contextmanager
def throwaway_database(backend: str, directory: Path) -> Iterator[str]:
    """A fresh database URL: an SQLite file in `directory`, or a PostgreSQL database dropped
    afterwards."""
    if backend == "sqlite":
        yield str(directory / f"csms-{uuid.uuid4().hex[:8]}.sqlite3")
        return
    with throwaway_postgres("ocppgen_bench") as url:
        yield url


PASSWORD_KINDS = ("generated", "chosen")
"""generated: made by the tree's `generated_password` (a fast verifier where the tree has one);
chosen: 24 random-looking characters in no format of ours (scrypt-hashed)."""


def password_of(identity: str, kind: str = "chosen") -> str:
    """Each station its own password, the same every time (the stations and the provisioning
    both ask): a cache keyed on the stored hash must not get one hit for all stations."""
    if kind == "generated":
        try:
            from ocppgen.reference.csms.store.passwords import generated_password
        except ImportError:  # a tree from before generated passwords: as chosen ones
            pass
        else:
            return generated_password(random.Random(identity).choice)
    return base64.urlsafe_b64encode(uuid.uuid5(uuid.NAMESPACE_OID, identity).bytes).decode()[:24]


def _hash(password: str) -> str:
    from ocppgen.reference.csms.store import hash_password

    return hash_password(password)


class Hashes:
    """Password hashes made with the tree's `hash_password`, in a pool of processes (one scrypt
    is ~40 ms of CPU: 10,000 stations would take minutes on one core), kept for the whole run."""

    def __init__(self, kind: str = "chosen") -> None:
        self.kind = kind
        self._done: dict[str, str] = {}

    def password(self, identity: str) -> str:
        return password_of(identity, self.kind)

    def of(self, identities: list[str]) -> dict[str, str]:
        missing = [identity for identity in identities if identity not in self._done]
        if missing:
            with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
                hashed = pool.map(_hash, map(self.password, missing), chunksize=64)
                self._done.update(zip(missing, hashed, strict=True))
        return {identity: self._done[identity] for identity in identities}


def provision(url: str, identities: list[str], profile: int, hashes: Hashes | None) -> None:
    """Register the stations (with their password hashes when `hashes` is given)."""
    from ocppgen.reference.csms.store import Store

    store = Store.open(url)
    try:
        for identity in identities:
            store.add_station(identity, security_profile=profile)
        if hashes is not None:
            # The hash goes in directly: `add_station(password=...)` would hash again, here.
            with store.db.transaction():
                for identity, hashed in hashes.of(identities).items():
                    store.db.execute(
                        "UPDATE stations SET password_hash = ? WHERE id = ?", (hashed, identity)
                    )
    finally:
        store.close()


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """(CA, server certificate, server key) for security profile 2, as the TLS tests make them."""
    from tests.certs import make_pki

    pki = make_pki(directory, ("BENCH",))
    return pki.ca, pki.server.cert, pki.server.key


# --------------------------------------------------------------------------------------------
# The CSMS child process


class Child:
    """A CSMS in a child process (`--serve`), on its own core."""

    def __init__(self, kind: str, database: str = "", profile: int = 0, tls: str = "") -> None:
        command = [sys.executable, "-m", "bench.csms_load", "--serve", kind, "--profile"]
        command += [str(profile), "--database", database, "--tls", tls]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the {kind} CSMS did not start (exit {self.process.returncode})")
        scheme = "wss" if tls else "ws"
        self.url = f"{scheme}://127.0.0.1:{int(line)}/ocpp/"
        self.pid = self.process.pid

    def cpu(self) -> float:
        """CPU seconds the CSMS process has used (asked through its stdin)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("cpu\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def rss(self) -> int:
        return rss_kib(self.pid)

    def stop(self) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _answer_cpu_queries() -> None:
    """Until stdin closes: answer each line with the CPU seconds this process has used, all its
    threads included (`time.process_time`: nanoseconds, where /proc/PID/stat counts 10 ms)."""
    for _line in sys.stdin:
        print(time.process_time(), flush=True)


async def _serve(kind: str, database: str, profile: int, tls: str) -> None:
    raise_fd_limit()
    until = asyncio.get_running_loop().run_in_executor(None, _answer_cpu_queries)

    def ready(port: int) -> None:
        print(port, flush=True)

    if kind == "bare":
        from bench.ours import serve_ours

        async def wait() -> None:
            await until

        await serve_ours(0, lambda sockets: ready(next(iter(sockets)).getsockname()[1]), wait)
        return
    from ocppgen.reference.csms.app import Csms, CsmsConfig
    from ocppgen.runtime.security import server_ssl_context

    context = None
    if tls:
        cert, key = tls.split(",")
        context = server_ssl_context(cert, key)
    config = CsmsConfig(
        database=database,
        ocpp_port=0,
        api_port=0,
        security_profile=profile,
        ssl_context=context,
        operator_password="bench",
    )
    async with Csms(config) as csms:
        await csms.settle()  # the idle scenario's RSS baseline must not hold scrypt's buffer
        ready(csms.ocpp_port)
        await until


# --------------------------------------------------------------------------------------------
# Stations (raw websockets clients, in the parent process)


class CallFailed(Exception):
    """The CSMS answered a CALL with a CALLERROR."""


def _transaction_event_frame() -> tuple[str, str, str]:
    """The workload's TransactionEvent as text cut at seqNo and transactionId, so that each
    event costs the station a string join, not a json.dumps."""
    body = json.dumps({**TRANSACTION_EVENT, "seqNo": 123456789}, separators=(",", ":"))
    head, tail = body.split("123456789")
    old = TRANSACTION_EVENT["transactionInfo"]["transactionId"]
    middle, end = tail.split(old)
    return head, middle, end


_HEAD, _MIDDLE, _END = _transaction_event_frame()
_BOOT = json.dumps(BOOT, separators=(",", ":"))


def transaction_event(seq_no: int, transaction_id: str, event_type: str = "Updated") -> str:
    body = f"{_HEAD}{seq_no}{_MIDDLE}{transaction_id}{_END}"
    if event_type != "Updated":
        body = body.replace('"Updated"', f'"{event_type}"', 1).replace(
            '"MeterValuePeriodic"', '"CablePluggedIn"', 1
        )
    return body


def source_address(number: int) -> str:
    """A loopback address of its own for station `number` (127.1.0.1, 127.1.0.2, ...; Linux
    routes all of 127/8 to lo): the CSMS limits failed and pending password checks per source
    address, and a fleet does not share one, so from a single address the limiter, not the
    password check, would decide what a storm costs."""
    return f"127.{1 + number // 62500}.{number // 250 % 250}.{number % 250 + 1}"


class Station:
    """One Charging Station: a websocket, one outstanding CALL at a time."""

    def __init__(
        self, url: str, identity: str, password: str | None = None, source: str | None = None
    ) -> None:
        self.url = url + identity
        self.identity = identity
        self.password = password
        self.source = source  # local address to connect from (see `source_address`)
        self.websocket: ClientConnection | None = None
        self.transaction_id = str(uuid.uuid4())
        self.sent = 0  # events of the current transaction sent
        self._ids = 0

    async def open(self, ssl_context: ssl.SSLContext | None = None, timeout: float = 120) -> None:
        headers = {}
        if self.password is not None:
            token = base64.b64encode(f"{self.identity}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self.websocket = await connect(
            self.url,
            subprotocols=[SUBPROTOCOL],
            additional_headers=headers,
            ssl=ssl_context,
            compression=None,
            ping_interval=None,
            open_timeout=timeout,
            max_size=2**20,
            local_addr=(self.source, 0) if self.source else None,
        )

    async def call(self, action: str, payload: str) -> Any:
        assert self.websocket is not None
        self._ids += 1
        await self.websocket.send(f'[2,"{self._ids}","{action}",{payload}]')
        answer = json.loads(await self.websocket.recv())
        if answer[0] != 3:
            raise CallFailed(f"{action}: {answer[2]} {answer[3]}")
        return answer[2]

    async def boot(self) -> None:
        status = (await self.call("BootNotification", _BOOT))["status"]
        if status != "Accepted":
            raise CallFailed(f"BootNotification: {status}")

    async def send_events(self, first: int, end: int) -> None:
        """TransactionEvents seqNo first..end-1 of its transaction (0 is the Started one)."""
        for seq_no in range(first, end):
            kind = "Started" if seq_no == 0 else "Updated"
            await self.call(
                "TransactionEvent", transaction_event(seq_no, self.transaction_id, kind)
            )

    async def send_stream(self, count: int, length: int) -> None:
        """`count` TransactionEvents in transactions of `length` events each (Started, then
        Updated), going on from where the last call stopped."""
        for _ in range(count):
            if self.sent == length:
                self.transaction_id, self.sent = str(uuid.uuid4()), 0
            await self.send_events(self.sent, self.sent + 1)
            self.sent += 1

    def drop(self) -> None:
        """Lose the connection at once, as in a network blip (no closing handshake)."""
        if self.websocket is not None:
            self.websocket.transport.abort()
            self.websocket = None

    async def close(self) -> None:
        if self.websocket is not None:
            with contextlib.suppress(Exception):
                await self.websocket.close()
            self.websocket = None


async def in_batches(coroutines: Iterable[Any], size: int = 100) -> list[Any]:
    """Await the coroutines `size` at a time (keeps connection set-up bounded)."""
    results: list[Any] = []
    batch: list[Any] = []
    for coroutine in coroutines:
        batch.append(coroutine)
        if len(batch) == size:
            results += await asyncio.gather(*batch)
            batch = []
    return results + list(await asyncio.gather(*batch))


def main() -> None:
    parser = argparse.ArgumentParser(description="the CSMS child process of bench_csms")
    parser.add_argument("--serve", choices=("bare", "csms"), required=True)
    parser.add_argument("--database", default="")
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--tls", default="", help="CERT,KEY for security profile 2")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.serve, args.database, args.profile, args.tls))


if __name__ == "__main__":
    main()
