"""The reference station as its own process (`python -m ocppgen station ...`), driven through
its control API (JSON lines over TCP, see reference/station/control.py)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any


class StationProcess:
    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc = proc
        self.port = port

    async def command(self, cmd: str, **args: Any) -> Any:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        answer = json.loads(await reader.readline())
        writer.close()
        assert answer["ok"], answer
        return answer["result"]

    async def wait_online(self, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while True:
                state = await self.command("status")
                if state["connected"] and state["registration"] == "Accepted":
                    return
                await asyncio.sleep(0.02)

    async def stop(self, timeout: float = 10.0) -> int:
        """The control command "stop"; the process's exit status."""
        await self.command("stop")
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()


async def launch(*args: str, module: tuple[str, ...] = ("ocppgen", "station")) -> StationProcess:
    """Start `python -m ocppgen station <args>` and wait for its control port. `module`:
    what follows `-m` (the station's own module starts faster than the whole `ocppgen` CLI)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *module,
        *args,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
    assert line.startswith("control 127.0.0.1:"), line
    return StationProcess(proc, int(line.rsplit(":", 1)[1]))
