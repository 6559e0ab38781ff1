"""Where the generator's inputs and outputs live by default (no jinja2 or black here, so the CLI
can name them without the `codegen` extra installed)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_OUT_DIR", "DEFAULT_SPEC_DIR", "ROOT", "in_checkout"]

ROOT = Path(__file__).resolve().parent.parent
"""The folder holding spec/ and generated/: the checkout, or the installed package."""
DEFAULT_SPEC_DIR = ROOT / "spec"
DEFAULT_OUT_DIR = ROOT / "generated"


def in_checkout() -> bool:
    """True when running from a source checkout (spec/ and pyproject.toml beside the package).

    Installed, ROOT is the package's own folder: its generated/ holds the installed bindings,
    which `generate` must not overwrite by default."""
    return (ROOT / "pyproject.toml").is_file() and DEFAULT_SPEC_DIR.is_dir()
