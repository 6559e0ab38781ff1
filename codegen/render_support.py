"""The test-support files of one version: handlers, strategies, use-case scenarios, proptests.

`render.render_version` adds these to the files of each version.
"""

from __future__ import annotations

from ocppgen.codegen.ir import Spec
from ocppgen.codegen.render_proptests import render_proptests
from ocppgen.codegen.render_roles import render_roles
from ocppgen.codegen.render_scenarios import render_scenarios
from ocppgen.codegen.render_strategies import render_strategies


def support_files(spec: Spec) -> dict[str, str]:
    """Every support file of a version, keyed by path relative to generated/ (unformatted)."""
    return {
        **render_roles(spec),
        **render_strategies(spec),
        **render_scenarios(spec),
        **render_proptests(spec),
    }
