"""Importing the models does not load the asyncio networking layer (issue 14, item 3): the
runtime package loads its endpoints and TLS helpers on first use (PEP 562 `__getattr__`)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import ocppgen.runtime

NETWORKING = ("websockets", "asyncio", "ssl")


def _loaded_after(code: str) -> list[str]:
    """The networking modules a fresh interpreter has loaded after running `code`."""
    report = f"print(json.dumps([m for m in {NETWORKING!r} if m in sys.modules]))"
    probe = f"{code}\nimport json, sys\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("version", ["v16", "v201", "v21"])
def test_models_do_not_load_networking(version: str) -> None:
    module = f"ocppgen.generated.{version}"
    assert _loaded_after(f"import {module}; {module}.VERSION") == []


def test_sans_io_core_does_not_load_networking() -> None:
    code = "from ocppgen.runtime import CallContext, Connection, OcppError, OcppModel"
    assert _loaded_after(code) == []


def test_endpoints_load_networking_when_used() -> None:
    code = "from ocppgen.runtime import CsmsServer, StationClient, CallContext"
    assert _loaded_after(code) == list(NETWORKING)


@pytest.mark.parametrize("name", ocppgen.runtime.__all__)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(ocppgen.runtime, name)
    assert name in dir(ocppgen.runtime)
    lazy = ocppgen.runtime._LAZY.get(name)
    if lazy is not None:  # the very object of its module, bound for later lookups
        assert value is getattr(importlib.import_module(f"ocppgen.runtime.{lazy}"), name)
        assert vars(ocppgen.runtime)[name] is value


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        ocppgen.runtime.NoSuchThing  # noqa: B018
