"""The IR -> `handlers.py`: per-role RPC dispatch stubs and typed call methods.

For each role (CSMS, Charging Station): a handler base with one `on_<action>` method per action
the role receives (the `Handler` protocol of `runtime.dispatch`; an action left unimplemented is
answered NotSupported), and a call class with one typed method per action the role sends.
Who sends what comes from the tables' initiator column (DataTransfer: both).
"""

from __future__ import annotations

from dataclasses import dataclass

from ocppgen.codegen.ir import Action, Spec
from ocppgen.codegen.naming import call_method, handler_method
from ocppgen.codegen.templating import HEADER, environment


@dataclass(frozen=True)
class RoleView:
    """One role as the template sees it."""

    value: str  # runtime.actions.Role value
    member: str  # Role member name
    title: str  # in prose
    peer_title: str
    classes: str  # prefix of the generated class names
    constant: str  # prefix of the generated module constants
    receives: tuple[ActionView, ...]
    sends: tuple[ActionView, ...]

    @property
    def sends_one_way(self) -> bool:
        return any(a.one_way for a in self.sends)


@dataclass(frozen=True)
class ActionView:
    name: str
    handler: str
    caller: str
    request: str
    response: str | None
    one_way: bool
    doc: str


_ROLES = (
    ("CSMS", "CSMS", "CSMS", "Charging Station", "Csms", "CSMS"),
    (
        "ChargingStation",
        "CHARGING_STATION",
        "Charging Station",
        "CSMS",
        "ChargingStation",
        "CHARGING_STATION",
    ),
)


def _doc(action: Action, lead: str, rest: str) -> str:
    lines = [lead, "", f"Functional block: {action.functional_block}."]
    lines.append(
        f"Use cases: {', '.join(action.use_cases)}."
        if action.use_cases
        else "Use cases: none listed in the use-case table."
    )
    return "\n".join([*lines, "", rest])


def _view(action: Action, receiving: bool, title: str, peer: str) -> ActionView:
    one_way = action.message_type == "SEND"
    kind = "SEND (one-way, never answered)" if one_way else "CALL"
    if receiving:
        lead = f"{action.name} {kind} from the {peer}."
        rest = (
            "The default ignores it; override to act on it."
            if one_way
            else "Not implemented here: answered with a NotSupported CALLERROR; override to "
            "support it."
        )
    else:
        lead = f"Send {action.name} ({kind}) to the {peer}."
        rest = (
            "Returns once the frame is written."
            if one_way
            else "Returns the validated response; raises what the connection's `call` raises "
            "(RemoteCallError, InvalidResultError, CallTimeout, Disconnected)."
        )
    return ActionView(
        name=action.name,
        handler=handler_method(action.name),
        caller=call_method(action.name),
        request=action.request,
        response=action.response,
        one_way=one_way,
        doc=_doc(action, lead, rest),
    )


def roles(spec: Spec) -> tuple[RoleView, ...]:
    views = []
    for value, member, title, peer, classes, constant in _ROLES:
        receives = tuple(
            _view(a, True, title, peer)
            for a in spec.actions
            if any(i != value for i in a.initiators)
        )
        sends = tuple(_view(a, False, title, peer) for a in spec.actions if value in a.initiators)
        views.append(RoleView(value, member, title, peer, classes, constant, receives, sends))
    return tuple(views)


def render_roles(spec: Spec) -> dict[str, str]:
    """`<key>/handlers.py` (unformatted; render.py runs black over every file)."""

    key = spec.version.key
    folder = spec.version.folder
    views = roles(spec)
    used = sorted(
        {a.request for r in views for a in (*r.receives, *r.sends)}
        | {a.response for r in views for a in (*r.receives, *r.sends) if a.response}
    )
    text = (
        environment()
        .get_template("handlers.py.jinja")
        .render(
            header=HEADER.format(key=key),
            version=spec.version,
            roles=views,
            message_names=used,
            any_one_way=any(r.sends_one_way for r in views),
            vendor=spec.vendor is not None,
        )
    )
    return {f"{folder}/handlers.py": text}
