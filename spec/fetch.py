"""Re-obtain the OCPP JSON schemas in spec/ from the pinned `ocpp` wheel and verify them.

The schemas under spec/v16/schemas, spec/v201/schemas and spec/v21/schemas are byte-identical
copies of the files shipped in the PyPI package `ocpp` 2.1.0 (see PROVENANCE.md). This script
downloads that wheel (or takes one with --wheel), checks the wheel's sha256 against the pinned
value, and then either

* --check (default): compares every schema file in the wheel with spec/SHA256SUMS and with the
  files on disk, and exits non-zero naming each differing, missing or extra file; or
* --write: replaces spec/vXX/schemas with the wheel's files and rewrites spec/SHA256SUMS.
  Everything is staged first; nothing is changed unless staging succeeded.

Standard library only. Exit codes: 0 all agree / written, 1 differences found, 2 error.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

PACKAGE = "ocpp"
PACKAGE_VERSION = "2.1.0"
WHEEL_NAME = "ocpp-2.1.0-py3-none-any.whl"
WHEEL_SHA256 = "0e452c14c21e2995431334ce1513d5ad8246ecb5c8fb90ed4143e2ecdd9e2845"
# Our folder name -> folder inside the wheel.
VERSIONS: Mapping[str, str] = {
    "v16": "ocpp/v16/schemas/",
    "v201": "ocpp/v201/schemas/",
    "v21": "ocpp/v21/schemas/",
}
# File counts of the pinned wheel; a cheap sanity check on top of the wheel's sha256.
EXPECTED_COUNTS: Mapping[str, int] = {"v16": 78, "v201": 128, "v21": 181}
SUMS_NAME = "SHA256SUMS"
SPEC_DIR = Path(__file__).resolve().parent

_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_]+\.json$")
_SUMS_LINE = re.compile(r"^([0-9a-f]{64}) [ *](\S+)$")


class FetchError(Exception):
    """A problem that stops the run (download, checksum, unreadable input)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    """Download the pinned wheel with pip into `dest` and return its path."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--dest",
        str(dest),
        f"{PACKAGE}=={PACKAGE_VERSION}",
    ]
    print(f"running: {' '.join(cmd)}", file=sys.stderr)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise FetchError(f"could not run pip: {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise FetchError(f"pip download failed (exit {proc.returncode}):\n  " + "\n  ".join(tail))
    wheel = dest / WHEEL_NAME
    if not wheel.is_file():
        found = sorted(p.name for p in dest.iterdir())
        raise FetchError(f"pip did not produce {WHEEL_NAME}; found: {found or 'nothing'}")
    return wheel


def read_wheel(wheel: Path) -> dict[str, bytes]:
    """Check the wheel's sha256 and return {"vXX/schemas/Name.json": bytes}."""
    try:
        data = wheel.read_bytes()
    except OSError as exc:
        raise FetchError(f"cannot read wheel {wheel}: {exc}") from exc
    digest = sha256_hex(data)
    if digest != WHEEL_SHA256:
        raise FetchError(
            f"sha256 of {wheel} is {digest}, expected {WHEEL_SHA256} "
            f"(pinned {WHEEL_NAME}); refusing to use it"
        )
    files: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(wheel) as zf:
            for info in zf.infolist():
                for ours, prefix in VERSIONS.items():
                    if not info.filename.startswith(prefix) or info.is_dir():
                        continue
                    name = info.filename[len(prefix) :]
                    if "/" in name:
                        continue
                    if not _SCHEMA_NAME.match(name):
                        raise FetchError(f"unexpected file name in wheel: {info.filename}")
                    files[f"{ours}/schemas/{name}"] = zf.read(info)
    except (OSError, zipfile.BadZipFile) as exc:
        raise FetchError(f"cannot read wheel {wheel}: {exc}") from exc
    for ours, expected in EXPECTED_COUNTS.items():
        got = sum(1 for path in files if path.startswith(f"{ours}/"))
        if got != expected:
            raise FetchError(f"wheel has {got} schema files for {ours}, expected {expected}")
    return files


def render_sums(files: Mapping[str, bytes]) -> str:
    """sha256sum format ("<hex>  <path>"), paths relative to spec/, sorted by path."""
    return "".join(f"{sha256_hex(files[path])}  {path}\n" for path in sorted(files))


def parse_sums(text: str) -> tuple[dict[str, str], list[str]]:
    """Return ({path: hex}, problems) for a SHA256SUMS text."""
    sums: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUMS_LINE.match(line)
        if match is None:
            problems.append(f"{SUMS_NAME}:{number}: malformed line: {line!r}")
            continue
        digest, path = match.groups()
        if path in sums:
            problems.append(f"{SUMS_NAME}:{number}: duplicate entry for {path}")
        sums[path] = digest
    return sums, problems


def disk_files(spec_dir: Path) -> dict[str, Path]:
    """Every file currently under spec/vXX/schemas (recursively), keyed like the wheel's."""
    found: dict[str, Path] = {}
    for ours in VERSIONS:
        folder = spec_dir / ours / "schemas"
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_file() or path.is_symlink():
                found[path.relative_to(spec_dir).as_posix()] = path
    return found


