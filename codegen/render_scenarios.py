"""The IR -> `usecases.py`: each use case's messages, in order, with their initiators, as data.

For the end-to-end tests and the conformance tester. The initiators of each message are the
action's (the same facts as `ACTIONS`); the use case's own initiator is the table's.
"""

from __future__ import annotations

from ocppgen.codegen.ir import Spec
from ocppgen.codegen.templating import HEADER, environment

_ROLES = {"ChargingStation": "Role.CHARGING_STATION", "CSMS": "Role.CSMS"}


def render_scenarios(spec: Spec) -> dict[str, str]:
    """`<key>/usecases.py` (unformatted; render.py runs black over every file)."""

    key = spec.version.key
    folder = spec.version.folder
    actions = {a.name: a for a in spec.actions}
    # tables.py has already rejected a use case that names an unknown action.
    steps = {uc.id: [actions[name] for name in uc.messages] for uc in spec.use_cases}
    text = (
        environment()
        .get_template("usecases.py.jinja")
        .render(
            header=HEADER.format(key=key),
            version=spec.version,
            use_cases=spec.use_cases,
            steps=steps,
            roles=_ROLES,
            initiators={
                a.name: "frozenset({" + ", ".join(_ROLES[r] for r in a.initiators) + "})"
                for a in spec.actions
            },
        )
    )
    return {f"{folder}/usecases.py": text}
