"""The driver hook: how the tester makes things happen at a Charging Station it cannot touch.

Some use cases start at the station, not on the wire: a cable is plugged in (E02), an RFID card
is presented (C01, E03), the cable is unplugged (E09). The tester, playing the CSMS, cannot do
that itself, so `ocppgen conformance station --driver CMD` names a program that does it.

The protocol, one step at a time:

- `CMD` is split like a POSIX shell would (`shlex.split`; no shell runs it) and the step is
  appended as arguments: `CMD plug_in EVSE`, `CMD present_token IDTOKEN EVSE`,
  `CMD unplug EVSE` (EVSE is the evseId, `--evse`, default `1`; the cable goes into that
  EVSE's first connector, the card is presented at its reader; IDTOKEN is an ISO14443 RFID
  uid, e.g. `04A1B2C3`).
- The tester waits for the command to end (at most `--driver-timeout` seconds, default 30;
  then it is killed). Exit status 0 means the step was done (for present_token: the card was
  presented, whatever the station decided); anything else fails the step, and the command's
  output (stdout and stderr, the first 2000 characters) goes into the report.
- stdin is /dev/null. The tester goes on answering the station's CALLs while a step runs, so a
  command may wait for the station (e.g. until its Authorize was answered).

`--driver manual` prints each step on stderr and waits for Enter instead (EOF fails the step).
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from dataclasses import dataclass
from typing import Protocol, TextIO

__all__ = ["STEPS", "CommandDriver", "Driver", "ManualDriver", "StepOutcome", "make_driver"]

STEPS: dict[str, str] = {
    "plug_in": "plug the EV's cable into EVSE {0}",
    "present_token": "present the RFID card (ISO14443) with uid {0} at EVSE {1}",
    "unplug": "unplug the EV's cable from EVSE {0}",
}
"""Each step the tester may ask for, with its instruction for a person (`--driver manual`)."""


@dataclass(frozen=True, slots=True)
class StepOutcome:
    ok: bool
    detail: str  # what ran and what it said


class Driver(Protocol):
    async def step(self, name: str, *args: str) -> StepOutcome: ...


def _check_step(name: str) -> None:
    if name not in STEPS:
        raise ValueError(f"unknown driver step {name!r}; steps: {', '.join(STEPS)}")


class CommandDriver:
    """Runs `command STEP ARGS...` for each step (see the module docstring)."""

    def __init__(self, command: str, timeout: float = 30.0) -> None:
        self.argv = shlex.split(command)
        if not self.argv:
            raise ValueError("--driver needs a command")
        self.timeout = timeout

    async def step(self, name: str, *args: str) -> StepOutcome:
        _check_step(name)
        argv = [*self.argv, name, *args]
        shown = shlex.join(argv)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        except OSError as exc:
            return StepOutcome(False, f"{shown}: cannot run: {exc}")
        try:
            output, _ = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            return StepOutcome(False, f"{shown}: no exit within {self.timeout:g} s (killed)")
        text = output.decode("utf-8", "replace").strip()[:2000]
        said = f"\n{text}" if text else ""
        return StepOutcome(process.returncode == 0, f"{shown}: exit {process.returncode}{said}")


class ManualDriver:
    """Asks a person: prints the step and waits for Enter."""

    def __init__(self, ask: TextIO | None = None, answers: TextIO | None = None) -> None:
        self.ask = ask or sys.stderr
        self.answers = answers or sys.stdin

    async def step(self, name: str, *args: str) -> StepOutcome:
        _check_step(name)
        instruction = STEPS[name].format(*args)
        print(f"\n>>> please {instruction}, then press Enter", file=self.ask, flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, self.answers.readline)
        if not line:
            return StepOutcome(False, f"manual: {instruction}: no answer (end of input)")
        return StepOutcome(True, f"manual: {instruction}: done")


def make_driver(spec: str | None, timeout: float = 30.0) -> Driver | None:
    """`--driver` value -> a driver: None (not given), `manual`, or a command."""
    if not spec:
        return None
    if spec == "manual":
        return ManualDriver()
    return CommandDriver(spec, timeout)
