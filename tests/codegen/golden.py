"""The golden vendor package: a small subset of 2.0.1 with the example vendor extension, every
file of it in one reviewed text file (tests/codegen/golden/vendor-small.txt).

Regenerate after a deliberate generator change, then review the diff:
    .venv/bin/python -m tests.codegen.golden
"""

from __future__ import annotations

import sys
from pathlib import Path

from ocppgen.codegen.pipeline import DEFAULT_SPEC_DIR, generate_vendor
from ocppgen.codegen.subset import Selection
from ocppgen.codegen.vendor import VendorRequest
from ocppgen.codegen.versions import find_version

GOLDEN = Path(__file__).parent / "golden" / "vendor-small.txt"
PACKAGE = "acme_small"
EXTENSION = DEFAULT_SPEC_DIR.parent / "examples" / "vendor" / "acme"
SELECTION = Selection(actions=("Heartbeat", "DataTransfer"))


def golden_files(out: Path) -> dict[str, str]:
    """Generate the golden package into `out` and return its files."""
    request = VendorRequest(PACKAGE, SELECTION, distribution=True, extension=EXTENSION)
    result = generate_vendor(DEFAULT_SPEC_DIR, out, find_version("2.0.1"), request)
    return result.files


def as_text(files: dict[str, str]) -> str:
    """Every file under a `==== path ====` line, in path order."""
    return "".join(f"==== {path} ====\n{files[path]}" for path in sorted(files))


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        GOLDEN.write_text(as_text(golden_files(Path(scratch))), encoding="utf-8", newline="\n")
    print(f"wrote {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
