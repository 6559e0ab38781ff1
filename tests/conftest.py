"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from tests.certs import Pki, make_pki

# The generated property tests' bodies live in the runtime package; let failures there show the
# compared values as assertions in test files do.
pytest.register_assert_rewrite("ocppgen.runtime.testing.properties")

# Hypothesis picks its "ci" profile when CI is set (as it is in CI). With that profile (its
# derandomize=True / database=None), hypothesis 6.170 grows a chain of settings fallbacks per
# test that shares one settings object, and after about 950 such tests every further one fails
# with RecursionError; the generated property tests have thousands. The default profile does not
# (reproduced outside this project with one parametrized test). Failures still print their seed.
settings.load_profile("default")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throwaway CA, server certificate and client certificates (CN = CS001, CS002)."""
    directory: Path = tmp_path_factory.mktemp("pki")
    return make_pki(directory)
