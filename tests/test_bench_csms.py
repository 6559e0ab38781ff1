"""`bench/bench_csms.py` runs: every scenario at tiny sizes, on SQLite and the local PostgreSQL.
A smoke test so that the benchmark cannot rot; it asserts the figure lines, not any speed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TINY = [
    "--quick",
    "--stations", "2,4",
    "--events", "20",
    "--lengths", "10,30",
    "--storm-profiles", "0,2",
    "--storm-stations", "6",
    "--tls-storm-stations", "3",
    "--storm-spread", "0.2",
    "--idle-profiles", "1",
    "--idle-stations", "5",
    "--interval", "0.5",
]  # fmt: skip

FIGURES = [
    r"^python 3\.\d+\.\d+, \d+ CPUs, commit \w+ \(\+\d+ uncommitted files\), load average ",
    r"^throughput bare +2 stations: +[\d,]+ events/s, CSMS CPU +[\d.]+ us/event$",
    r"^throughput sqlite +4 stations: .* us/event; / bare: CPU [\d.]+x, events/s \d+%$",
    r"^throughput postgres +4 stations: .* us/event; / bare: CPU [\d.]+x, events/s \d+%$",
    r"^length sqlite +30 events: CSMS CPU +[\d.]+ us/event, .* \(\d+ events measured\)$",
    r"^length postgres +flatness: cost at 30 / at 10 = ",
    r"^storm blip +profile 0 +6 stations: all booted again in [\d.]+ s; 6 within 10 s; errors 0 ",
    r"^storm restart profile 0 +6 stations: all booted again in [\d.]+ s; 6 within 10 s; errors 0 ",
    r"^storm blip +profile 2 +3 stations: all booted again in [\d.]+ s; 3 within 10 s; errors 0 ",
    r"^storm restart profile 2 +3 stations: all booted again in [\d.]+ s; 3 within 10 s; errors 0 ",
    r"^idle bare +5 stations: +-?[\d.]+ KiB per connection$",
    r"^idle csms profile 1 +5 stations: +-?[\d.]+ KiB per connection",
]


def test_bench_csms_quick_runs_and_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_csms", *TINY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for figure in FIGURES:
        assert re.search(figure, done.stdout, re.MULTILINE), (figure, done.stdout)
