"""The whole generator: load -> typed schema view -> IR -> render -> black -> write or check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ocppgen.codegen.build import build_spec
from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.editions import check_hashes, choose
from ocppgen.codegen.ir import Spec
from ocppgen.codegen.load import load_inputs, read_renames
from ocppgen.codegen.output import drift, write_atomically
from ocppgen.codegen.paths import DEFAULT_OUT_DIR, DEFAULT_SPEC_DIR, ROOT
from ocppgen.codegen.render import render_root, render_version
from ocppgen.codegen.vendor import (
    VendorRequest,
    check_package,
    check_target,
    extra_files,
    vendor_spec,
)
from ocppgen.codegen.versions import Version

__all__ = [
    "DEFAULT_OUT_DIR",
    "DEFAULT_SPEC_DIR",
    "ROOT",
    "Result",
    "build",
    "generate",
    "generate_vendor",
]


@dataclass(frozen=True)
class Result:
    specs: tuple[Spec, ...]
    files: dict[str, str]  # path relative to the output folder -> text
    drift: tuple[str, ...]  # only for check runs


def build(
    spec_dir: Path, versions: tuple[Version, ...], edition: str | None = None
) -> tuple[Spec, ...]:
    """Every requested version's IR, each from the `edition` asked (one version only) or its
    default one; raises GenerationError with all diagnostics of the run."""
    diags = Diagnostics()
    specs = []
    for asked in versions:
        before = len(diags.items)
        version = choose(spec_dir, asked, edition, diags)
        check_hashes(spec_dir, version, diags)
        if len(diags.items) > before:  # not the edition asked for, or not the files it lists
            continue
        inputs = load_inputs(spec_dir, version, diags)
        renames = read_renames(spec_dir, version, diags)
        spec = build_spec(inputs, renames, diags)
        if spec is not None:
            specs.append(spec)
    diags.raise_if_any()
    return tuple(specs)


def generate(
    spec_dir: Path,
    out_dir: Path,
    versions: tuple[Version, ...],
    check: bool,
    edition: str | None = None,
) -> Result:
    specs = build(spec_dir, versions, edition)
    files: dict[str, str] = dict(render_root())
    for spec in specs:
        files.update(render_version(spec))
    scopes = ["__init__.py", *(v.key for v in versions)]
    if check:
        return Result(specs, files, tuple(drift(out_dir, files, scopes)))
    write_atomically(out_dir, files, scopes)
    return Result(specs, files, ())


def generate_vendor(
    spec_dir: Path,
    out_dir: Path,
    version: Version,
    request: VendorRequest,
    check: bool = False,
    edition: str | None = None,
) -> Result:
    """The vendor package `request.package` in `out_dir` (and its pyproject.toml if asked);
    every problem of the inputs and the request is reported before anything is written."""
    from ocppgen import __version__

    diags = Diagnostics()
    check_package(request.package, diags)
    (spec,) = build(spec_dir, (version,), edition)
    vendor = vendor_spec(spec_dir, spec, request, diags)
    if not check:
        check_target(out_dir, request, diags)
    diags.raise_if_any()
    files = {**render_version(vendor), **extra_files(vendor, request, __version__)}
    scopes = [request.package, *(["pyproject.toml"] if request.distribution else [])]
    if check:
        return Result((vendor,), files, tuple(drift(out_dir, files, scopes)))
    write_atomically(out_dir, files, scopes)
    return Result((vendor,), files, ())
