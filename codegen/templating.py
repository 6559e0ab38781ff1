"""The jinja2 environment of the test-support renderers (roles, strategies, scenarios, proptests).

The same settings as `render.py`'s own environment; the filters are `render.py`'s functions.
"""

from __future__ import annotations

from pathlib import Path

import jinja2


def environment() -> jinja2.Environment:
    from ocppgen.codegen.render import _pyrepr, docstring

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["pyrepr"] = _pyrepr
    env.filters["docstring"] = docstring
    return env
