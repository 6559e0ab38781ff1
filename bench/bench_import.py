"""Import cost: wall time of `import <module>` in a fresh interpreter, and where it goes.

Run from the repository root:  python -m bench.bench_import [--runs 15] [--top 12] [MODULE ...]

For each module (default: the models only, `ocppgen.runtime`, the endpoints), `--runs` fresh
subprocesses each time the import alone (`time.perf_counter` around it, so interpreter start-up
is not counted) and report the median [min..max]; the runs of all modules are interleaved so that
a change in the machine's load hits them alike. Then one `-X importtime` run per module gives the
breakdown: the time spent in each package's own modules (heaviest first), and whether the asyncio
networking layer (websockets, asyncio, ssl) was loaded at all.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass

DEFAULT_MODULES = ("ocppgen.generated.v201", "ocppgen.runtime", "ocppgen.runtime.server")
NETWORKING = ("websockets", "asyncio", "ssl")

# Prints the import's wall time in ms, then the networking modules it loaded (comma-separated).
_TIMED = """
import sys, time
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
print(elapsed * 1000)
print(",".join(name for name in {networking!r} if name in sys.modules))
"""


@dataclass(frozen=True)
class Timing:
    ms: float
    networking: tuple[str, ...]


def time_import(module: str) -> Timing:
    """One fresh interpreter importing `module`."""
    code = _TIMED.format(module=module, networking=NETWORKING)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return Timing(float(out[0]), tuple(name for name in out[1].split(",") if name))


def importtime(module: str) -> dict[str, int]:
    """Microseconds per package of a `-X importtime` run of `module`: the sum of the self times
    of its modules (self times add up to the whole import, cumulative ones would count twice)."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    totals: dict[str, int] = defaultdict(int)
    for line in stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(fields) != 3 or "self" in fields[0]:
            continue  # another line, or the header
        totals[_group(fields[2].strip())] += int(fields[0])
    return dict(totals)


def _group(name: str) -> str:
    """`ocppgen.runtime.core` -> `ocppgen.runtime`; `pydantic.main` -> `pydantic`."""
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "ocppgen" else parts[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(DEFAULT_MODULES), metavar="MODULE")
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per module")
    parser.add_argument("--top", type=int, default=8, help="packages shown in the breakdown")
    args = parser.parse_args(argv)

    timings: dict[str, list[Timing]] = {module: [] for module in args.modules}
    for _ in range(args.runs):
        for module in args.modules:
            timings[module].append(time_import(module))
    print(f"Python {sys.version.split()[0]}, {args.runs} fresh interpreters per module")
    for module, runs in timings.items():
        ms = [run.ms for run in runs]
        loaded = ", ".join(runs[-1].networking) or "none"
        print(
            f"  import {module:<26} median {statistics.median(ms):6.1f} ms "
            f"[{min(ms):.1f}..{max(ms):.1f}]   networking loaded: {loaded}"
        )
    for module in args.modules:
        per_package = importtime(module)
        networking = sum(per_package.get(name, 0) for name in NETWORKING) / 1000
        totals = sorted(per_package.items(), key=lambda item: -item[1])
        shown = ", ".join(f"{name} {us / 1000:.1f}" for name, us in totals[: args.top])
        print(f"  -X importtime {module} (self ms per package; networking {networking:.1f}):")
        print(f"    {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
