"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.certs import Pki, make_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throwaway CA, server certificate and client certificates (CN = CS001, CS002)."""
    directory: Path = tmp_path_factory.mktemp("pki")
    return make_pki(directory)
