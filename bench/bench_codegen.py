"""How long regeneration takes: each version alone and all three, written to a scratch folder,
and a vendor package (issue 16): all of 2.0.1 under a vendor's name, and its Core profile only.

Targets (2-core machine): OCPP 2.0.1 under 5 s, all three under 15 s. Each figure is the best of
`--repeat` runs in a fresh subprocess (so imports and pydantic/black start-up count, as they do
for `ocppgen generate`), beside a floor measured in the same run: reading and parsing every
schema file with `json` alone.

    python bench/bench_codegen.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"1.6": None, "2.0.1": 5.0, "2.1": None, "all": 15.0}
# Vendor packages of 2.0.1 (`generate --package`), compared with "2.0.1" in the same run.
VENDOR = {
    "2.0.1 vendor, all actions": [],
    "2.0.1 vendor, Core only": ["--profile", "core"],
}
VENDOR_ARGS = ["--version", "2.0.1", "--package", "acme_ocpp", "--distribution"]


def regenerate(version: str, extra: list[str] | None = None) -> float:
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-m", "ocppgen", "generate", "--out", out]
        if extra is not None:
            argv += [*VENDOR_ARGS, *extra]
        elif version != "all":
            argv += ["--version", version]
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, cwd=REPO)
        return time.perf_counter() - started


def json_floor(version: str) -> float:
    keys = {"1.6": ["v16"], "2.0.1": ["v201"], "2.1": ["v21"]}.get(version, ["v16", "v201", "v21"])
    started = time.perf_counter()
    for key in keys:
        for path in sorted((REPO / "spec" / key / "schemas").glob("*.json")):
            json.loads(path.read_text(encoding="utf-8-sig"))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    args = parser.parse_args()
    print(f"{'version':<8} {'regenerate':>11} {'json floor':>11} {'target':>8}  verdict")
    for version in ("1.6", "2.0.1", "2.1", "all"):
        best = min(regenerate(version) for _ in range(args.repeat))
        floor = min(json_floor(version) for _ in range(args.repeat))
        target = TARGETS[version]
        verdict = "-" if target is None else ("met" if best < target else "MISSED")
        shown = "-" if target is None else f"{target:.0f} s"
        print(f"{version:<8} {best:>9.2f} s {floor * 1000:>8.1f} ms {shown:>8}  {verdict}")
    # Interleaved with regenerating 2.0.1, round by round, so that the ratios see one load.
    rounds = [
        {name: regenerate("2.0.1", extra) for name, extra in (("2.0.1", None), *VENDOR.items())}
        for _ in range(args.repeat)
    ]
    fastest = {name: min(r[name] for r in rounds) for name in rounds[0]}
    for name in VENDOR:
        ratio = fastest[name] / fastest["2.0.1"]
        print(
            f"{name:<27} {fastest[name]:>6.2f} s  "
            f"({ratio:.2f} x regenerate 2.0.1 in the same rounds)"
        )


if __name__ == "__main__":
    main()