def check(spec_dir: Path, files: Mapping[str, bytes]) -> list[str]:
    """Compare the wheel's files with SHA256SUMS and the files on disk; return problems."""
    problems: list[str] = []
    expected_sums = render_sums(files)

    sums_path = spec_dir / SUMS_NAME
    try:
        sums_text = sums_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"missing: {SUMS_NAME}")
        sums_text = None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"unreadable: {SUMS_NAME}: {exc}")
        sums_text = None
    if sums_text is not None:
        sums, parse_problems = parse_sums(sums_text)
        problems.extend(parse_problems)
        for path in sorted(files):
            if path not in sums:
                problems.append(f"missing from {SUMS_NAME}: {path}")
            elif sums[path] != sha256_hex(files[path]):
                problems.append(f"differs in {SUMS_NAME}: {path}")
        for path in sorted(set(sums) - set(files)):
            problems.append(f"extra in {SUMS_NAME}: {path}")
        if not problems and sums_text != expected_sums:
            problems.append(f"{SUMS_NAME} is not in canonical form (sorted, sha256sum format)")

    on_disk = disk_files(spec_dir)
    for path in sorted(files):
        if path not in on_disk:
            problems.append(f"missing: {path}")
            continue
        try:
            content = on_disk[path].read_bytes()
        except OSError as exc:
            problems.append(f"unreadable: {path}: {exc}")
            continue
        if content != files[path]:
            problems.append(f"differs: {path}")
    for path in sorted(set(on_disk) - set(files)):
        problems.append(f"extra: {path}")
    return problems


def write(spec_dir: Path, files: Mapping[str, bytes]) -> None:
    """Replace spec/vXX/schemas and SHA256SUMS with the wheel's files.

    All files are written to a staging folder inside spec/ first; the live folders are swapped
    in only afterwards, and restored if a swap fails.
    """
    staging = Path(tempfile.mkdtemp(prefix=".fetch-staging-", dir=spec_dir))
    swapped: list[tuple[Path, Path | None]] = []  # (live path, backup or None)
    try:
        for path, content in files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        for ours in VERSIONS:
            (staging / ours / "schemas").mkdir(parents=True, exist_ok=True)
        (staging / SUMS_NAME).write_text(render_sums(files), encoding="utf-8", newline="\n")

        backups = staging / ".old"
        backups.mkdir()
        live_items = [Path(ours) / "schemas" for ours in VERSIONS] + [Path(SUMS_NAME)]
        for rel in live_items:
            live = spec_dir / rel
            backup: Path | None = None
            if live.exists() or live.is_symlink():
                backup = backups / rel
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.replace(live, backup)
            swapped.append((live, backup))
            live.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, live)
    except BaseException:
        for live, backup in reversed(swapped):
            if live.is_dir() and not live.is_symlink():
                shutil.rmtree(live, ignore_errors=True)
            elif live.exists() or live.is_symlink():
                live.unlink()
            if backup is not None:
                os.replace(backup, live)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            f"Re-obtain the OCPP JSON schemas from {PACKAGE}=={PACKAGE_VERSION} "
            "and verify or rewrite spec/."
        )
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        dest="mode",
        action="store_const",
        const="check",
        help="compare the wheel's schemas with SHA256SUMS and spec/ (default)",
    )
    mode.add_argument(
        "--write",
        dest="mode",
        action="store_const",
        const="write",
        help="replace spec/vXX/schemas and SHA256SUMS with the wheel's files",
    )
    parser.set_defaults(mode="check")
    parser.add_argument(
        "--wheel",
        type=Path,
        metavar="PATH",
        help=f"use this {WHEEL_NAME} instead of downloading it with pip",
    )
    parser.add_argument(
        "--spec-dir",
        type=Path,
        default=SPEC_DIR,
        metavar="DIR",
        help="the spec/ folder to check or write (default: the folder of this script)",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    spec_dir: Path = args.spec_dir
    if not spec_dir.is_dir():
        raise FetchError(f"spec folder does not exist: {spec_dir}")
    if args.wheel is not None:
        files = read_wheel(args.wheel)
    else:
        with tempfile.TemporaryDirectory(prefix="ocppgen-fetch-") as tmp:
            files = read_wheel(download_wheel(Path(tmp)))

    if args.mode == "write":
        write(spec_dir, files)
        print(f"wrote {len(files)} schema files and {SUMS_NAME} under {spec_dir}")
        return 0

    problems = check(spec_dir, files)
    if problems:
        for problem in problems:
            print(problem)
        print(
            f"{len(problems)} problem(s); run with --write to replace spec/ with the wheel's files",
            file=sys.stderr,
        )
        return 1
    counts = ", ".join(
        f"{ours}: {sum(1 for p in files if p.startswith(ours + '/'))}" for ours in VERSIONS
    )
    print(f"ok: {len(files)} schema files agree with {SUMS_NAME} and spec/ ({counts})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
